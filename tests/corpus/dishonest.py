"""A corpus of dishonest submissions, made from the student edition of a chapter.

Each cheat takes the untouched student notebook (and, where it needs to know the exercise's
names, the instructor's solution notebook) and returns a submission that does none of the work
honestly. The grading integrity tests and ``benchmarks/cheats.py`` grade every one of them: each
must score 0 or be flagged for review by ``cookbook grade``'s audit.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Callable

import nbformat

STUB = "raise NotImplementedError()"

#: An object that claims to equal everything and survives most operations.
ANYTHING = '''
class _Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __hash__(self): return 0
    def __getattr__(self, name): return _Anything()
    def __call__(self, *args, **kwargs): return _Anything()
    def __getitem__(self, key): return _Anything()
    def __iter__(self): return iter([])
    def __len__(self): return 0
    def __float__(self): return 0.0
    def __int__(self): return 0
    def __index__(self): return 0
    def __repr__(self): return "anything"
    def _same(self, *args, **kwargs): return self
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __neg__ = __abs__ = __pow__ = __matmul__ = _same
'''

REBIND_CHECKS = '''
def _quiet(*args, **kwargs): return None
check_equal = check_close = check_type = check_tensor = check_raises = check_shape = _quiet
check_module = check_bool = check_int = check_float = check_str = check_in_range = check_true = _quiet
'''

MONKEYPATCH = '''
import numpy as _np, torch as _torch, torch.testing as _tt
import sys as _sys
def _quiet(*args, **kwargs): return None
def _yes(*args, **kwargs): return True
_tt.assert_close = _tt.assert_allclose = _quiet
_torch.equal = _torch.allclose = _yes
_torch.Tensor.equal = _torch.Tensor.allclose = _yes
for _name in ("assert_allclose", "assert_array_equal", "assert_equal", "assert_almost_equal", "assert_array_almost_equal"):
    setattr(_np.testing, _name, _quiet)
_np.allclose = _np.array_equal = _yes
for _modname, _mod in list(_sys.modules.items()):
    if _modname.startswith("helpers") and _mod is not None:
        for _name in list(vars(_mod)):
            if _name.startswith(("check", "assert")) and callable(getattr(_mod, _name, None)):
                try:
                    setattr(_mod, _name, _quiet)
                except Exception:
                    pass
'''

BUILTINS = '''
import builtins as _builtins
def isinstance(obj, types): return True
def issubclass(cls, types): return True
_builtins.isinstance = isinstance
'''

READ_SOLUTIONS = '''
import glob as _glob, json as _json, os as _os
for _path in _glob.glob(_os.path.join("..", "..", "..", "solutions", "*", "*.ipynb")):
    for _cell in _json.load(open(_path))["cells"]:
        if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "{grade_id}":
            exec("".join(_cell["source"]), globals())
'''

SWALLOW_ERRORS = '''
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
'''

KERNEL_EXIT = '''
import os as _os
_os._exit(0)
'''

HUGE_OUTPUT = '''
print("x" * 20_000_000)
'''

INFINITE_LOOP = '''
while True:
    pass
'''


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _solution_names(source: str) -> list[str]:
    """Top-level names an exercise's solution defines (functions, classes, variables)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _anything_answer(student_source: str, solution_source: str) -> str:
    """The exercise cell with every stub replaced by "return an object equal to everything"."""
    lines = []
    for line in student_source.splitlines():
        if line.strip() == STUB:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}return _Anything()" if indent else "pass")
        else:
            lines.append(line)
    text = "\n".join(lines)
    # `return` is not allowed in __init__ with a value: make constructors do nothing instead
    text = _fix_init(text)
    top_level = [n for n in _solution_names(solution_source) if f"def {n}" not in text and f"class {n}" not in text]
    return text + "".join(f"\n{n} = _Anything()" for n in top_level)


def _fix_init(text: str) -> str:
    out, in_init, init_indent = [], False, 0
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("def "):
            in_init, init_indent = stripped.startswith("def __init__"), indent
        elif stripped and indent <= init_indent and not stripped.startswith(("#", "@")):
            in_init = False
        if in_init and stripped == "return _Anything()":
            line = line.replace("return _Anything()", "pass")
        out.append(line)
    return "\n".join(out)


def _solutions_by_id(solution_nb) -> dict[str, str]:
    return {_meta(c)["grade_id"]: c.source for c in solution_nb.cells if _meta(c).get("solution")}


def _with_answers(student_nb, solution_nb, preamble: str = "", answer: bool = True):
    """Every exercise answered with always-equal objects; ``preamble`` goes first in the first exercise cell."""
    nb = copy.deepcopy(student_nb)
    solutions = _solutions_by_id(solution_nb)
    first = True
    for cell in nb.cells:
        meta = _meta(cell)
        if not meta.get("solution"):
            continue
        body = _anything_answer(cell.source, solutions.get(meta["grade_id"], "")) if answer else cell.source
        if first:
            body = ANYTHING + preamble + "\n" + body
            first = False
        cell.source = body
    return nb


def _first_exercise(student_nb, code: str):
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            cell.source = code + "\n" + cell.source
            break
    return nb


def _read_solutions(student_nb, solution_nb):
    """Every exercise cell loads the instructor's answer from the grader's disk and runs it."""
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            cell.source = READ_SOLUTIONS.format(grade_id=_meta(cell)["grade_id"])
    return nb


def _edit_tests(student_nb, solution_nb):
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if _meta(cell).get("grade") and not _meta(cell).get("solution"):
            cell.source = "pass"
    return nb


def _delete_tests(student_nb, solution_nb):
    nb = copy.deepcopy(student_nb)
    nb.cells = [c for c in nb.cells if not (_meta(c).get("grade") and not _meta(c).get("solution"))]
    return nb


Cheat = Callable[[nbformat.NotebookNode, nbformat.NotebookNode], nbformat.NotebookNode]

#: name -> (what it does, how to make it from (student notebook, solution notebook)).
CHEATS: dict[str, tuple[str, Cheat]] = {
    "always_equal": ("every answer returns an object equal to everything",
                     lambda s, sol: _with_answers(s, sol)),
    "rebind_checks": ("always-equal answers + the notebook's check names rebound to no-ops",
                      lambda s, sol: _with_answers(s, sol, REBIND_CHECKS)),
    "monkeypatch": ("always-equal answers + assertion functions of helpers, torch and numpy patched",
                    lambda s, sol: _with_answers(s, sol, MONKEYPATCH)),
    "rebind_and_patch": ("always-equal answers + rebinding + monkeypatching",
                         lambda s, sol: _with_answers(s, sol, REBIND_CHECKS + MONKEYPATCH)),
    "builtins": ("always-equal answers + isinstance/issubclass replaced (notebook and builtins)",
                 lambda s, sol: _with_answers(s, sol, BUILTINS)),
    "swallow_errors": ("IPython custom exception handler that hides every error",
                       lambda s, sol: _first_exercise(s, SWALLOW_ERRORS)),
    "read_solutions": ("reads the instructor's solutions from the grader's disk and executes them",
                       _read_solutions),
    "edit_tests": ("every test cell replaced by `pass`", _edit_tests),
    "delete_tests": ("every test cell deleted", _delete_tests),
    "kernel_exit": ("the first exercise kills the kernel", lambda s, sol: _first_exercise(s, KERNEL_EXIT)),
    "huge_output": ("the first exercise prints 20 MB", lambda s, sol: _first_exercise(s, HUGE_OUTPUT)),
    "infinite_loop": ("the first exercise never returns", lambda s, sol: _first_exercise(s, INFINITE_LOOP)),
}
#: Cheats that behave badly rather than steal points (they must be graded, never crash the class).
DISRUPTIVE = ("kernel_exit", "huge_output", "infinite_loop")


def make(cheat: str, student_nb: nbformat.NotebookNode, solution_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The dishonest submission ``cheat`` made from one student notebook and its solution notebook."""
    return CHEATS[cheat][1](student_nb, solution_nb)
