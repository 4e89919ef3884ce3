"""The self-check's steps (restore, one exercise, scoring); the whole pipeline is compared with the
grader in test_integrity.py."""
import copy

import nbformat
import pytest

from cookbook import rules
from cookbook.nbfiles import read_notebook
from cookbook.release import release
from cookbook.selfcheck import exercise_key, graded_record, keep_one_exercise, restore_tests, self_check
from tests.corpus.minicourse import CHAPTER, NOTEBOOK


@pytest.fixture
def student(mini_course):
    root = mini_course(with_helpers=False)
    release(root, [])
    return root / "notebooks" / CHAPTER / NOTEBOOK


def test_exercise_keys():
    for text in ("2.1a", "ex_2_1a", "ex_2_1a_code", "EX_2_1A_TESTS "):
        assert exercise_key(text) == "ex_2_1a"


def test_restore_tests_reports_edited_and_deleted_cells(student):
    nb = read_notebook(student)
    record = graded_record(nb)
    original = nb.cells[4].source
    nb.cells[4].source = "pass"
    del nb.cells[7]
    notes, deleted = restore_tests(nb, record)
    assert nb.cells[4].source == original
    assert notes and notes[0].startswith("ex_9_1a_tests was edited")
    assert [(r.grade_id, r.status, r.score, r.points) for r in deleted] == [("ex_9_1b_tests", "deleted", 0.0, 1.0)]


def test_keep_one_exercise_drops_other_exercises_and_what_follows(student):
    nb = read_notebook(student)
    keep_one_exercise(nb, "ex_9_1a")
    ids = [rules.nbgrader_metadata(c).get("grade_id") for c in nb.cells]
    assert ids[-2:] == ["ex_9_1a_code", "ex_9_1a_tests"] and "ex_9_1b_code" not in ids
    nb = read_notebook(student)
    keep_one_exercise(nb, "ex_9_1b")
    ids = [rules.nbgrader_metadata(c).get("grade_id") for c in nb.cells]
    assert "ex_9_1a_code" not in ids and ids[-1] == "ex_9_1b_tests"
    assert any("demo still runs" in c.source for c in nb.cells), "demo cells before the exercise still run"
    with pytest.raises(ValueError, match="no exercise ex_3_1a in this notebook; exercises: ex_9_1a, ex_9_1b"):
        keep_one_exercise(read_notebook(student), "ex_3_1a")


def test_record_falls_back_to_the_notebooks_own_test_cells(mini_course):
    nb = read_notebook(mini_course(with_helpers=False) / "solutions" / CHAPTER / NOTEBOOK)
    assert [r["grade_id"] for r in graded_record(nb)] == ["ex_9_1a_tests", "ex_9_1b_tests"]


def test_checking_one_exercise_runs_only_that_one(student, tmp_path):
    nb = read_notebook(student)
    solved = copy.deepcopy(nb)
    solved.cells[6].source = "def triple(x):\n    return 3 * x"
    nbformat.write(solved, tmp_path / "work.ipynb")
    report = self_check(tmp_path / "work.ipynb", exercise="9.1b")
    assert [(r.grade_id, r.status) for r in report.rows] == [("ex_9_1b_tests", "passed")]
    assert report.passed
