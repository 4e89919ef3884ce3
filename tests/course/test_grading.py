"""Every chapter graded through `cookbook grade`'s pipeline, one chapter per test (spread over the xdist
workers), each notebook executed once per answer:

* the solutions, submitted as an honest student would (the student edition with the answers filled in),
  score full marks, and no cell of them fails, demos included (this is the course's execution test);
* a copy of the student edition with the first exercise solved and every other exercise answered with objects that
  claim to equal anything scores exactly the first exercise's points, and runs the way JupyterLab's *Run All* needs:
  every code cell executes and only exercise and test cells fail (they carry the `raises-exception` tag, so Run All
  goes on past them). Together with test_hygiene.py's check that no demo reads a name only an exercise defines,
  this is what makes *Run All* on the untouched student edition run every demo (the browser test does it in
  Chromium for one notebook); it replaces a separate execution of each untouched notebook.
"""
from __future__ import annotations

import copy

import nbformat
import pytest

from cookbook import rules
from cookbook.grade import cell_scores, grade_class
from cookbook.nbfiles import read_notebook, recorded_metrics
from tests.corpus import dishonest
from tests.course import CHAPTERS

pytestmark = pytest.mark.grading


def _answers(solution: nbformat.NotebookNode) -> dict[str, str]:
    return {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in solution.cells if rules.is_solution(c)}


def honest(student: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition with every exercise answered by the instructor's solution."""
    answers, nb = _answers(solution), copy.deepcopy(student)
    for cell in nb.cells:
        if rules.is_solution(cell):
            cell.source = answers[rules.nbgrader_metadata(cell)["grade_id"]]
    return nb


def first_honest_rest_fake(student: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """First exercise solved; every other one answered with always-equal objects."""
    nb = dishonest.make("always_equal", student, solution)
    first = next(c for c in nb.cells if rules.is_solution(c))
    first.source = dishonest.ANYTHING + "\n" + _answers(solution)[rules.nbgrader_metadata(first)["grade_id"]]
    return nb


@pytest.mark.parametrize("chapter", [pytest.param(c, marks=pytest.mark.xdist_group(f"grade-{c}")) for c in CHAPTERS])
def test_chapter_grades(chapter, copy_course, tmp_path):
    root = copy_course(tmp_path / "course", [chapter])
    subs = tmp_path / "submissions"
    names = sorted(p.name for p in (root / "solutions" / chapter).glob("*.ipynb"))
    first_points = {}
    for name in names:
        student = read_notebook(root / "notebooks" / chapter / name)
        solution = read_notebook(root / "solutions" / chapter / name)
        for who, make in (("honest", honest), ("partial", first_honest_rest_fake)):
            (subs / who / chapter).mkdir(parents=True, exist_ok=True)
            nbformat.write(make(student, solution), subs / who / chapter / name)
        first = next(rules.nbgrader_metadata(c)["grade_id"] for c in student.cells if rules.is_solution(c))
        first_points[name.removesuffix(".ipynb")] = sum(
            rules.nbgrader_metadata(c)["points"] for c in solution.cells
            if rules.is_test(c) and rules.nbgrader_metadata(c)["grade_id"].startswith(first.removesuffix("_code")))
    results = grade_class(root, subs, [chapter], jobs=1, feedback=False, log=lambda *_: None)
    failures = [f"{r.student}: {r.problems}" for r in results if not r.ok or r.problems]
    failures += [f"{r.student}: flagged {[str(f) for f in r.flags]}" for r in results if r.flags and r.student == "honest"]
    perfect, partial = cell_scores(root, "honest", chapter), cell_scores(root, "partial", chapter)
    for (nb, gid), score in perfect.items():
        top = next(rules.nbgrader_metadata(c)["points"] for c in read_notebook(root / "solutions" / chapter / f"{nb}.ipynb").cells
                   if rules.nbgrader_metadata(c).get("grade_id") == gid)
        if gid.endswith("_tests") and score != top:
            failures.append(f"solution of {chapter}/{nb} {gid} scored {score}/{top} (see autograded/honest/{chapter})")
    for nb in {nb for nb, _ in partial}:
        got = sum(s for (n, gid), s in partial.items() if n == nb and gid.endswith("_tests"))
        if got != first_points[nb]:
            failures.append(f"{chapter}/{nb}: first exercise solved, the rest answered with always-equal objects, "
                            f"scored {got}, expected exactly {first_points[nb]}")
    for name in names:
        executed = read_notebook(root / "autograded" / "partial" / chapter / name)
        for i, cell in enumerate(c for c in executed.cells if c.cell_type == "code"):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if cell.get("execution_count") is None:
                failures.append(f"{chapter}/{name} code cell {i} did not run in the student edition")
            elif errors and not (rules.is_solution(cell) or rules.is_test(cell)):
                failures.append(f"{chapter}/{name} code cell {i} (a demo) fails with the exercises unsolved: "
                                f"{errors[0].get('ename')}: {errors[0].get('evalue')}")
        executed = read_notebook(root / "autograded" / "honest" / chapter / name)
        for i, cell in enumerate(executed.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    failures.append(f"{chapter}/{name} cell {i} fails with the solutions: {out.get('ename')}: "
                                    f"{out.get('evalue')}\n{cell.source[:300]}")
                if rules.is_test(cell) and out.get("output_type") in ("execute_result", "stream", "display_data"):
                    failures.append(f"{chapter}/{name} {rules.nbgrader_metadata(cell)['grade_id']} is not silent: "
                                    f"{str(out.get('text') or out.get('data'))[:200]}")
        if not recorded_metrics(executed):
            failures.append(f"{chapter}/{name} records no headline metric (helpers.record)")
    assert not failures, "\n".join(failures)
