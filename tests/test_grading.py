"""The class-grading pipeline on a small course: parallel autograde, bad submissions, no lost grades.

The class is graded once per module; the regrading test runs last because it grades again."""
import shutil

import nbformat
import pytest

from helpers.grading import find_submissions, grade_class, notebook_scores, read_grades, release
from minicourse import make_course

NB = "01_mini.ipynb"
pytestmark = pytest.mark.xdist_group("mini-grading")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("grading") / "course", with_helpers=False)
    release(root, [])
    subs = root.parent / "incoming"
    student_nb = root / "notebooks" / "ch90_mini" / NB
    for student in ("ada", "bob", "cy", "dee", "eve"):
        (subs / student / "ch90_mini").mkdir(parents=True)
    shutil.copy2(root / "solutions" / "ch90_mini" / NB, subs / "ada" / "ch90_mini" / NB)  # perfect
    shutil.copy2(student_nb, subs / "bob" / "ch90_mini" / NB)  # untouched
    partial = nbformat.read(student_nb, as_version=4)
    partial.cells[3].source = "def double(x):\n    return 2 * x"
    nbformat.write(partial, subs / "cy" / "ch90_mini" / NB)  # first exercise only
    (subs / "dee" / "ch90_mini" / NB).write_text("{ this is not json")  # corrupt file
    (subs / "eve" / "ch90_mini" / "notes.txt").write_text("forgot the notebook")  # missing notebook
    results = grade_class(root, subs, jobs=2, log=lambda *_: None)
    return root, subs, {r.student: r for r in results}


def test_scores_per_student(graded):
    root, _, results = graded
    assert notebook_scores(root, "ada", "ch90_mini") == {"01_mini": (3.0, 3.0)}
    assert notebook_scores(root, "bob", "ch90_mini") == {"01_mini": (0.0, 3.0)}
    assert notebook_scores(root, "cy", "ch90_mini") == {"01_mini": (2.0, 3.0)}
    assert results["ada"].ok and not results["ada"].problems


def test_bad_submissions_are_reported_not_fatal(graded):
    root, _, results = graded
    assert any("not a valid notebook" in p for p in results["dee"].problems)
    assert any("missing" in p for p in results["eve"].problems)
    rows = {r["student_id"]: r for r in read_grades(root / "grades.csv")}
    assert set(rows) == {"ada", "bob", "cy", "dee", "eve"}
    assert float(rows["dee"]["score"]) == 0.0 and float(rows["ada"]["score"]) == 3.0


def test_feedback_is_generated(graded):
    root, _, _ = graded
    assert (root / "feedback" / "ada" / "ch90_mini" / "01_mini.html").is_file()


def test_regrading_keeps_previous_submission_and_grades_file(graded):
    root, subs, _ = graded
    before = (root / "grades.csv").read_text()
    grade_class(root, subs, ["ch90_mini"], jobs=1, feedback=False, log=lambda *_: None)
    assert (root / "grades.csv.bak").read_text() == before
    assert list((root / "submitted" / "ada").glob(".previous-ch90_mini-*"))


def test_find_submissions_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="SUBMISSIONS/<student>/<assignment>"):
        find_submissions(tmp_path / "missing", ["ch90_mini"])
    (tmp_path / "s" / "ann" / "other").mkdir(parents=True)
    assert find_submissions(tmp_path / "s", ["ch90_mini"]) == []
