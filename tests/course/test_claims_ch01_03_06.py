"""Chapters 1, 2, 3 and 6 keep their computed claims computed ("Results that teach").

Each test reads a solutions notebook's JSON (nothing is executed here: the suite already runs every
notebook in the smoke profile) and fails if a claim goes back to a hard-coded or contradicted sentence,
if the cell that computes and prints it disappears, or if a challenge's text and its test drift apart.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.course.claims import cells, code_cell, exercise_text, grade_cell, prose

ROOT = Path(__file__).resolve().parents[2]
CH01 = ROOT / "solutions" / "ch01_tensors"
CH02 = ROOT / "solutions" / "ch02_neural_networks"
CH03 = ROOT / "solutions" / "ch03_cnn_vision"
CH06 = ROOT / "solutions" / "ch06_mnist_from_scratch"


def standin_bar(exercise: str, test_source: str) -> str:
    """The stand-in bar of a challenge (``helpers.challenges``), checked to be what its test cell applies."""
    from helpers.challenges import challenge

    assert f'check_challenge("{exercise}"' in test_source, f"the test cell of {exercise} grades with check_challenge"
    rules = challenge(exercise)
    assert rules.heldout_bar(True) == rules.bar(True), "one bar for both tests"
    return f"{rules.bar(True):.2f}"


def percent(bar: str) -> str:
    return f"**{round(float(bar) * 100)}%**"


# ----------------------------------------------------------------------------------------- chapter 1
def test_ch01_03_lr_comment_matches_the_printed_spread():
    source = grade_cell(CH01 / "03_linear_regression.ipynb", "ex_1_6c_code")
    assert "mean x^2 is about 16" not in source, "x_wide's std is printed as 4.12: mean x^2 is about 17"


# ----------------------------------------------------------------------------------------- chapter 2
def test_ch02_01_class_imbalance_ratio_is_computed():
    path = CH02 / "01_network_and_loss.ipynb"
    assert "nine times more frequent" not in prose(path), "54 vs 1 per class is 54x, not 9x"
    source = code_cell(path, "y_imb = ", "counts = torch.bincount")
    assert "counts[0] / counts[1]" in source and "counts[0] / counts[1:].sum()" in source, \
        "the cell prints how many times more frequent class 0 is"


def test_ch02_02_profile_sentence_names_the_data_cut():
    path = CH02 / "02_training_dropout_functional.ipynb"
    text = prose(path)
    assert "Only the number of epochs depends on the profile" not in text
    assert "course.pick(smoke=600" in code_cell(path, "EPOCHS = course.pick")
    assert "in `smoke` only, the number of images" in text


def test_ch02_02_lbfgs_sentence_is_said_once():
    text = prose(CH02 / "02_training_dropout_functional.ipynb")
    assert text.count("evaluate the loss several times per step") + text.count(
        "evaluates the loss several times per step") == 1


def test_ch02_02_parameter_count_of_2_5_is_printed():
    path = CH02 / "02_training_dropout_functional.ipynb"
    assert "235,000" not in prose(path)
    assert "model_do.parameters()" in code_cell(path, "model_do = FashionDropoutNetwork()", "learnable numbers")


def test_ch02_02_functional_sigmoid_is_not_called_deprecated():
    """torch 2.x's F.sigmoid/F.tanh just call torch.sigmoid/torch.tanh and do not warn (1.x did)."""
    import warnings

    import torch
    import torch.nn.functional as F

    text = prose(CH02 / "02_training_dropout_functional.ipynb")
    assert "`F.sigmoid`/`F.tanh` are deprecated aliases" not in text
    assert "current ones do not" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.sigmoid(torch.zeros(1))
        F.tanh(torch.zeros(1))


def test_ch02_06c_text_says_what_the_test_does_and_matches_its_bar():
    path = CH02 / "02_training_dropout_functional.ipynb"
    text = exercise_text(path, "2.6c")
    test = grade_cell(path, "ex_2_6c_tests")
    bar = standin_bar("2.6c", test)
    from helpers.challenges import challenge

    rules = challenge("2.6c")
    assert percent(bar) in text, f"the text states the test's stand-in bar {bar}"
    assert rules.steps == 300 and "**300 optimiser steps**" in text
    assert '"fashion_mnist", _rules.heldout' in test and rules.heldout == 2000 and "2,000 fresh images" in text
    assert "(_x - 0.5) / 0.5" in test and "`(x - 0.5) / 0.5`" in text and "values in [0, 1]" in text
    assert rules.seed == 0 and "`seed=0`" in text
    assert "batches of **128**" in text and "`Adam(lr=3e-3)`" in text, "the recipe that passes"
    demo = code_cell(path, "challenge_bar = ", "linear model, 300 steps")
    assert 'challenge_bar = challenge("2.6c").bar(' in demo, "the demo prints the test's bar"


# ----------------------------------------------------------------------------------------- chapter 3
def test_ch03_07b_text_says_what_the_test_does_and_guides_to_a_recipe():
    path = CH03 / "03_cifar10_classifier.ipynb"
    text = exercise_text(path, "3.7b")
    test = grade_cell(path, "ex_3_7b_tests")
    bar = standin_bar("3.7b", test)
    from helpers.challenges import challenge

    rules = challenge("3.7b")
    assert percent(bar) in text
    assert 'challenge_bar = challenge("3.7b").bar(' in code_cell(path, "challenge_bar = ")
    assert rules.steps == 200 and "**200 optimiser steps**" in text
    assert '"cifar10", _rules.heldout' in test and rules.heldout == 1000 and "1,000 fresh images" in text
    assert "(_x - 0.5) / 0.5" in test and "`(x - 0.5) / 0.5`" in text and "values in `[0, 1]`" in text
    assert "`nn.BatchNorm2d` after each of the three convolutions" in text
    assert "`torch.optim.Adam(params, lr=1e-3)`, with batches of 64" in text


# ----------------------------------------------------------------------------------------- chapter 6
def test_ch06_02_no_cell_ends_in_a_bare_training_call():
    """A cell that ends with ``train_one_epoch(...)`` shows the returned loss as a stray number."""
    for path in sorted(CH06.glob("[0-9]*.ipynb")):
        for source in cells(path, "code"):
            if "### BEGIN SOLUTION" in source or source.lstrip().startswith("from helpers.checks"):
                continue
            body = ast.parse(source).body
            last = body[-1] if body else None
            if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
                name = getattr(last.value.func, "id", getattr(last.value.func, "attr", ""))
                assert name not in {"train_one_epoch", "train_steps", "fit", "evaluate"}, \
                    f"{path.name}: a cell ends in a bare {name}(...) call, whose value would be displayed"


def test_ch06_02_double_averaging_factor_is_computed_per_batch():
    path = CH06 / "02_lenet_training.ipynb"
    assert "factor of about the test batch size" not in prose(path), "with one short test batch the factor is its size"
    source = code_cell(path, "batch_means", "too small")
    assert "len(test_loader)" in source


def test_ch06_03_step_time_is_measured_interleaved_with_rounds_and_spread():
    path = CH06 / "03_wider_network.ipynb"
    timing = code_cell(path, "timer.timeit(", "for _ in range(rounds)")
    assert "for name, timer in timers.items()" in timing, "the networks alternate within each round"
    assert "statistics.median" in timing and "torch.get_num_threads()" in timing
    assert "num_threads=torch.get_num_threads()" in code_cell(path, "benchmark.Timer(")
    table = code_cell(path, "per_round = ", "time_ratio")
    assert "min(per_round)" in table and "max(per_round)" in table, "the ratio is printed with its spread"
    assert "'smaller' if time_ratio < ratios[1]" in table, "the ratio comparison is computed, not asserted"
    text = prose(path)
    assert "The measured time ratio is smaller than the ratio of multiply-adds" not in text
    assert "the difference almost disappears" not in text


def test_ch06_03_conv2_cost_is_printed():
    source = code_cell(CH06 / "03_wider_network.ipynb", "wide_conv2 = ")
    assert "wide_conv2 / multiply_adds(Net())" in source


def test_ch06_08c_text_says_what_the_test_does_and_matches_its_bar():
    path = CH06 / "03_wider_network.ipynb"
    text = exercise_text(path, "6.8c")
    test = grade_cell(path, "ex_6_8c_tests")
    bar = standin_bar("6.8c", test)
    from helpers.challenges import challenge

    rules = challenge("6.8c")
    assert percent(bar) in text
    assert 'challenge_bar = challenge("6.8c").bar(standin)' in code_cell(path, "challenge_bar = ")
    assert rules.steps == 150 and "**150 optimiser steps**" in text
    assert '"mnist", _rules.heldout' in test and rules.heldout == 2000 and "2,000 fresh digits" in text
    assert "no normalisation" in text
    assert "6.8's `WideNet`" in text and "lr=0.05, momentum=0.9)` with batches of 100" in text
