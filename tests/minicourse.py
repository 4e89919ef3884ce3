"""A two-exercise course written from scratch, for fast tests of the tooling."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

PARAMS = ('import os\nPROFILE = os.environ.get("COOKBOOK_PROFILE", "auto")\n'
          'DEVICE = os.environ.get("COOKBOOK_DEVICE", "auto")\nDATA = os.environ.get("COOKBOOK_DATA", "auto")\nSEED = 0')


def _meta(gid: str, solution: bool, grade: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": gid, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def mini_notebook(with_helpers: bool = True) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Mini chapter\n## 9.1 Doubling")]
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    cells.append(params)
    if with_helpers:  # the grading tests leave torch out, so that their many kernels start fast
        cells.append(nbformat.v4.new_code_cell(
            "import helpers\ncourse = helpers.setup(profile=PROFILE, device=DEVICE, data=DATA, seed=SEED)\n"
            "helpers.record('answer', 42)"))
    else:
        cells.append(nbformat.v4.new_code_cell("assert PROFILE == 'smoke' and DATA == 'synthetic'"))
    sol = nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION")
    sol.metadata["nbgrader"] = _meta("ex_9_1a_code", True, False)
    test = nbformat.v4.new_code_cell("assert double(2) == 4, f'double(2): expected 4, got {double(2)}'\n"
                                     "### BEGIN HIDDEN TESTS\nassert double(5) == 10\n### END HIDDEN TESTS")
    test.metadata["nbgrader"] = _meta("ex_9_1a_tests", False, True, 2)
    sol2 = nbformat.v4.new_code_cell("def triple(x):\n    ### BEGIN SOLUTION\n    return 3 * x\n    ### END SOLUTION")
    sol2.metadata["nbgrader"] = _meta("ex_9_1b_code", True, False)
    test2 = nbformat.v4.new_code_cell("assert triple(1) == 3\n### BEGIN HIDDEN TESTS\nassert triple(4) == 12\n"
                                      "### END HIDDEN TESTS")
    test2.metadata["nbgrader"] = _meta("ex_9_1b_tests", False, True, 1)
    cells += [sol, test, nbformat.v4.new_code_cell("print('demo still runs')"), sol2, test2]
    return nbformat.v4.new_notebook(cells=cells)


def make_course(dest: Path, with_helpers: bool = True) -> Path:
    """Write a course root with one chapter ``ch90_mini`` and this repo's nbgrader config."""
    (dest / "solutions" / "ch90_mini").mkdir(parents=True)
    (dest / "notebooks").mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", dest)
    nbformat.write(mini_notebook(with_helpers), dest / "solutions" / "ch90_mini" / "01_mini.ipynb")
    return dest
