"""Autograde round trip over the whole course, through `cookbook grade`'s pipeline:
solutions score full marks, the untouched student edition scores zero, a partly solved copy
scores strictly in between; and the student edition errors only in exercise and test cells."""
import shutil

import nbformat
import pytest

from conftest import ROOT
from helpers.grading import grade_class, notebook_scores
from helpers.notebooks import chapters

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("course-grading")]
CHAPTERS = chapters(ROOT)


def _partly_solved(student_nb: nbformat.NotebookNode, solution_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition with only the first exercise's solution filled in."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution_nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in student_nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = solutions[gid]
            break
    return student_nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    subs = root.parent / "submissions"
    for chapter in CHAPTERS:
        for student in ("perfect", "blank", "partial"):
            (subs / student / chapter).mkdir(parents=True)
        for sol in sorted((root / "solutions" / chapter).glob("*.ipynb")):
            rel = root / "notebooks" / chapter / sol.name
            shutil.copy2(sol, subs / "perfect" / chapter / sol.name)
            shutil.copy2(rel, subs / "blank" / chapter / sol.name)
            nbformat.write(_partly_solved(nbformat.read(rel, as_version=4), nbformat.read(sol, as_version=4)),
                           subs / "partial" / chapter / sol.name)
    results = grade_class(root, subs, CHAPTERS, feedback=False, log=lambda *_: None)
    failures = [f"{r.student}/{r.assignment}: {r.problems}" for r in results if not r.ok or r.problems]
    assert not failures, failures
    return root


def test_autograde_round_trip(graded):
    """One grading run of the whole class; every chapter and notebook is checked, all failures listed."""
    failures = []
    for chapter in CHAPTERS:
        perfect = notebook_scores(graded, "perfect", chapter)
        blank = notebook_scores(graded, "blank", chapter)
        partial = notebook_scores(graded, "partial", chapter)
        for name, (score, top) in perfect.items():
            if not (top > 0 and score == top):
                failures.append(f"solutions {chapter}/{name} scored {score}/{top}, not full marks "
                                f"(see autograded/perfect/{chapter})")
        for name, (score, top) in blank.items():
            if score != 0:
                failures.append(f"untouched student edition {chapter}/{name} scored {score}/{top}, not 0")
        for name, (score, top) in partial.items():
            if not 0 < score < top:
                failures.append(f"{chapter}/{name} with only its first exercise solved scored {score}/{top}, "
                                "not strictly between 0 and full marks")
        if not (set(perfect) == set(blank) == set(partial)) or not perfect:
            failures.append(f"{chapter}: graded notebooks differ between students: {sorted(perfect)}")
    assert not failures, "\n".join(failures)


def test_student_edition_errors_only_in_exercise_cells(graded):
    """Demo cells of the student edition run even though no exercise is solved."""
    failures = []
    for chapter in CHAPTERS:
        for path in sorted((graded / "autograded" / "blank" / chapter).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for i, cell in enumerate(nb.cells):
                errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
                meta = cell.metadata.get("nbgrader", {})
                if errors and not (meta.get("solution") or meta.get("grade")):
                    failures.append(f"{chapter}/{path.name} cell {i} is a demo cell but fails when the exercises "
                                    f"are unsolved: {errors[0].ename}: {errors[0].evalue}\n{cell.source[:300]}")
    assert not failures, "\n\n".join(failures)
