"""Chapters 7 and 8 keep their computed claims computed ("Results that teach").

Each test reads a solutions notebook's JSON (nothing is executed here: the suite already runs every
notebook in the smoke profile) and fails if a claim goes back to a hard-coded or contradicted sentence,
or if the cell that computes and prints it disappears.
"""
from __future__ import annotations

import re
from pathlib import Path

from tests.course.claims import cells, code_cell, exercise_text, grade_cell, prose

ROOT = Path(__file__).resolve().parents[2]
CH07 = ROOT / "solutions" / "ch07_data_pipelines"
CH08 = ROOT / "solutions" / "ch08_training_practice"


def bars(test_source: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, test_source))


# ----------------------------------------------------------------------------------------- chapter 7
def test_ch07_01_the_short_last_batch_is_shown():
    path = CH07 / "01_custom_datasets.ipynb"
    source = code_cell(path, "DataLoader(part, batch_size=32", "sizes[-2:]")
    assert "Subset(dataset, range(1000))" in source, "a subset whose size leaves a remainder of 32"
    assert "len(part) % 32" in source and "n % 32" in source, "the remainder printed, for the subset and the data set"
    assert "the last one is smaller unless `drop_last=True`." not in prose(path)


def test_ch07_01_lookup_speedup_is_measured_with_rounds_and_spread():
    source = code_cell(CH07 / "01_custom_datasets.ipynb", "list(table.keys())[idx]")
    assert "for _ in range(5):" in source and "statistics.median" in source, "several rounds and their median"
    assert "min(ratios)" in source and "max(ratios)" in source, "the ratio's spread"
    assert "torch.get_num_threads()" in source


def test_ch07_02_simulated_step_is_fixed_not_derived_from_a_slowed_baseline():
    path = CH07 / "02_loader_performance.ipynb"
    code = "\n".join(cells(path, "code"))
    assert "STEP_S = 0.100" in code
    assert "32 / base" not in code, "the step must not be derived from a measurement"
    assert "fixed **100 ms per batch**" in prose(path)


def test_ch07_02_sweep_measures_like_9_4_and_states_threads_and_workers():
    path = CH07 / "02_loader_performance.ipynb"
    helpers_cell = code_cell(path, "def compare(", "def versus(")
    assert "for _ in range(rounds):" in helpers_cell and "for name, loader in loaders.items():" in helpers_cell, \
        "the loaders take turns within each round"
    assert "statistics.median(r)" in helpers_cell and "min(r)" in helpers_cell and "max(r)" in helpers_cell
    sweep = code_cell(path, "loading = compare(", "training = compare(")
    assert "torch.get_num_threads()" in sweep and "each worker 1" in sweep
    table = code_cell(path, "versus(loading, w, 0)", "versus(training, w, 0)")
    assert "ratios(training, best, 0)" in table, "the recorded speed-up is the printed median ratio"


def test_ch07_02_threads_explained_and_measured():
    path = CH07 / "02_loader_performance.ipynb"
    source = code_cell(path, "by_threads", "torch.set_num_threads(n)")
    assert "torch.set_num_threads(course.threads)" in source, "the thread count is restored afterwards"
    assert "versus(by_threads, 1, cpus)" in source
    assert "intra-op threads" in prose(path) and "slowest thread" in prose(path)


def test_ch07_02_only_warnings_that_appear_are_mentioned():
    path = CH07 / "02_loader_performance.ipynb"
    assert "(and PyTorch warns when the loader starts)" not in prose(path)
    source = code_cell(path, "pin_memory=True", "catch_warnings(record=True)")
    assert "is_pinned()" in source and "caught" in source, "the cell prints whether the batch is pinned and the warnings"


def test_ch07_02_tiny_data_claim_is_measured():
    path = CH07 / "02_loader_performance.ipynb"
    source = code_cell(path, "n_tiny", "BatchSampler")
    assert "compare(" in source and "versus(tiny_rates" in source
    assert "so `num_workers=0` wins" not in prose(path)


def test_ch07_03_exercise_7_4b_states_what_the_hidden_test_varies_and_its_bar():
    path = CH07 / "03_samplers_and_collation.ipynb"
    text = exercise_text(path, "7.4b")
    for phrase in ("trousers vs dresses", "3 %", "seed 743", "seed (74)", "the pair of classes"):
        assert phrase in text, phrase
    test = grade_cell(path, "ex_7_4b_tests")
    assert bars(test, r"check_in_range\(sum\(recall\) / 2, ([0-9.]+),") == {"0.88"}
    assert "balanced accuracy of at least 0.88**" in text
    assert "common=1, rare=3, rare_share=0.03" in test and "seed=743" in test, "the hidden test the text describes"


def test_ch07_03_shuffle_result_is_shown_over_seeds():
    path = CH07 / "03_samplers_and_collation.ipynb"
    source = code_cell(path, "by_seed", "recalls_after_training(None")
    assert "74" in source, "the test's seed is among those shown"
    assert "lags far behind" not in prose(path)


def test_ch07_04_sanitize_removes_a_box_visibly():
    source = code_cell(CH07 / "04_preprocessing_pipelines.ipynb", "CenterCrop((150, 140))", "SanitizeBoundingBoxes()")
    assert "boxes removed" in source and "cleaned[\"labels\"]" in source


# ----------------------------------------------------------------------------------------- chapter 8
def test_ch08_03_vectorised_speedup_is_measured_with_spread():
    path = CH08 / "03_loss_debugging.ipynb"
    assert "ten times slower" not in prose(path)
    helpers_cell = code_cell(path, "def time_in_turns(", "def seconds_per_call(")
    assert "for _ in range(rounds):" in helpers_cell and "for name, (fn, number) in candidates.items():" in helpers_cell
    source = code_cell(path, "focal_loop", "time_in_turns(")
    assert "statistics.median(ratios)" in source and "min(ratios)" in source and "max(ratios)" in source
    assert "torch.get_num_threads()" in source
    assert "best_time" not in "\n".join(cells(path, "code")), "the old single-best timing is gone"


def test_ch08_04_adam_vs_adamw_prints_relative_changes():
    path = CH08 / "04_optimizers_schedules.ipynb"
    assert "barely changes in relative terms" not in prose(path)
    source = code_cell(path, "AdamW(weight_decay=0.1)", "relative change")
    assert "moved / start" in source and "(1 - 0.01 * 0.1) ** 100" in source


def test_ch08_05_remedy_gaps_are_printed_and_not_overclaimed():
    path = CH08 / "05_overfitting.ipynb"
    assert "every remedy narrows the gap" not in prose(path)
    assert "gap vs baseline" in code_cell(path, "base_gap", "gap vs baseline")
    summary = code_cell(path, "narrowed the gap:", "widened the gap:")
    assert "one_image" in summary, "changes smaller than one validation image count as no change"


def test_ch08_06_source_metrics_shown_with_both_argument_orders():
    path = CH08 / "06_metrics_and_search.ipynb"
    assert "gives the same four values" not in prose(path)
    source = code_cell(path, "the source printed (torchmetrics)")
    assert "four(y_true=b, y_pred=a)" in source and "four(y_true=a, y_pred=b)" in source
    assert "`metric(preds, target)`" in prose(path)


def test_ch08_05_challenge_8_6b_states_its_bar_and_what_the_hidden_test_varies():
    path = CH08 / "05_overfitting.ipynb"
    text = exercise_text(path, "8.6b")
    test = grade_cell(path, "ex_8_6b_tests")
    from helpers.challenges import challenge

    assert 'check_challenge("8.6b"' in test, "the test cell grades with check_challenge"
    assert f"**{challenge('8.6b').bar(True) * 100:.0f}% accuracy**" in text, "the text states the test's bar"
    for phrase in ("seed 86", "does not retrain", "only the images it scores on change", "torch.manual_seed(0)"):
        assert phrase in text, phrase
    assert "(the same in every profile)" not in text, "the challenge images depend on the profile's data"
