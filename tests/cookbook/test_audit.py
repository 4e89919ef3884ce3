"""The audit flags ways around the tests, and nothing an honest student writes."""
import copy

import nbformat
import pytest

from cookbook import rules
from cookbook.audit import audit_notebook, python_source
from tests.corpus import dishonest
from tests.course import SOLUTIONS, released_of


def _notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    """A tiny released notebook: ('setup'|'ex'|'test', source) cells."""
    nb = nbformat.v4.new_notebook()
    for i, (role, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        if role != "setup":
            cell.metadata["nbgrader"] = {"grade_id": f"ex_1_1{'abcdef'[i]}_{'code' if role == 'ex' else 'tests'}",
                                         "solution": role == "ex", "grade": role == "test", "locked": role == "test",
                                         "points": 1}
        nb.cells.append(cell)
    return nb


RELEASED = _notebook(("setup", "import torch\nfrom torch import nn\nimport helpers\ndevice = 'cpu'"),
                     ("ex", "def f(x):\n    raise NotImplementedError()"),
                     ("test", "from helpers.checks import check_equal\ncheck_equal(f(2), 4, 'f(2)')\nx = torch.ones(2, device=device)"))


def _rules_for(answer: str) -> set[str]:
    submitted = copy.deepcopy(RELEASED)
    submitted.cells[1].source = answer
    return {flag.rule for flag in audit_notebook(submitted, RELEASED, "nb")}


@pytest.mark.parametrize("answer", [
    "def f(x):\n    return 2 * x",
    "import torch\nfrom torch import nn\nimport math\ndef f(x):\n    total = sum([x, x])\n    return total",
    "def f(x):\n    import sys\n    print(x, file=sys.stderr)\n    return 2 * x",
    "class F(nn.Module):\n    def __init__(self):\n        super().__init__()\n        setattr(self, 'layer', nn.Linear(1, 1))\n"
    "def f(x):\n    return 2 * x",
    "%timeit f(2)\ndef f(x):\n    return 2 * x",
    "def f(x, input=None, type=int):\n    max = 2\n    return max * x",
    "import os\ndef f(x):\n    with open(os.path.join('out', 'a.txt'), 'w') as fh:\n        fh.write('x')\n    return 2 * x",
])
def test_honest_answers_are_not_flagged(answer):
    assert _rules_for(answer) == set()


@pytest.mark.parametrize("answer, rule", [
    ("check_equal = lambda *a, **k: None\ndef f(x): return 0", "rebinds-protected-name"),
    ("isinstance = lambda *a: True", "rebinds-protected-name"),
    ("torch = None", "rebinds-protected-name"),
    ("import numpy as torch", "rebinds-protected-name"),
    ("device = 'cuda'", "rebinds-protected-name"),
    ("import torch.testing\ntorch.testing.assert_close = print", "patches-module"),
    ("import helpers.checks as hc\nhc.check_equal = print", "patches-module"),
    ("setattr(torch, 'equal', print)", "patches-module"),
    ("torch.Tensor.__eq__ = lambda *a: True", "patches-module"),
    ("import builtins\nbuiltins.isinstance = print", "suspect-import"),
    ("globals()['check_equal'] = print", "kernel-control"),
    ("import sys\nsys.modules['helpers.checks']", "namespace-access"),
    ("vars(torch)['equal'] = print", "kernel-control"),
    ("exec('x = 1')", "kernel-control"),
    ("get_ipython().set_custom_exc((Exception,), print)", "kernel-control"),
    ("ip = get_ipython()\nip.events.register('post_run_cell', print)", "kernel-control"),
    ("%xmode Minimal", "kernel-control"),
    ("!cat ../../solutions/x.ipynb", "kernel-control"),
    ("import os\nos._exit(0)", "kernel-control"),
    ("open('../../../solutions/ch01/01.ipynb').read()", "file-access"),
    ("import glob\nglob.glob('/work/course/gradebook.db')", "file-access"),
    ("def f(x):\n    global check_equal\n    check_equal = print", "rebinds-protected-name"),
    ("def f(x):\n    return f.__globals__['check_equal']", "namespace-access"),
])
def test_ways_around_the_tests_are_flagged(answer, rule):
    assert rule in _rules_for(answer)


def test_magics_become_python_before_parsing():
    assert "get_ipython().run_line_magic('timeit'" in python_source("%timeit f(2)")


def test_added_cells_are_audited_and_edited_or_deleted_tests_reported():
    submitted = copy.deepcopy(RELEASED)
    submitted.cells.insert(2, nbformat.v4.new_code_cell("torch.equal = lambda *a: True"))
    submitted.cells[3].source = "pass"
    assert {f.rule for f in audit_notebook(submitted, RELEASED, "nb")} == {"patches-module", "edited-test"}
    deleted = copy.deepcopy(RELEASED)
    del deleted.cells[2]
    assert [f.rule for f in audit_notebook(deleted, RELEASED, "nb")] == ["deleted-test"]


def _honest_submission(solution: nbformat.NotebookNode, released: nbformat.NotebookNode) -> nbformat.NotebookNode:
    answers = {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in solution.cells if rules.is_solution(c)}
    submitted = copy.deepcopy(released)
    for cell in submitted.cells:
        if rules.is_solution(cell):
            cell.source = answers[rules.nbgrader_metadata(cell)["grade_id"]]
    return submitted


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_course_solutions_raise_no_flag_and_every_static_cheat_is_flagged(solution):
    released = nbformat.read(released_of(solution), as_version=4)
    sol = nbformat.read(solution, as_version=4)
    assert audit_notebook(_honest_submission(sol, released), released, solution.name) == []
    for cheat in ("rebind_checks", "monkeypatch", "builtins", "swallow_errors", "read_solutions", "kernel_exit"):
        flags = audit_notebook(dishonest.make(cheat, released, sol), released, solution.name)
        assert flags, f"{cheat} is not flagged in {solution}"
