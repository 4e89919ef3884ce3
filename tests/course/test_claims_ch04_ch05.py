"""Chapters 4 and 5 keep their computed claims computed ("Results that teach").

Each test reads a solutions notebook's JSON (nothing is executed here: the suite already runs every
notebook in the smoke profile) and fails if a claim goes back to a hard-coded or contradicted sentence,
or if the cell that computes and prints it disappears.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.course.claims import cells, code_cell, grade_cell, prose

ROOT = Path(__file__).resolve().parents[2]
CH04 = ROOT / "solutions" / "ch04_rnn_nlp"
CH05 = ROOT / "solutions" / "ch05_transfer_learning"


def interleaved_median_timing(source: str) -> None:
    """The timing demo measures as recipe 9.4 teaches: warm-up, interleaved repeats, median, spread, threads."""
    assert "warm-up" in source, "a warm-up call before timing"
    assert "for _ in range(REPEATS):" in source and "interleaved" in source, "variants interleaved inside the repeats"
    assert "statistics.median" in source, "the median of the repeats"
    assert "min(ratios)" in source and "max(ratios)" in source and "min-max" in source, "the ratio's spread"
    assert "torch.get_num_threads()" in source, "the thread count stated"


# ----------------------------------------------------------------------------------------- chapter 4
def test_ch04_01_truncation_is_shown_on_any_data():
    path = CH04 / "01_tokenization_and_fields.ipynb"
    source = code_cell(path, "quantile(0.9)", "truncates")
    assert "for fix in (50, percentile_90):" in source, "truncation at 50 and at a length chosen from the data"
    assert "int(lengths.max()) - 1" in source, "the percentile length always cuts at least the longest article"
    shown = code_cell(path, 'print("kept:"', 'print("lost:"')
    assert "percentile_90" in shown and "<eos>" in shown, "a truncated article is printed, with its lost end"
    assert "depends on the corpus" in prose(path)


def test_ch04_02_bucketing_speedup_is_measured_with_median_and_spread():
    path = CH04 / "02_dataset_and_iterators.ipynb"
    timing = code_cell(path, "one_pass(batches)", "seconds[name].append")
    interleaved_median_timing(timing)
    assert "positions to compute" in timing and "bound" in timing, "the positions ratio printed beside the speed-up"
    text = prose(path)
    assert "not a saving of the same factor" in text and "fixed cost" in text, "why the speed-up is below the saving"
    assert "islice(loader, batches)" not in "".join(cells(path, "code")), "no single, loader-included timing"


def test_ch04_05_time_claim_is_a_measured_step_time_not_seconds_per_epoch():
    path = CH04 / "05_stacked_and_bidirectional.ipynb"
    text = prose(path)
    assert "Time per epoch grows with the LSTM's size" not in text
    assert "s/epoch" not in "".join(cells(path, "code")), "no single-run seconds per epoch in the table or plot"
    timing = code_cell(path, "seconds_per_step(timed[name]", "step_times[name].append")
    interleaved_median_timing(timing)
    assert "the one-layer LSTM's" in timing, "each model's time as a ratio to the one-layer model's"
    assert "can swap their order" in text, "the text says when a busy machine can change the order"
    assert "ms/step" in code_cell(path, "print(f\"{'model':26s}"), "the table shows the measured time per step"


def test_ch04_05_challenge_text_matches_its_test():
    path = CH04 / "05_stacked_and_bidirectional.ipynb"
    setup = code_cell(path, "CHALLENGE_BAR =", "CHALLENGE_STEPS =")
    text = prose(path)
    assert "What the hidden test varies: only the data." in text and "800 new articles" in text
    hidden = grade_cell(path, "ex_4_8b_tests")
    from helpers.challenges import challenge

    assert challenge("4.8b").heldout == 800 and '"news", _rules.heldout' in hidden, \
        "the text's number of fresh articles is the hidden test's"
    assert 'check_challenge("4.8b"' in hidden and 'challenge("4.8b", course.profile).steps' in setup
    # the recipe the guidance names (measured to pass with a margin of >= 5 points over seeds and fresh articles)
    assert "`LSTMClassifier` of 4.6" in text and "batches of 64" in text


# ----------------------------------------------------------------------------------------- chapter 5
def test_ch05_01_pretrained_keyword_and_stage_sizes_follow_the_run():
    path = CH05 / "01_pretrained_model.ipynb"
    text = prose(path)
    assert "has since been removed" not in text, "torchvision 0.29 still accepts pretrained= (with a warning)"
    assert "Each stage halves the height and width" not in text, "layer1 keeps the height and width"
    assert "`layer1` keeps them" in text
    warned = code_cell(path, "resnet50(pretrained=False)", "warnings.catch_warnings(record=True)")
    assert "torchvision.__version__" in warned and 'ResNet50_Weights[name]' in warned, "warning and accuracies printed"
    shapes = code_cell(path, "register_forward_hook", "smaller")
    assert "same height/width" in shapes, "the shape printout says which module keeps the size"


def test_ch05_03_first_loss_and_fine_tuning_rate_claims():
    path = CH05 / "03_training_and_finetuning.ipynb"
    text = prose(path)
    assert "the fresh head starts around there" not in text
    assert "moves the weights too little to see an effect" not in text
    first = code_cell(path, 'writer.scalars["Train Loss"]', "math.log(2)")
    assert "losses[0]" in first, "the fresh head's first loss is printed beside ln 2"
    assert "not that calibrated" in text


def test_ch05_03_challenge_bars_in_text_match_the_test_and_hidden_variation_is_stated():
    path = CH05 / "03_training_and_finetuning.ipynb"
    tests = grade_cell(path, "ex_5_6c_tests")
    from helpers.challenges import challenge

    rules = challenge("5.6c")
    assert 'check_challenge("5.6c"' in tests and "_rules.heldout_bar(" in tests
    text = prose(path)
    for bar in (rules.bar(True), rules.heldout_bar(True)):
        assert f"{bar:.0%}" in text, f"the bar {bar:.0%} of the test is stated in the text"
    assert 'challenge("5.6c").steps' in code_cell(path, "CHALLENGE_STEPS =")
    assert f"{rules.steps} optimisation steps" in text, "the step budget of the text is the test's"
    assert "What the hidden test varies: only the data." in text and "half NORMAL and half PNEUMONIA" in text
    assert rules.heldout == 200 and '"chest_xray", _rules.heldout' in tests and "200 X-rays" in text
    # the recipe the guidance names (measured to pass with a margin of >= 5 points over seeds and new X-rays)
    assert 'adapt_resnet(pretrained_resnet(course, "resnet18"))' in text and "1e-3" in text
    assert "a linear model on the pixels" in code_cell(path, "pixel_accuracy"), "the naive baseline is computed"


@pytest.mark.parametrize("notebook", sorted(CH04.glob("*.ipynb")) + sorted(CH05.glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_no_deprecated_practice_is_stated_as_current(notebook):
    text = prose(notebook)
    assert "maintenance mode" not in text
    assert "self_cuda_time_total" not in text + "".join(cells(notebook, "code"))
