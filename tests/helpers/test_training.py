import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers import training


def _problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=False)


def test_fit_learns_and_records_history(capsys):
    torch.manual_seed(0)
    loader = _problem()
    model = nn.Linear(4, 2)
    hist = training.fit(model, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.5),
                        epochs=5, device="cpu", val_loader=loader, progress=False)
    assert len(hist.train_loss) == len(hist.val_loss) == len(hist.val_accuracy) == 5
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert hist.val_accuracy[-1] > 0.9
    assert "| Epoch: 05 | Train Loss:" in capsys.readouterr().out
    assert hist.best_epoch == min(range(5), key=hist.val_loss.__getitem__) + 1


def test_train_one_epoch_matches_a_hand_written_loop():
    loader = _problem(1)
    torch.manual_seed(0)
    a = nn.Linear(4, 2)
    b = nn.Linear(4, 2)
    b.load_state_dict(a.state_dict())
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    training.train_one_epoch(a, loader, loss_fn, opt_a, "cpu")
    for x, y in loader:
        opt_b.zero_grad()
        loss_fn(b(x), y).backward()
        opt_b.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_evaluate_and_predict_with_prepare():
    x = torch.zeros(10, 1, 2, 2)
    y = torch.arange(10) % 2
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    model = nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([1.0, 0.0]))
    flat = lambda t: t.view(t.shape[0], -1)  # noqa: E731
    loss, acc = training.evaluate(model, loader, None, "cpu", prepare=flat)
    assert math.isnan(loss) and acc == 0.5
    targets, preds = training.predict(model, loader, "cpu", prepare=flat)
    assert targets.tolist() == y.tolist() and preds.tolist() == [0] * 10


def test_losses_are_averaged_per_sample():
    """A last batch of 1 sample counts once, not as much as a full batch."""
    x = torch.tensor([[0.0], [0.0], [0.0], [10.0]])
    y = torch.zeros(4)
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    mse = lambda out, t: ((out.squeeze(1) - t) ** 2).mean()  # noqa: E731
    total = sum(((model(xb).squeeze(1) - yb) ** 2).sum().item() for xb, yb in loader)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    assert training.train_one_epoch(model, loader, mse, opt, "cpu") == total / 4 == 25.0
    loss, _ = training.evaluate(model, loader, mse, "cpu")
    assert loss == 25.0, "the mean of the batch means would be 50.0"


def test_train_steps_is_exact_and_repeatable():
    data = TensorDataset(torch.randn(50, 3), torch.randint(0, 2, (50,)))

    def run():
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        losses = training.train_steps(model, data, torch.optim.SGD(model.parameters(), lr=0.1), steps=17,
                                      batch_size=8, seed=3)
        return losses, model.weight.detach().clone()

    (l1, w1), (l2, w2) = run(), run()
    assert len(l1) == 17 and l1 == l2 and torch.equal(w1, w2)
    with pytest.raises(ValueError, match="steps >= 1"):
        training.train_steps(nn.Linear(3, 2), data, torch.optim.SGD(nn.Linear(3, 2).parameters(), lr=0.1),
                             steps=0, batch_size=8)
