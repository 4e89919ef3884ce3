"""A student in JupyterLab: Run All on an unsolved notebook, solve one exercise, Validate, save, and the
self-check (``cookbook check``) agrees with what the page showed."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from cookbook import rules
from tests.browser.lab import KERNEL_WAIT_MS, PLUGIN_WARNING, Notebook, answer_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.filterwarnings(PLUGIN_WARNING)]

STUDENT = "notebooks/ch02_neural_networks/01_network_and_loss.ipynb"
SOLUTION = "solutions/ch02_neural_networks/01_network_and_loss.ipynb"
EXERCISE = "ex_2_1a"  # the exercise the student solves; the others stay unsolved
STDERR = "application/vnd.jupyter.stderr"


def test_student_runs_all_solves_an_exercise_validates_and_self_checks(lab_page, lab_server):
    course = lab_server.course
    released = nbformat.read(course / STUDENT, as_version=4)
    grade_ids = [rules.nbgrader_metadata(c).get("grade_id") for c in released.cells]
    code = [i for i, c in enumerate(released.cells) if c.cell_type == "code"]
    graded = {i for i, c in enumerate(released.cells) if rules.is_solution(c) or rules.is_test(c)}
    tests = {grade_ids[i]: i for i, c in enumerate(released.cells) if rules.is_test(c)}
    exercise, exercise_test = grade_ids.index(f"{EXERCISE}_code"), tests[f"{EXERCISE}_tests"]
    answer = answer_of(nbformat.read(course / SOLUTION, as_version=4), f"{EXERCISE}_code")

    # Run All with every exercise unsolved: the `raises-exception` tag lets it go on to the end.
    nb = Notebook.open(lab_page, lab_server, STUDENT)
    nb.run_all()
    shown = nb.cells()
    assert len(shown) == len(released.cells)
    counts = [shown[i]["prompt"] for i in code]
    assert all(execution_count(p) for p in counts), f"code cells without an execution count: {counts}"
    assert [execution_count(p) for p in counts] == sorted(execution_count(p) for p in counts), "Run All ran out of order"
    broken = {i: Notebook.error_text(shown[i])[-600:] for i in code if i not in graded and Notebook.error_text(shown[i])}
    assert not broken, f"demo cells fail while the exercises are unsolved (cell index: error): {broken}"
    unsolved = {g: Notebook.error_text(shown[i]) for g, i in tests.items()}
    assert all("NotImplementedError" in text for text in unsolved.values()), \
        f"test cells of unsolved exercises should show NotImplementedError: {unsolved}"
    outputs = [o for cell in shown for o in cell["outputs"]]
    assert any(o["mime"] == "text/html" and "STAND-IN DATA" in o["text"] for o in outputs), "no stand-in data banner"
    assert sum(o["images"] for o in outputs if o["mime"] == "image/png") >= 1, "no plot rendered as an image"

    # Solve one exercise in the page, run it and its test cell (Shift+Enter twice): no error.
    nb.type_source(exercise, answer)
    assert nb.source(exercise) == answer
    nb.shift_enter(exercise)  # runs the exercise and selects the test cell below it
    nb.shift_enter(exercise_test)
    shown = nb.cells()
    for i in (exercise, exercise_test):
        assert not [o for o in shown[i]["outputs"] if o["mime"] == STDERR], f"cell {i} failed: {shown[i]['outputs']}"

    # Save; the file on disk holds the answer and its passing test run.
    nb.save()
    saved = nbformat.read(course / STUDENT, as_version=4)
    assert saved.cells[exercise].source == answer
    assert saved.cells[exercise_test].execution_count is not None
    assert not [o for o in saved.cells[exercise_test].outputs if o.get("output_type") == "error"]

    # The self-check of the saved file runs while nbgrader's Validate does (both execute the notebook).
    check = subprocess.Popen([sys.executable, "-m", "cookbook", "check", str(course / STUDENT), "--json"],
                             cwd=course, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        dialog = nb.validate()
        message = dialog.locator("#validation-message")
        assert "validation-failed" in message.get_attribute("class"), f"Validate said: {message.inner_text()}"
        # The dialog lists each failing cell: its source, then its error (innerText: the lines as shown).
        listed = message.locator("div.jp-RenderedText pre").evaluate_all("els => els.map(e => e.innerText)")
        by_source = {released.cells[i].source.strip(): g for g, i in tests.items()}
        failed_in_dialog = {by_source.get(src.strip(), f"<not a test cell: {src[:80]!r}>") for src in listed[0::2]}
        dialog.locator("button.jp-Dialog-button").click()
        out, err = check.communicate(timeout=KERNEL_WAIT_MS / 1000)
    finally:
        if check.poll() is None:
            check.kill()
            check.wait()
    try:
        report = json.loads(out)
    except ValueError:
        pytest.fail(f"cookbook check --json printed no JSON (exit {check.returncode}):\n{out}\n{err}")
    status = {row["grade_id"]: row["status"] for row in report["rows"]}
    assert status == {g: "passed" if g == f"{EXERCISE}_tests" else "not attempted" for g in tests}, report
    assert failed_in_dialog == {g for g, s in status.items() if s != "passed"}, \
        f"Validate listed {sorted(failed_in_dialog)}, cookbook check {status}"


def execution_count(prompt: str) -> int:
    """The execution count of an input prompt ``[12]:`` (0 when it shows none)."""
    inner = prompt.strip().removeprefix("[").removesuffix("]:")
    return int(inner) if inner.isdigit() else 0
