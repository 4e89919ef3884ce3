"""Chapter 9 keeps its computed claims computed ("Results that teach").

Each test reads a solutions notebook's JSON (nothing is executed here: the suite already runs every
notebook in the smoke profile) and fails if a claim goes back to a hard-coded or contradicted sentence,
or if the cell that computes and prints it disappears.
"""
from __future__ import annotations

import re
from pathlib import Path

from tests.course.claims import cells, code_cell, exercise_text, grade_cell, prose

ROOT = Path(__file__).resolve().parents[2]
CH09 = ROOT / "solutions" / "ch09_transfer_and_performance"
RELEASED = ROOT / "notebooks" / "ch09_transfer_and_performance"


def assert_interleaved(source: str) -> None:
    """The timing loop of 9.4: several repeats, the variants interleaved inside each repeat."""
    assert re.search(r"for _ in range\(repeats\):\s*\n\s*for name, timer in timers\.items\(\):", source), \
        "variants interleaved inside each repeat"


# ----------------------------------------------------------------------------------------- 9.2
NB02 = CH09 / "02_fine_tuning_strategies.ipynb"


def test_02_uses_the_training_helpers_taught_earlier():
    code = "\n".join(cells(NB02, "code"))
    assert "from helpers.training import evaluate, train_steps" in code
    assert "train_steps(KeepFrozenBatchNorm(model)" in code, "the budgeted loop is chapter 2's train_steps"
    assert "evaluate(model, loader, None, device)" in code
    assert "def accuracy(" not in code and "time.perf_counter()" not in code, "no hand-written loop or single timing"


def test_02_strategy_steps_are_timed_like_9_4():
    source = code_cell(NB02, "ms = {name: [] for name in timers}")
    assert_interleaved(source)
    assert "timer.timeit(1)" in source, "a warm-up before the repeats"
    assert "min(r)" in source and "max(r)" in source, "ratios with their spread"
    table = code_cell(NB02, 'FIXED = "fixed extractor (two-stage: stage 1)"')
    assert "torch.get_num_threads()" in table
    pairs = code_cell(NB02, "stage 2 with the source's bug / correct stage 2")
    assert 'ratio("discriminative learning rates", "full fine-tuning")' in pairs
    assert "min(gain)" in pairs and "max(gain)" in pairs, "the caching speed-up with its spread"
    text = prose(NB02)
    assert "busy machine" in text and "swap places" in text, "the text says a busy machine can reorder close variants"
    assert "time s" not in code_cell(NB02, "for name, (n_trainable, acc) in results.items():"), \
        "no single, unrepeated timings in the strategy table"


def test_02_challenge_bars_budget_and_text_agree():
    tests = grade_cell(NB02, "ex_9_2c_tests")
    from helpers.challenges import challenge

    rules = challenge("9.2c")
    visible, hidden, steps = rules.bar(True), rules.heldout_bar(True), rules.steps
    assert 'check_challenge("9.2c"' in tests and 'challenge("9.2c").bar(' in code_cell(NB02, "CHALLENGE_BAR =")
    assert visible == hidden, "the bar the demo prints is the bar of both tests"
    text = exercise_text(NB02, "9.2c")
    assert f"exactly **{steps} optimiser steps**" in text
    assert f"**{visible:.0%} accuracy**" in text and f"**{hidden:.0%}**" in text
    assert "new Fashion-MNIST images" in text and "what it varies is the images" in text, \
        "the text says what the hidden test varies"
    assert "pixels_acc" in code_cell(NB02, "nn.Linear(3 * SIZE * SIZE, 10)"), "the naive model is trained and printed"
    assert "KeepFrozenBatchNorm" in text, "the text names the chapter's recipe"


# ----------------------------------------------------------------------------------------- 9.3
NB03 = CH09 / "03_debugging.ipynb"


def test_03_fc2_explosion_is_measured_by_its_gain():
    text = prose(NB03)
    assert "jumps by an order of magnitude" not in text
    source = code_cell(NB03, "gain['fc2'] / healthy")
    assert "stats['fc2']['std'] / stats['fc1']['std']" in source, "the plain std ratio is printed too"
    assert '"in_std": inputs[0].detach().std().item()' in code_cell(NB03, "def record_stats(name):")


def test_03_nan_comes_from_softmax_backward_not_log():
    text = prose(NB03)
    assert "The backward of `log` received an infinite input from the zero probability and produced NaN" not in text
    assert "names the line with `torch.log`" not in text
    assert "`SoftmaxBackward0`" in text and "-inf x 0" in text
    source = code_cell(NB03, "probs.retain_grad()")
    assert "probs.grad" in source and "logits.grad" in source, "the gradient on both sides of the softmax is printed"


# ----------------------------------------------------------------------------------------- 9.4
NB04 = CH09 / "04_profiling.ipynb"


def test_04_per_sample_counts_come_from_the_profiler():
    text = prose(NB04)
    assert "`aten::item` twice per sample" not in text and "run once per sample" not in text
    source = code_cell(NB04, "half = calls_per_step(slow_step, x[:batch // 2], y[:batch // 2])")
    assert "per_sample = (counts.get(op, 0) - half.get(op, 0))" in source


def test_04_profiler_tables_sort_by_current_names():
    code = "\n".join(cells(NB04, "code"))
    assert 'sort_by = "self_device_time_total" if device.type == "cuda" else "self_cpu_time_total"' in code
    assert "self_cuda_time_total" not in code


def test_04_speedup_is_interleaved_with_spread():
    assert "several times faster" not in prose(NB04)
    assert_interleaved(code_cell(NB04, "seconds[name].append(timer.timeit(number).median)"))
    source = code_cell(NB04, "speedup = statistics.median(ratios)")
    assert "min(ratios)" in source and "max(ratios)" in source and "torch.get_num_threads()" in source


# ----------------------------------------------------------------------------------------- 9.5
NB05 = CH09 / "05_mixed_precision_memory.ipynb"


def test_05_parameter_and_time_factors_are_both_printed():
    text = prose(NB05)
    assert "the time falls less" not in text and "roughly the factor printed above" not in text
    source = code_cell(NB05, 'ratio(conv_ms, "standard", "depthwise-separable")')
    assert "params['standard'] / params['depthwise-separable']" in source
    assert "torch.get_num_threads()" in source


def test_05_timings_are_interleaved_and_the_smoke_claim_is_gone():
    assert "show no gain at all" not in prose(NB05)
    assert_interleaved(code_cell(NB05, "def interleaved_ms(timers: dict, repeats: int, number: int) -> dict:"))
    assert "interleaved_ms(timers, repeats" in code_cell(NB05, "def one_step(model, optimizer, amp):")
    assert "min-max over {repeats} repeats" in code_cell(NB05, 'ratio(step_ms, "float32"')


# ----------------------------------------------------------------------------------------- 9.6
NB06 = CH09 / "06_compile_and_export.ipynb"


def test_06_compile_time_and_speedup_are_measured_not_promised():
    text = prose(NB06)
    assert "tens of seconds" not in text and "tens of seconds" not in "\n".join(cells(NB06, "code"))
    source = code_cell(NB06, "if timings is not None:")
    assert "compile time (first call): {compile_s:.1f} s" in source
    assert "speedup(timings, 'eager', 'compiled')" in source
    assert_interleaved(code_cell(NB06, "def latency_ms(fns: dict, x: torch.Tensor) -> dict:"))


def test_06_new_image_is_new_and_torchscript_is_deprecated():
    source = code_cell(NB06, "if timings is not None:")
    assert "compiled(image) - model(image)" not in source
    assert "new_image = torch.randn(" in source and "compiled(new_image) - model(new_image)" in source
    text = prose(NB06)
    assert "maintenance mode" not in text and "TorchScript is deprecated" in text


# ----------------------------------------------------------------------------------------- 9.7
NB07 = "07_distributed_data_parallel.ipynb"


def test_07_no_maintainer_files_and_fsdp2_is_current():
    for path in (CH09 / NB07, RELEASED / NB07):
        assert "tests/" not in path.read_text(encoding="utf-8"), f"{path}: a student has no tests/ folder"
    assert "torch.distributed.fsdp.fully_shard" in prose(CH09 / NB07)
