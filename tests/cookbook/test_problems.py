"""Repairs grading makes before autograding, and problems reported as data."""
import copy

import nbformat

from cookbook import rules
from cookbook.grade import infrastructure_failure
from cookbook.problems import PROBLEM_KINDS, Problem, repair_duplicates
from tests.corpus.minicourse import mini_notebook


def _ids(nb):
    return [rules.nbgrader_metadata(c).get("grade_id") for c in nb.cells]


def test_a_copied_test_cell_is_removed_and_reported():
    nb = mini_notebook(with_helpers=False)
    at = _ids(nb).index("ex_9_1a_tests")
    nb.cells.insert(at + 1, copy.deepcopy(nb.cells[at]))
    problems = repair_duplicates(nb, "01_mini.ipynb")
    assert _ids(nb).count("ex_9_1a_tests") == 1
    assert [p.kind for p in problems] == ["duplicate-cell"]
    assert str(problems[0]).startswith("01_mini.ipynb: the test cell ex_9_1a_tests appeared more than once")


def test_a_copied_exercise_cell_keeps_running_ungraded():
    nb = mini_notebook(with_helpers=False)
    at = _ids(nb).index("ex_9_1b_code")
    twin = copy.deepcopy(nb.cells[at])
    twin.source = "def triple(x):\n    return 3 * x"
    nb.cells.insert(at + 1, twin)
    problems = repair_duplicates(nb)
    assert _ids(nb).count("ex_9_1b_code") == 1 and len(nb.cells) == len(mini_notebook(with_helpers=False).cells) + 1
    assert "nbgrader" not in nb.cells[at + 1].metadata and nb.cells[at + 1].source.startswith("def triple")
    assert problems[0].notebook == "" and "first copy is graded" in problems[0].message


def test_a_clean_notebook_is_left_alone():
    nb = mini_notebook(with_helpers=False)
    before = nbformat.writes(nb)
    assert repair_duplicates(nb) == [] and nbformat.writes(nb) == before


def test_problems_are_data():
    problem = Problem("a.ipynb", "timeout", "ex_1_1a_code timed out")
    assert problem.kind in PROBLEM_KINDS and str(problem) == "a.ipynb: ex_1_1a_code timed out"
    assert str(Problem("", "retried", "run again")) == "run again"


def test_infrastructure_failures_are_recognised():
    assert infrastructure_failure("RuntimeError: Kernel didn't respond in 60 seconds") == "Kernel didn't respond in"
    assert infrastructure_failure("nbconvert: Timeout waiting for IOPub output") == "Timeout waiting for IOPub output"
    assert infrastructure_failure("AssertionError: double(2): expected 4, got 5") == ""
