"""Grading integrity on the mini course (which follows the course's conventions, with helpers.checks):

* the self-check agrees with the grader, cell by cell, on a corpus of honest and clumsy notebooks;
* every dishonest submission of the corpus scores 0 or is flagged for review, and honest ones are not flagged;
* disruptive submissions (endless loop, kernel exit, 20 MB of output) are graded, reported, never fatal.

The class is graded once per module (one nbgrader run per student, two at a time)."""
from __future__ import annotations

import copy

import nbformat
import pytest

from cookbook import rules
from cookbook.grade import cell_scores, grade_class
from cookbook.nbfiles import read_notebook
from cookbook.release import release
from cookbook.selfcheck import self_check
from tests.corpus import dishonest
from tests.corpus.minicourse import CHAPTER, NOTEBOOK, make_course
from tests.gradebook import read_grades

pytestmark = pytest.mark.xdist_group("integrity")
CELL_TIMEOUT = 8  # seconds: keeps the endless loop cheap


def _answer(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if rules.nbgrader_metadata(cell).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _without(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if rules.nbgrader_metadata(c).get("grade_id") != grade_id]
    return nb


def _duplicate(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """A cell copied and pasted right below itself (same nbgrader metadata), as JupyterLab does."""
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb.cells) if rules.nbgrader_metadata(c).get("grade_id") == grade_id)
    twin = copy.deepcopy(nb.cells[at])
    twin.pop("id", None)
    nb.cells.insert(at + 1, nbformat.from_dict({**twin, "id": f"{nb.cells[at].get('id', 'cell')}-copy"}))
    return nb


def agreement_corpus(student: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Honest and clumsy submissions: what the self-check must score exactly like the grader."""
    solved = _answer(_answer(student, "ex_9_1a_code", "def double(x):\n    return 2 * x"),
                     "ex_9_1b_code", "def triple(x):\n    return 3 * x")
    return {
        "solved": solved,
        "untouched": student,
        "partly": _answer(student, "ex_9_1a_code", "def double(x):\n    return 2 * x"),
        "fits_visible_only": _answer(solved, "ex_9_1a_code", "def double(x):\n    return x + 2"),
        "warns": _answer(solved, "ex_9_1a_code", "import warnings\ndef double(x):\n"
                                                 "    warnings.warn('slow path', UserWarning)\n    return 2 * x"),
        "prints_stderr": _answer(solved, "ex_9_1a_code", "import sys\ndef double(x):\n"
                                                         "    print('debug', file=sys.stderr)\n    return 2 * x"),
        "progress_bar": _answer(solved, "ex_9_1a_code", "from tqdm import tqdm\ndef double(x):\n"
                                                        "    for _ in tqdm(range(3)):\n        pass\n    return 2 * x"),
        "duplicated_test": _duplicate(solved, "ex_9_1a_tests"),
        "duplicated_exercise": _duplicate(solved, "ex_9_1b_code"),
        "edited_test": _answer(student, "ex_9_1a_tests", "pass"),
        "deleted_test": _without(solved, "ex_9_1b_tests"),
        "syntax_error": _answer(solved, "ex_9_1a_code", "def double(x)\n    return 2 * x"),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The mini course, released, and a class of agreement, dishonest and disruptive submissions, graded."""
    root = make_course(tmp_path_factory.mktemp("integrity") / "course", with_helpers=True)
    release(root, [])
    student = read_notebook(root / "notebooks" / CHAPTER / NOTEBOOK)
    solution = read_notebook(root / "solutions" / CHAPTER / NOTEBOOK)
    subs = root.parent / "incoming"
    corpus = {f"honest_{k}": v for k, v in agreement_corpus(student).items()}
    corpus.update({f"cheat_{name}": dishonest.make(name, student, solution) for name in dishonest.CHEATS})
    for name, nb in corpus.items():
        (subs / name / CHAPTER).mkdir(parents=True)
        nbformat.write(nb, subs / name / CHAPTER / NOTEBOOK)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COOKBOOK_GRADE_CELL_TIMEOUT", str(CELL_TIMEOUT))
        results = {r.student: r for r in grade_class(root, subs, jobs=2, log=lambda *_: None)}
        checks = {name: self_check(subs / name / CHAPTER / NOTEBOOK) for name in corpus if name.startswith("honest_")}
    return root, results, checks


def test_selfcheck_agrees_with_the_grader_cell_by_cell(graded):
    root, _, checks = graded
    failures = []
    for student, report in checks.items():
        if student == "honest_fits_visible_only":
            continue  # the one intended difference: only the grader runs the hidden tests (next test)
        graded_cells = {gid: score for (_, gid), score in cell_scores(root, student, CHAPTER).items()
                        if gid.endswith("_tests")}
        checked = {row.grade_id: row.score for row in report.rows}
        if checked != graded_cells:
            failures.append(f"{student}: self-check {checked} vs grader {graded_cells}")
    assert not failures, "\n".join(failures)


def test_selfcheck_explains_each_case(graded):
    _, _, checks = graded
    status = {name.removeprefix("honest_"): {r.grade_id: (r.status, r.message) for r in rep.rows}
              for name, rep in checks.items()}
    assert all(s == "passed" for s, _ in status["solved"].values())
    assert status["warns"]["ex_9_1a_tests"][0] == "passed"  # a known harmless warning never fails a test
    # a test fails only by raising: stderr from a correct answer (a print, a progress bar) costs nothing
    assert status["prints_stderr"]["ex_9_1a_tests"][0] == "passed"
    assert status["progress_bar"]["ex_9_1a_tests"][0] == "passed"
    # a copied cell is repaired (graded once) and reported in plain words
    for name, gid in (("duplicated_test", "ex_9_1a_tests"), ("duplicated_exercise", "ex_9_1b_code")):
        assert all(s == "passed" for s, _ in status[name].values()), status[name]
        assert any(gid in n and "more than once" in n for n in checks[f"honest_{name}"].notes)
    assert status["untouched"]["ex_9_1a_tests"][0] == "not attempted"
    assert status["deleted_test"]["ex_9_1b_tests"][0] == "deleted"
    assert "SyntaxError" in status["syntax_error"]["ex_9_1a_tests"][1]
    assert "line 1 of the cell" in status["syntax_error"]["ex_9_1a_tests"][1]
    assert any("ex_9_1a_tests was edited" in n for n in checks["honest_edited_test"].notes)
    # passes the visible test, fails the hidden one: the self-check says it passes, the grader gives 0
    assert checks["honest_fits_visible_only"].passed


def test_honest_mechanics_never_cost_points(graded):
    root, results, _ = graded
    for student in ("honest_prints_stderr", "honest_progress_bar", "honest_duplicated_test",
                    "honest_duplicated_exercise"):
        assert sum(cell_scores(root, student, CHAPTER).values()) == 3, student
    assert any(p.kind == "duplicate-cell" for p in results["honest_duplicated_test"].problems)
    page = (root / "feedback" / "honest_duplicated_test" / CHAPTER / "01_mini.html").read_text()
    assert "appeared more than once" in page


def test_hidden_tests_run_only_when_graded(graded):
    root, _, _ = graded
    scores = cell_scores(root, "honest_fits_visible_only", CHAPTER)
    assert scores[("01_mini", "ex_9_1a_tests")] == 0 and scores[("01_mini", "ex_9_1b_tests")] == 1


def test_every_cheat_scores_zero_or_is_flagged(graded):
    root, results, _ = graded
    points = {(nb, gid): 0 for nb, gid in cell_scores(root, "honest_solved", CHAPTER)}
    assert points, "nothing graded"
    failures = []
    for name in dishonest.CHEATS:
        student = f"cheat_{name}"
        score = sum(s for (_, gid), s in cell_scores(root, student, CHAPTER).items() if gid.endswith("_tests"))
        if score > 0 and not results[student].flags:
            failures.append(f"{name} ({dishonest.CHEATS[name][0]}) stole {score:g} points unflagged")
    assert not failures, "\n".join(failures)


def test_honest_submissions_are_not_flagged(graded):
    _, results, _ = graded
    flagged = {s: [str(f) for f in r.flags] for s, r in results.items()
               if s.startswith("honest_") and s not in ("honest_edited_test", "honest_deleted_test") and r.flags}
    assert not flagged, flagged


def test_flags_are_written_beside_the_grades_and_in_the_feedback(graded):
    root, results, _ = graded
    rows = {r["student_id"]: r for r in read_grades(root / "grades.csv")}
    assert "patches-module" in rows["cheat_monkeypatch"]["flags"]
    assert "file-access" in rows["cheat_read_solutions"]["flags"]
    assert rows["honest_solved"]["flags"] == ""
    assert float(rows["honest_solved"]["score"]) == 3.0
    assert float(rows["honest_solved"]["grading_seconds"]) > 0
    page = (root / "feedback" / "cheat_monkeypatch" / CHAPTER / "01_mini.html").read_text()
    assert "Flagged for your instructor" in page and "patches-module" not in page.split("Grading notes")[0]


def test_disruptive_submissions_are_graded_and_reported(graded):
    root, results, _ = graded
    loop = results["cheat_infinite_loop"]
    assert any(p.kind == "timeout" and "ex_9_1a_code timed out" in str(p) and f"{CELL_TIMEOUT} s" in str(p) for p in loop.problems), loop.problems
    page = (root / "feedback" / "cheat_infinite_loop" / CHAPTER / "01_mini.html").read_text()
    assert "timed out" in page and f"longer than {CELL_TIMEOUT} s" in page
    assert results["cheat_kernel_exit"].problems, "a kernel that exits must be reported"
    huge = root / "autograded" / "cheat_huge_output" / CHAPTER / NOTEBOOK
    assert huge.stat().st_size < 5_000_000, "LimitOutput should have trimmed 20 MB of output"
    rows = {r["student_id"]: r for r in read_grades(root / "grades.csv")}
    assert set(rows) == set(results), "every student has a row, whatever they submitted"
    assert all(float(rows[s]["score"]) == 0 for s in ("cheat_infinite_loop", "cheat_kernel_exit", "cheat_huge_output"))
