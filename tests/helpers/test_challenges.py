"""helpers.challenges (the rules of the outcome-graded challenges) and helpers.checks.check_challenge, which
grades a challenge within its budget: an honest design passes; a pre-trained model, a learning rate of 0, an
optimizer of one's own, an optimizer that already stepped, extra steps, a bad batch size fail with a reason."""
import json
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import helpers.challenges as challenges
import helpers.checks as checks
from helpers.challenges import CHALLENGES, Challenge, challenge
from helpers.checks import check_challenge

ROOT = Path(__file__).resolve().parents[2]
RULES = Challenge("0.0t", steps=40, max_batch_size=64, bar_standin=0.8, bar_real=0.7, seed=0, heldout=100)


def _data(n, seed):
    """Two classes in 8 dimensions, the sign of x0 * x1 (an XOR: an untrained network is at chance level)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return x, (x[:, 0] * x[:, 1] > 0).long()


TRAIN = TensorDataset(*_data(512, 1))
TEST = _data(400, 2)


def honest_model():
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))


def honest_optimizer(params):
    return torch.optim.Adam(params, lr=0.05)


def grade(make_model=honest_model, make_optimizer=honest_optimizer, batch_size=32, rules=RULES, **kwargs):
    return check_challenge(rules, make_model, make_optimizer, batch_size, TRAIN, TEST, standin=True,
                           device="cpu", **kwargs)


def test_an_honest_design_passes_and_the_trained_model_is_returned():
    model = grade()
    assert isinstance(model, nn.Module)
    with torch.no_grad():
        assert (model(TEST[0]).argmax(1) == TEST[1]).float().mean() >= 0.8
    again = grade()                                     # seeded by the rules: the same design trains the same model
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))


def test_the_bar_is_required():
    with pytest.raises(AssertionError, match=r"your model after 40 training steps, on the test split: accuracy .* "
                                             r"it needs at least 0.990"):
        grade(rules=Challenge("0.0t", steps=40, max_batch_size=64, bar_standin=0.99, bar_real=0.99, seed=0))


def test_a_pretrained_model_fails():
    def pretrained():
        model = honest_model()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        x, y = TRAIN.tensors
        for _ in range(300):                            # trains for far more than the budget
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        return model

    with pytest.raises(AssertionError, match=r"make_challenge_model\(\) must return an untrained model: it already "
                                             r"scores 0\.9\d\d on 400 test examples before the test trains it \(chance "
                                             r"level is 0.505\); the challenge is to reach the bar within 40 steps"):
        grade(make_model=pretrained)


def test_the_untrained_margin_is_per_challenge():
    lenient = Challenge("0.0t", steps=40, max_batch_size=64, bar_standin=0.8, bar_real=0.8, seed=0,
                        untrained_margin=0.6)
    trained = grade()
    grade(make_model=lambda: trained, rules=lenient)    # 0.505 + 0.6: anything passes (a)
    assert CHALLENGES["5.6c"].untrained_margin == 0.20 and CHALLENGES["2.6c"].untrained_margin == 0.10


def test_a_learning_rate_of_zero_fails():
    with pytest.raises(AssertionError, match=r"training did not change the model's parameters \(learning rate 0\?"):
        grade(make_optimizer=lambda ps: torch.optim.SGD(ps, lr=0.0))


def test_an_optimizer_of_ones_own_fails():
    class BusySGD(torch.optim.SGD):
        def step(self, closure=None):                   # ten steps for the price of one
            for _ in range(10):
                super().step(closure)

    with pytest.raises(AssertionError, match=r"should return an optimizer of torch.optim itself .* got .*BusySGD"):
        grade(make_optimizer=lambda ps: BusySGD(ps, lr=0.05))


def test_an_optimizer_that_already_stepped_fails():
    def stepped(params):
        params = list(params)
        optimizer = torch.optim.Adam(params, lr=0.05)
        for p in params:
            p.grad = torch.zeros_like(p)
        optimizer.step()
        return optimizer

    with pytest.raises(AssertionError, match=r"returned an optimizer that has already taken steps"):
        grade(make_optimizer=stepped)
    grade(make_optimizer=lambda ps: torch.optim.Adagrad(ps, lr=0.1))   # a fresh Adagrad has state, but no step


def test_optimizers_with_extra_work_fail():
    def patched_step(params):
        optimizer = torch.optim.SGD(params, lr=0.05)
        optimizer.step = lambda closure=None: None
        return optimizer

    with pytest.raises(AssertionError, match=r"replaced the optimizer's own methods \(step\)"):
        grade(make_optimizer=patched_step)

    def hooked(params):
        optimizer = torch.optim.SGD(params, lr=0.05)
        optimizer.register_step_pre_hook(lambda opt, args, kwargs: None)
        return optimizer

    with pytest.raises(AssertionError, match=r"comes with optimizer step hooks"):
        grade(make_optimizer=hooked)


def test_extra_steps_during_training_fail():
    class SelfTraining(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = honest_model()
            self.optimizer = None

        def forward(self, x):
            if self.training and self.optimizer is not None:
                self.optimizer.step()                   # an extra step hidden in forward()
            return self.net(x)

    model = SelfTraining()

    def optimizer_kept_by_the_model(params):
        model.optimizer = torch.optim.SGD(params, lr=0.05)
        return model.optimizer

    with pytest.raises(AssertionError, match=r"the optimizer took 80 steps during training; the budget is exactly 40"):
        grade(make_model=lambda: model, make_optimizer=optimizer_kept_by_the_model)


def test_bad_batch_sizes_and_models_fail():
    for bad in (0, 65, True, 16.0, "16"):
        with pytest.raises(AssertionError, match=r"CHALLENGE_BATCH_SIZE should be an int from 1 to 64"):
            grade(batch_size=bad)
    with pytest.raises(AssertionError, match=r"make_challenge_model\(\) should be a Module, got function"):
        grade(make_model=lambda: (lambda x: x))
    with pytest.raises(AssertionError, match=r"make_challenge_optimizer\(model.parameters\(\)\) should return an "
                                             r"optimizer of torch.optim itself"):
        grade(make_optimizer=lambda ps: None)


def test_model_args_and_exercise_ids():
    got = []

    def make(width):
        got.append(width)
        return nn.Sequential(nn.Linear(8, width), nn.ReLU(), nn.Linear(width, 2))

    grade(make_model=make, model_args=(48,))
    assert got == [48]
    with pytest.raises(KeyError, match="no challenge '9.9z': the challenges are 2.6c, 3.7b"):
        check_challenge("9.9z", honest_model, honest_optimizer, 16, TRAIN, TEST, standin=True, device="cpu")


def test_check_challenge_keeps_its_own_copy_of_the_rules(monkeypatch):
    monkeypatch.setitem(challenges.CHALLENGES, "2.6c", Challenge("2.6c", steps=1, max_batch_size=60_000,
                                                                 bar_standin=0.0, bar_real=0.0, seed=0))
    rules = checks._resolve_challenge("2.6c", None)
    assert (rules.steps, rules.max_batch_size, rules.bar(True)) == (300, 128, 0.80)
    assert checks._resolve_challenge("4.8b", "full").steps == 1000
    assert checks._resolve_challenge("4.8b", "quick").steps == 100


def test_the_registry_holds_the_notebooks_challenges():
    assert sorted(CHALLENGES) == ["2.6c", "3.7b", "4.8b", "5.6c", "6.8c", "8.6b", "9.2c"]
    grade_ids = set()
    for path in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            grade_ids.add(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
    for exercise, rules in CHALLENGES.items():
        assert rules.exercise == exercise
        assert f"ex_{exercise.replace('.', '_')}_tests" in grade_ids, exercise
    assert (challenge("2.6c").steps, challenge("2.6c").bar(True), challenge("2.6c").bar(False)) == (300, 0.80, 0.80)
    assert challenge("5.6c").heldout_bar(True) == 0.67 and challenge("9.2c").bar(True) == 0.76
    assert challenge("4.8b", "full").steps == 1000 and challenge("4.8b", "smoke").steps == 100
    with pytest.raises(KeyError, match="no challenge '2.6': the challenges are 2.6c, 3.7b, 4.8b"):
        challenge("2.6")


def test_the_rules_read_well():
    text = str(challenge("3.7b"))
    for part in ("Challenge 3.7b", "torch.manual_seed(0)", "exactly 200 optimiser steps", "from 1 to 64",
                 "70% on the stand-in data (40% on the real data)", "1,000 held-out examples"):
        assert part in text, part
    assert "80% on the test split" in str(challenge("2.6c")), "one bar where stand-in and real data agree"
    assert "70% (stand-in data)" in challenge("3.7b").describe(standin=True)
    assert "67%" in challenge("5.6c").describe() and "(1000 in the full profile)" in challenge("4.8b").describe()
    with pytest.raises(ValueError, match="bar_real must be an accuracy from 0 to 1"):
        Challenge("x", steps=1, max_batch_size=1, bar_standin=0.5, bar_real=80, seed=0)
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        Challenge("x", steps=0, max_batch_size=1, bar_standin=0.5, bar_real=0.5, seed=0)
