"""The self-check's steps (restore, one exercise, scoring); the whole pipeline is compared with the
grader in test_integrity.py."""
import copy
import json
import subprocess
import sys

import nbformat
import pytest

from cookbook import rules
from cookbook.nbfiles import read_notebook
from cookbook.release import release
from cookbook.selfcheck import exercise_key, graded_record, keep_one_exercise, restore_tests, self_check
from tests.corpus.minicourse import CHAPTER, NOTEBOOK


def _at(nb: nbformat.NotebookNode, grade_id: str) -> int:
    """The index of the cell with ``grade_id`` (the release puts the install cell before the parameters cell)."""
    return next(i for i, c in enumerate(nb.cells) if rules.nbgrader_metadata(c).get("grade_id") == grade_id)


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
    first, second = _at(nb, "ex_9_1a_tests"), _at(nb, "ex_9_1b_tests")
    original = nb.cells[first].source
    nb.cells[first].source = "pass"
    del nb.cells[second]
    notes, deleted = restore_tests(nb, record)
    assert nb.cells[first].source == original
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
    solved.cells[_at(solved, "ex_9_1b_code")].source = "def triple(x):\n    return 3 * x"
    nbformat.write(solved, tmp_path / "work.ipynb")
    report = self_check(tmp_path / "work.ipynb", exercise="9.1b")
    assert [(r.grade_id, r.status) for r in report.rows] == [("ex_9_1b_tests", "passed")]
    assert report.passed


# ------------------------------------------------------------------------- what `cookbook check` prints, in order
def _check(*args, **kw):
    return subprocess.run([sys.executable, "-m", "cookbook", "check", *map(str, args)], text=True, **kw)


def test_check_prints_progress_then_the_report_ending_in_a_newline(student):
    """Both streams into one (a terminal, `2>&1`): the progress line first, the report last and in one piece (a
    warning logged on a busy machine may come between them), ending the output with one newline. With --json,
    stdout is the JSON alone and stderr starts with the progress line."""
    proc = _check(student, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.endswith("\n") and not proc.stdout.endswith("\n\n"), repr(proc.stdout[-80:])
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"checking {student}: running the whole notebook"), lines
    header = next(i for i, line in enumerate(lines) if line.split() == ["test", "points", "status"])
    report = lines[header + 2:]
    assert report[-1].startswith("0/2 visible tests passed (0/3 points)"), lines
    strays = [line for line in report[:-1] if line and not line.startswith(("ex_9_1", "note: "))]
    assert not strays, f"the report is one piece: {strays}"

    proc = _check(student, "--json", capture_output=True)
    assert proc.stdout.endswith("}\n") and json.loads(proc.stdout)["rows"], proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"checking {student}"), proc.stderr


def test_output_of_the_kernel_and_its_children_never_reaches_the_report():
    """What a kernel or a process it starts writes to the stdout it inherited goes to stderr while a check runs."""
    code = ("import os, subprocess, sys\nfrom cookbook.cli import _stdout_to_stderr\n"
            "print('progress', file=sys.stderr)\nwith _stdout_to_stderr():\n    subprocess.run(['echo', 'child'])\n"
            "    os.write(1, b'descriptor\\n')\n    print('python')\nprint('report')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (proc.stdout, proc.stderr) == ("report\n", "progress\nchild\ndescriptor\npython\n")
