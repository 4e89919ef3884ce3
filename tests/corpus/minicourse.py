"""A two-exercise course written from scratch, following the course's conventions, for fast tests
of the tooling (release, run, self-check, grading)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from cookbook import rules

ROOT = Path(__file__).resolve().parent.parent.parent
CHAPTER, NOTEBOOK = "ch90_mini", "01_mini.ipynb"

PARAMS = ('import os\nPROFILE = os.environ.get("COOKBOOK_PROFILE", "auto")\n'
          'DEVICE = os.environ.get("COOKBOOK_DEVICE", "auto")\nDATA = os.environ.get("COOKBOOK_DATA", "auto")\nSEED = 0')


def _meta(gid: str, solution: bool, grade: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": gid, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _exercise(gid: str, source: str, solution: bool, points: int | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = _meta(gid, solution, not solution, points)
    cell.metadata["tags"] = [rules.RAISES_TAG]
    return cell


def mini_notebook(with_helpers: bool = True) -> nbformat.NotebookNode:
    """Parameters, setup, two exercises with visible and hidden tests, a demo cell between them.

    With ``with_helpers`` the setup imports ``helpers`` (torch) and the test cells use
    ``helpers.checks``; without it everything is plain Python, so grading kernels start fast.
    """
    cells = [nbformat.v4.new_markdown_cell("# Mini chapter\n## 9.1 Doubling")]
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = [rules.PARAMETERS_TAG]
    cells.append(params)
    if with_helpers:
        cells.append(nbformat.v4.new_code_cell(
            "import helpers\ncourse = helpers.setup(profile=PROFILE, device=DEVICE, data=DATA, seed=SEED)\n"
            "helpers.record('answer', 42)"))
        test1 = ("from helpers.checks import check_equal\n"
                 "check_equal(double(2), 4, 'double(2)')\n"
                 "### BEGIN HIDDEN TESTS\ncheck_equal(double(5), 10, 'double(5)')\n### END HIDDEN TESTS")
        test2 = ("from helpers.checks import check_equal\n"
                 "check_equal(triple(1), 3, 'triple(1)')\n"
                 "### BEGIN HIDDEN TESTS\ncheck_equal(triple(4), 12, 'triple(4)')\n### END HIDDEN TESTS")
    else:
        cells.append(nbformat.v4.new_code_cell("assert PROFILE == 'smoke' and DATA == 'synthetic'"))
        test1 = ("assert double(2) == 4, f'double(2): expected 4, got {double(2)}'\n"
                 "### BEGIN HIDDEN TESTS\nassert double(5) == 10\n### END HIDDEN TESTS")
        test2 = "assert triple(1) == 3\n### BEGIN HIDDEN TESTS\nassert triple(4) == 12\n### END HIDDEN TESTS"
    cells += [
        _exercise("ex_9_1a_code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", True),
        _exercise("ex_9_1a_tests", test1, False, 2),
        nbformat.v4.new_code_cell("print('demo still runs')"),
        _exercise("ex_9_1b_code", "def triple(x):\n    ### BEGIN SOLUTION\n    return 3 * x\n    ### END SOLUTION", True),
        _exercise("ex_9_1b_tests", test2, False, 1),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def make_course(dest: Path, with_helpers: bool = True) -> Path:
    """Write a course root with one chapter ``ch90_mini`` and this repo's nbgrader config."""
    (dest / "solutions" / CHAPTER).mkdir(parents=True)
    (dest / "notebooks").mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", dest)
    nbformat.write(mini_notebook(with_helpers), dest / "solutions" / CHAPTER / NOTEBOOK)
    return dest
