"""The class-grading pipeline on the mini course: parallel autograde, bad submissions, no lost grades.

The class is graded once per module; the regrading test runs last because it grades again."""
import shutil

import nbformat
import pytest

from cookbook.grade import EXTRA_COLUMNS, find_submissions, grade_class
from cookbook.release import release
from tests.corpus.minicourse import CHAPTER, NOTEBOOK
from tests.gradebook import notebook_scores, read_grades

pytestmark = pytest.mark.xdist_group("mini-grading")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from tests.corpus.minicourse import make_course

    root = make_course(tmp_path_factory.mktemp("grading") / "course", with_helpers=False)
    release(root, [])
    subs = root.parent / "incoming"
    student_nb = root / "notebooks" / CHAPTER / NOTEBOOK
    for student in ("ada", "bob", "cy", "dee", "eve"):
        (subs / student / CHAPTER).mkdir(parents=True)
    shutil.copy2(root / "solutions" / CHAPTER / NOTEBOOK, subs / "ada" / CHAPTER / NOTEBOOK)  # perfect
    shutil.copy2(student_nb, subs / "bob" / CHAPTER / NOTEBOOK)  # untouched
    partial = nbformat.read(student_nb, as_version=4)
    next(c for c in partial.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex_9_1a_code").source = \
        "def double(x):\n    return 2 * x"
    nbformat.write(partial, subs / "cy" / CHAPTER / NOTEBOOK)  # first exercise only
    (subs / "dee" / CHAPTER / NOTEBOOK).write_text("{ this is not json")  # corrupt file
    (subs / "eve" / CHAPTER / "notes.txt").write_text("forgot the notebook")  # missing notebook
    results = grade_class(root, subs, jobs=2, log=lambda *_: None)
    return root, subs, {r.student: r for r in results}


def test_scores_per_student(graded):
    root, _, results = graded
    assert notebook_scores(root, "ada", CHAPTER) == {"01_mini": (3.0, 3.0)}
    assert notebook_scores(root, "bob", CHAPTER) == {"01_mini": (0.0, 3.0)}
    assert notebook_scores(root, "cy", CHAPTER) == {"01_mini": (2.0, 3.0)}
    assert results["ada"].ok and not results["ada"].problems and results["ada"].seconds > 0


def test_bad_submissions_are_reported_not_fatal(graded):
    root, _, results = graded
    assert any(p.kind == "invalid" and "not a valid notebook" in str(p) for p in results["dee"].problems)
    assert any(p.kind == "missing" for p in results["eve"].problems)
    assert (root / "submitted" / "dee" / CHAPTER / (NOTEBOOK + ".invalid")).is_file(), "the bad file is kept"
    rows = {r["student_id"]: r for r in read_grades(root / "grades.csv")}
    assert set(rows) == {"ada", "bob", "cy", "dee", "eve"}
    assert float(rows["dee"]["score"]) == 0.0 and float(rows["ada"]["score"]) == 3.0
    assert "not a valid notebook" in rows["dee"]["problems"]


def test_grades_csv_has_the_course_columns(graded):
    root, _, _ = graded
    row = read_grades(root / "grades.csv")[0]
    assert set(EXTRA_COLUMNS) <= set(row) and row["cell_timeout_s"] == "180"


def test_feedback_is_generated_with_grading_notes(graded):
    root, _, _ = graded
    page = (root / "feedback" / "ada" / CHAPTER / "01_mini.html").read_text()
    assert "Grading notes" in page and "Per-cell time limit 180 s" in page


def test_regrading_keeps_previous_submission_and_grades_file(graded):
    root, subs, _ = graded
    before = (root / "grades.csv").read_text()
    grade_class(root, subs, [CHAPTER], jobs=1, feedback=False, log=lambda *_: None)
    assert (root / "grades.csv.bak").read_text() == before
    assert list((root / "submitted" / "ada").glob(f".previous-{CHAPTER}-*"))


def test_find_submissions_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="SUBMISSIONS/<student>/<assignment>"):
        find_submissions(tmp_path / "missing", [CHAPTER])
    (tmp_path / "s" / "ann" / "other").mkdir(parents=True)
    assert find_submissions(tmp_path / "s", [CHAPTER]) == []
