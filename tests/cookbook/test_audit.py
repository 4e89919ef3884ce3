"""The allow-list audit flags what steps outside the course, and nothing an honest student writes (AST only, fast)."""
import copy

import nbformat
import pytest

from cookbook import audit, rules
from cookbook.audit import RULES, audit_notebook, python_source
from tests.corpus import dishonest, honest
from tests.course import ROOT, SOLUTIONS, released_of

EXERCISE = "ex_1_1b_code"


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


RELEASED = _notebook(("setup", "import os\nimport torch\nfrom torch import nn\nimport helpers\ndevice = 'cpu'"),
                     ("ex", "def f(x):\n    raise NotImplementedError()"),
                     ("test", "from helpers.checks import check_equal\ncheck_equal(f(2), 4, 'f(2)')\n"
                              "x = torch.ones(2, device=device)"))


def _flags(answer: str, reference=RELEASED) -> list:
    submitted = copy.deepcopy(reference)
    submitted.cells[1].source = answer
    return audit_notebook(submitted, reference, "nb")


def _rules_for(answer: str) -> set[str]:
    return {flag.rule for flag in _flags(answer)}


# ---------------------------------------------------------------------------------------------- honest code
@pytest.mark.parametrize("answer", [
    "def f(x):\n    return 2 * x",
    "import torch\nfrom torch import nn\nimport math\ndef f(x):\n    total = sum([x, x])\n    return total",
    "def f(x):\n    import sys\n    print(x, file=sys.stderr)\n    return 2 * x",
    "import warnings\ndef f(x):\n    warnings.warn('slow path', UserWarning)\n    return 2 * x",
    "class F(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        setattr(self, 'layer', nn.Linear(1, 1))\n"
    "    def forward(self, x):\n        return self.layer(x)\ndef f(x):\n    return 2 * x",
    "%timeit f(2)\ndef f(x):\n    return 2 * x",
    "def f(x):\n    return 2 * x\n%time y = f(3)\n%timeit -n 10 -r 3 f(2)",
    "%%time\ndef f(x):\n    return 2 * x\nprint(f(2))",
    "def f(x, input=None, type=int):\n    max = 2\n    return max * x",
    "from collections import defaultdict\nimport random\ndef f(x):\n    seen = defaultdict(int)\n"
    "    seen[x] += random.random() * 0\n"
    "    return x * 2",
    "def f(x):\n    out = []\n    for value in [x, x]:\n        out.append(value)\n    assert len(out) == 2\n"
    "    return sum(out)",
    "def f(x):\n    return x if hasattr(x, 'shape') and getattr(x, 'shape') is None else 2 * x",
    "def f(x):\n    values = torch.clamp(torch.tensor([x, x]), min=0)\n    return int(values.sum())",
    "import os\ndef f(x):\n    return 2 * x if os.environ.get('COOKBOOK_PROFILE') else x + x",
    "from tqdm import tqdm\nfrom torch.nn import init\ndef f(x):\n    for _ in tqdm(range(3)):\n        pass\n"
    "    return 2 * x",
])
def test_honest_answers_are_not_flagged(answer):
    assert [str(f) for f in _flags(answer)] == []


@pytest.mark.parametrize("answer", honest.ANSWERS, ids=lambda a: f"{a.grade_id} ({a.how})")
def test_honest_answers_phrased_differently_from_the_solutions_are_not_flagged(answer):
    released = nbformat.read(ROOT / "notebooks" / answer.notebook, as_version=4)
    submitted = copy.deepcopy(released)
    cells = [c for c in submitted.cells if rules.nbgrader_metadata(c).get("grade_id") == answer.grade_id]
    assert len(cells) == 1, f"{answer.notebook} has no exercise {answer.grade_id}"
    cells[0].source = answer.source
    assert [str(f) for f in audit_notebook(submitted, released, answer.notebook)] == []


def test_the_honest_corpus_spans_the_course():
    assert len(honest.ANSWERS) >= 15
    assert len({a.notebook.split("/")[0] for a in honest.ANSWERS}) >= 6
    assert len({a.grade_id for a in honest.ANSWERS}) == len(honest.ANSWERS)


# ---------------------------------------------------------------------------------------------- cheats
#: Each cheat class of the "trustworthy grades" issue, in several spellings: (source, rule, line of the flag).
CHEATS = {
    "a process that outlives the kernel and writes the grade book": [
        ("import time\nfrom os import fork as split\nif split() == 0:\n    time.sleep(60)", "process-control", 2),
        ("pid = os.fork()\nif pid == 0:\n    os.setsid()", "process-control", 1),
        ("import subprocess\nsubprocess.Popen(['python', '-c', 'pass'], start_new_session=True)", "process-control", 1),
        ("import multiprocessing as mp\nmp.Process(target=print, daemon=False).start()", "process-control", 1),
        ("child = getattr(os, 'fo' + 'rk')", "dynamic-attribute", 1),
        ("spawn = getattr(os, 'posix_spawn')", "process-control", 1),
        ("def f(x):\n    import sqlite3 as lite\n    return lite.connect('grades.db')", "file-access", 2),
        ("!nohup python rewrite.py &", "process-control", 1),
    ],
    "walking up to solutions/ and running the instructor's cells": [
        ("import runpy\nfolder = os.path.join('..', '..')\nrunpy.run_path(folder + '/sol' + 'utions/x.py')",
         "runs-code", 1),
        ("from runpy import run_path as go\ngo('answer.py')", "runs-code", 1),
        ("import importlib.util as iu\nspec = iu.spec_from_file_location('s', 'x.py')", "runs-code", 1),
        ("mod = __import__('run' + 'py')", "runs-code", 1),
        ("root = os.path.dirname(os.path.dirname(os.getcwd()))", "file-access", 1),
        ("from pathlib import Path\nup = Path.cwd().parents[2] / ('sol' + 'utions')", "file-access", 1),
        ("for folder, _, names in os.walk(os.pardir):\n    pass", "file-access", 1),
    ],
    "the IPython shell reached without naming get_ipython, and later cells rewritten": [
        ("shell = [get_ipython][0]()\nshell.input_transformers_post.append(lambda lines: ['pass'])", "kernel-control", 1),
        ("g = get_ipython\ng().events.register('pre_run_cell', print)", "kernel-control", 1),
        ("def f(x):\n    return 2 * x\nshell = print.__self__.get_ipython()", "dunder-access", 3),
        ("classes = ().__class__.__mro__[1].__subclasses__()", "dunder-access", 1),
        ("ns = vars(print.__self__)", "namespace-access", 1),
        ("def hook(lines):\n    return ['pass']\nip = (lambda: 0).__globals__['get_ipython']()", "dunder-access", 3),
        ("import IPython\nIPython.get_ipython().ast_transformers.append(None)", "kernel-control", 1),
        ("from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()", "kernel-control", 1),
    ],
    "helpers.checks rewritten": [
        ("import types\nimport helpers.checks as hc\ntypes.ModuleType.__setattr__(hc, 'check_equal', print)",
         "forced-setattr", 3),
        ("import helpers.checks as hc\ntype(hc).__mro__[1].__setattr__(hc, 'check_equal', print)", "forced-setattr", 2),
        ("def noop(*a, **k):\n    pass\nobject.__setattr__(helpers.checks.check_equal, '__code__', noop.__code__)",
         "forced-setattr", 3),
        ("from helpers.checks import check_equal as ce\nce.__code__ = (lambda *a, **k: None).__code__", "dunder-access", 2),
        ("from helpers.checks import check_equal as ce\ngetattr(ce, '__glo' + 'bals__')['_fail'] = print",
         "dynamic-attribute", 2),
        ("import helpers.checks as hc\nfor name in dir(hc):\n    setattr(hc, name, print)", "dynamic-attribute", 3),
        ("import helpers.checks as hc\nhc.__dict__['check_equal'] = print", "dunder-access", 2),
        ("import helpers.checks\nhelpers.checks.check_equal = print", "patches-module", 2),
    ],
    "a torch.Tensor subclass whose comparisons lie": [
        ("class Liar(torch.Tensor):\n    pass", "tensor-override", 1),
        ("from torch import Tensor as Base\nclass Liar(Base):\n    pass", "tensor-override", 2),
        ("class Liar(type(torch.ones(1))):\n    pass", "dynamic-class", 1),
        ("class Mode:\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
         "        return True", "tensor-override", 3),
        ("def f(x):\n    return torch.zeros(1).as_subclass(Liar)", "tensor-override", 2),
        ("Liar = type('Liar', (torch.Tensor,), {})", "dynamic-class", 1),
        ("class Liar(torch.nn.Parameter):\n    def __eq__(self, other):\n        return True", "tensor-override", 1),
    ],
    "a challenge whose factory trains the model, or an optimizer that cannot train": [
        ("def make_challenge_model():\n    model = nn.Linear(2, 2)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
         "    for _ in range(100):\n        model(torch.ones(1, 2)).sum().backward()\n        opt.step()\n    return model",
         "challenge-trains", 5),
        ("from helpers.training import train_steps as warm\ndef make_challenge_model():\n    model = nn.Linear(2, 2)\n"
         "    warm(model, [], None, steps=900)\n    return model", "challenge-trains", 4),
        ("def make_challenge_model():\n    model = nn.Linear(2, 2)\n    model.load_state_dict(saved)\n    return model",
         "challenge-trains", 3),
        ("trained = nn.Linear(2, 2)\ndef make_challenge_model():\n    return trained", "challenge-trains", 3),
        ("def make_challenge_optimizer(params):\n    return torch.optim.SGD(params, lr=0)", "challenge-optimizer", 2),
        ("def make_challenge_optimizer(params):\n    return torch.optim.Adam(params, 0.0 * 3)", "challenge-optimizer", 2),
        ("TINY = 1e-12\ndef make_challenge_optimizer(params):\n    return torch.optim.Adam(params, lr=TINY)",
         "challenge-optimizer", 3),
        ("def make_challenge_optimizer(params):\n    opt = torch.optim.SGD(params, lr=0.1)\n"
         "    opt.param_groups[0]['lr'] = 0\n    return opt", "challenge-optimizer", 3),
        ("def make_challenge_optimizer(params):\n    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)",
         "challenge-optimizer", 2),
    ],
}


@pytest.mark.parametrize("source, rule, line", [case for cases in CHEATS.values() for case in cases],
                         ids=[f"{name[:30]} {i}" for name, cases in CHEATS.items() for i in range(len(cases))])
def test_each_cheat_class_is_flagged_at_its_cell_and_line(source, rule, line):
    flags = _flags(source)
    assert any((f.cell, f.line, f.rule) == (EXERCISE, line, rule) for f in flags), (
        f"expected {rule} at {EXERCISE} line {line}, got {[str(f) for f in flags]}")
    assert {f.rule for f in flags} <= set(RULES)


def test_every_cheat_class_has_several_spellings():
    assert all(len(cases) >= 3 for cases in CHEATS.values())


@pytest.mark.parametrize("answer, rule", [
    ("check_equal = lambda *a, **k: None\ndef f(x): return 0", "rebinds-protected-name"),
    ("isinstance = lambda *a: True", "rebinds-protected-name"),
    ("torch = None", "rebinds-protected-name"),
    ("import numpy as torch", "rebinds-protected-name"),
    ("device = 'cuda'", "rebinds-protected-name"),
    ("def f(x):\n    global check_equal\n    check_equal = print", "rebinds-protected-name"),
    ("import torch.testing\ntorch.testing.assert_close = print", "patches-module"),
    ("import helpers.checks as hc\nhc.check_equal = print", "patches-module"),
    ("setattr(torch, 'equal', print)", "patches-module"),
    ("torch.Tensor.__eq__ = lambda *a: True", "patches-module"),
    ("import builtins\nbuiltins.isinstance = print", "namespace-access"),
    ("globals()['check_equal'] = print", "namespace-access"),
    ("import sys\nsys.modules['helpers.checks']", "namespace-access"),
    ("vars(torch)['equal'] = print", "namespace-access"),
    ("import gc\nobjects = gc.get_objects()", "namespace-access"),
    ("import inspect\nframe = inspect.currentframe()", "namespace-access"),
    ("def f(x):\n    return f.__globals__['check_equal']", "dunder-access"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_back", "namespace-access"),
    ("exec('x = 1')", "runs-code"),
    ("code = compile('x = 1', 'x', 'exec')", "runs-code"),
    ("get_ipython().set_custom_exc((Exception,), print)", "kernel-control"),
    ("ip = get_ipython()\nip.events.register('post_run_cell', print)", "kernel-control"),
    ("%xmode Minimal", "kernel-control"),
    ("%timeit exec('x = 1')", "runs-code"),
    ("%%time\nimport os\nos.fork()", "process-control"),
    ("!cat ../../solutions/x.ipynb", "process-control"),
    ("import os\nos._exit(0)", "kernel-control"),
    ("import sys\nsys.exit(0)", "kernel-control"),
    ("import threading\nthreading.Thread(target=print).start()", "kernel-control"),
    ("open('../../../solutions/ch01/01.ipynb').read()", "file-access"),
    ("import os\ndef f(x):\n    with open(os.path.join('out', 'a.txt'), 'w') as fh:\n        fh.write('x')\n"
     "    return 2 * x",
     "file-access"),
    ("import glob\nglob.glob('/work/course/gradebook.db')", "file-access"),
    ("x = torch.load('weights.pt')", "file-access"),
    ("import socket", "not-taught-import"),
    ("def f(x):\n    return x.__class__", "dunder-access"),
    ("def f(x):\n    return torch.special.expit(x)", "not-taught-attribute"),
    ("def f(x):\n    return memoryview(x)", "not-taught-builtin"),
    ("async def f(x):\n    return x", "not-taught-construct"),
    ("class Meta(type):\n    pass\nclass F(metaclass=Meta):\n    pass", "dynamic-class"),
])
def test_ways_around_the_tests_are_flagged(answer, rule):
    assert rule in _rules_for(answer), [str(f) for f in _flags(answer)]


def test_magics_become_python_before_parsing():
    assert "get_ipython().run_line_magic('timeit'" in python_source("%timeit f(2)")


def test_added_cells_are_audited_and_edited_or_deleted_tests_reported():
    submitted = copy.deepcopy(RELEASED)
    submitted.cells.insert(2, nbformat.v4.new_code_cell("torch.equal = lambda *a: True"))
    submitted.cells[3].source = "pass"
    flags = audit_notebook(submitted, RELEASED, "nb")
    assert {f.rule for f in flags} == {"patches-module", "edited-test"}
    assert next(f for f in flags if f.rule == "patches-module").cell == "cell 2"
    deleted = copy.deepcopy(RELEASED)
    del deleted.cells[2]
    assert [f.rule for f in audit_notebook(deleted, RELEASED, "nb")] == ["deleted-test"]


def test_a_self_check_without_the_release_still_flags_cheats():
    submitted = copy.deepcopy(RELEASED)
    submitted.cells[1].source = "shell = [get_ipython][0]()"
    assert {f.rule for f in audit_notebook(submitted, None, "")} == {"kernel-control"}


# ---------------------------------------------------------------------------------------------- the spot
def test_file_access_is_allowed_only_where_the_course_does_it():
    """ex_5_6a's solution writes files (the allow-list records it); the same code in another exercise is flagged,
    and a path outside the folder is flagged even there."""
    allow = audit.load_allowlist()
    assert "file" in allow.exercises["ex_5_6a_code"] and EXERCISE not in allow.exercises
    code = "def f(x):\n    torch.save(x, 'checkpoint.pt')\n    return 2 * x"
    here = _notebook(("setup", "import os\nimport torch"), ("ex", "def f(x):\n    raise NotImplementedError()"))
    elsewhere = copy.deepcopy(here)
    for nb, gid in ((here, "ex_5_6a_code"), (elsewhere, EXERCISE)):
        nb.cells[1].metadata["nbgrader"]["grade_id"] = gid
    assert _flags(code, here) == []
    assert {f.rule for f in _flags(code, elsewhere)} == {"file-access"}
    assert {f.rule for f in _flags("def f(x):\n    torch.save(x, '../../solutions/x.pt')", here)} == {"file-access"}


def test_an_added_cell_may_repeat_the_file_access_and_magics_of_the_notebooks_demos():
    released = _notebook(("setup", "import torch\n%load_ext tensorboard\n"
                                   "with open('notes.txt', 'w') as fh:\n    fh.write('x')"),
                         ("ex", "def f(x):\n    raise NotImplementedError()"))
    submitted = copy.deepcopy(released)
    submitted.cells.append(nbformat.v4.new_code_cell("%load_ext tensorboard\nprint(open('notes.txt').read())"))
    assert audit_notebook(submitted, released, "nb") == []
    submitted.cells[-1].source = "%load_ext my_extension\nimport runpy"
    assert {f.rule for f in audit_notebook(submitted, released, "nb")} == {"kernel-control", "runs-code"}


# ---------------------------------------------------------------------------------------------- the whole course
def _honest_submission(solution: nbformat.NotebookNode, released: nbformat.NotebookNode) -> nbformat.NotebookNode:
    answers = {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in solution.cells if rules.is_solution(c)}
    submitted = copy.deepcopy(released)
    for cell in submitted.cells:
        if rules.is_solution(cell):
            cell.source = answers[rules.nbgrader_metadata(cell)["grade_id"]]
    return submitted


#: Cheats of the corpus that change what a student wrote (the others misbehave at run time: loops, 20 MB of output).
STATIC = [name for name in dishonest.CHEATS if name not in ("always_equal", *dishonest.DISRUPTIVE[1:])]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_course_solutions_raise_no_flag_and_every_static_cheat_is_flagged(solution):
    released = nbformat.read(released_of(solution), as_version=4)
    sol = nbformat.read(solution, as_version=4)
    assert [str(f) for f in audit_notebook(_honest_submission(sol, released), released, solution.name)] == []
    for cheat in STATIC:
        submitted = dishonest.make(cheat, released, sol)
        if submitted == released:
            continue  # e.g. no challenge in this notebook
        assert audit_notebook(submitted, released, solution.name), f"{cheat} is not flagged in {solution}"


def test_the_allowlist_is_in_sync_with_the_solutions():
    problem = audit.allowlist_problem(ROOT)
    assert not problem, problem


def test_the_allowlist_is_sorted_and_holds_what_the_course_teaches():
    allow = audit.load_allowlist()
    text = audit.ALLOWLIST_PATH.read_text(encoding="utf-8")
    assert text == allow.to_json(), "the file is not in its canonical (sorted) form"
    assert {"torch", "torch.nn", "numpy"} <= allow.imports and {"__init__", "__name__"} <= allow.dunders
    assert not audit.NEVER_DUNDERS & allow.dunders
    assert "runpy" not in allow.imports and "open" not in allow.builtins  # judged in their spot only
