"""A corpus of dishonest submissions, made from the student edition of a chapter.

Each cheat takes the untouched student notebook (and, where it needs to know the exercise's
names, the instructor's solution notebook) and returns a submission that does none of the work
honestly. The grading integrity tests and ``benchmarks/cheats.py`` grade every one of them: each
must score 0 or be flagged for review by ``cookbook grade``'s audit.

The cheats that reach the grader's files (the grade book, the solutions) really do so when they run:
that is how the grading sandbox is shown to stop them. They only ever touch the course folder they are
graded in: they walk up from the kernel's working folder (``<course>/autograded/<student>/<chapter>/``),
at most :data:`MAX_LEVELS` folders, to the folder that holds ``nbgrader_config.py``, and stop there;
they never use the network, and a process they start ends within :data:`CHILD_SECONDS` seconds.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Callable

import nbformat

STUB = "raise NotImplementedError()"
MAX_LEVELS = 4       # folders a cheat walks up from its working folder, looking for the course root
CHILD_SECONDS = 300  # how long a process that outlives its kernel keeps trying, at most

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

# -------------------------------------------------------------------------------- the grader's files, for real
#: Finds the course root above the kernel's folder (nbgrader_config.py beside the grade book), never further.
COURSE_ROOT = """
import os as _os
def _course_root(marker):
    here = _os.path.abspath(_os.getcwd())
    for _ in range({levels}):
        here = _os.path.dirname(here)
        if _os.path.isfile(_os.path.join(here, "nbgrader_config.py")) and _os.path.exists(_os.path.join(here, marker)):
            return here
    return None
"""
#: Waits until autograde has stored this student's scores, then rewrites them to full marks (manual scores win).
GRADEBOOK_WRITER = """
def _rewrite_grades(root, student, seconds):
    import os, sqlite3, time
    mine = ("SELECT submitted_notebook.id FROM submitted_notebook JOIN submitted_assignment "
            "ON submitted_notebook.assignment_id = submitted_assignment.id WHERE submitted_assignment.student_id = ?")
    deadline = time.time() + seconds
    while time.time() < deadline and os.path.isfile(os.path.join(root, "gradebook.db")):
        time.sleep(0.5)
        try:
            db = sqlite3.connect(os.path.join(root, "gradebook.db"), timeout=30)
            with db:
                db.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells "
                           "WHERE grade_cells.id = grade.cell_id) WHERE auto_score IS NOT NULL "
                           "AND manual_score IS NULL AND notebook_id IN (" + mine + ")", (student,))
                left = db.execute("SELECT count(*) FROM grade WHERE manual_score IS NULL AND notebook_id IN ("
                                  + mine + ")", (student,)).fetchone()[0]
                done = db.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL AND notebook_id IN ("
                                  + mine + ")", (student,)).fetchone()[0]
            db.close()
            if done and not left:
                return
        except sqlite3.Error:
            continue
"""

FORK_GRADEBOOK = COURSE_ROOT.format(levels=MAX_LEVELS) + GRADEBOOK_WRITER + """
_root = _course_root("gradebook.db")
if _root is not None:
    _student = _os.path.relpath(_os.getcwd(), _root).split(_os.sep)[1]
    if _os.fork() == 0:          # the child: a new session, so stopping the kernel's process group misses it
        try:
            _os.setsid()
            _rewrite_grades(_root, _student, {seconds})
        finally:
            _os._exit(0)
""".replace("{seconds}", str(CHILD_SECONDS))

SPAWN_GRADEBOOK = COURSE_ROOT.format(levels=MAX_LEVELS) + """
import subprocess as _subprocess, sys as _sys
_root = _course_root("gradebook.db")
if _root is not None:
    _student = _os.path.relpath(_os.getcwd(), _root).split(_os.sep)[1]
    _subprocess.Popen([_sys.executable, "-c", _WRITER + "\\n_rewrite_grades(*__import__('sys').argv[1:3], {seconds})",
                       _root, _student], start_new_session=True, stdin=_subprocess.DEVNULL,
                      stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
""".replace("{seconds}", str(CHILD_SECONDS)).replace("_WRITER", repr(GRADEBOOK_WRITER))

#: Runs the instructor's cell of this exercise with runpy (solutions/ named in pieces, no exec).
RUNPY_SOLUTIONS = COURSE_ROOT.format(levels=MAX_LEVELS) + """
import json as _json, runpy as _runpy, __main__ as _main
_here = _os.getcwd()
_root = _course_root("sol" + "utions")
if _root is not None:
    _folder = _os.path.join(_root, "sol" + "utions", _os.path.basename(_here))
    for _name in sorted(_os.listdir(_folder)) if _os.path.isdir(_folder) else []:
        with open(_os.path.join(_folder, _name)) as _fh:
            _cells = _json.load(_fh)["cells"] if _name.endswith(".ipynb") else []
        for _cell in _cells:
            if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "{grade_id}":
                _script = _os.path.join(_here, "_{grade_id}.py")
                with open(_script, "w") as _fh:
                    _fh.write("".join(_cell["source"]))
                _found = _runpy.run_path(_script, init_globals=dict(vars(_main)))
                _main.__dict__.update({{k: v for k, v in _found.items() if not k.startswith("__")}})
"""

# -------------------------------------------------------------------------------- the IPython shell, unnamed
#: Registered on the shell: every later cell that looks like a test cell becomes `pass`.
SKIP_TESTS = """
def _skip_tests(lines):
    text = "".join(lines)
    return ["pass\\n"] if "helpers.checks" in text or text.lstrip().startswith("assert") else lines
"""
SHELL_BY_ALIAS = SKIP_TESTS + """
_shell = [get_ipython][0]()
_shell.input_transformers_post.append(_skip_tests)
"""
SHELL_FROM_BUILTINS = SKIP_TESTS + """
_shell = vars(print.__self__)["get_" + "ipython"]()
_shell.input_transformers_post.append(_skip_tests)
"""
SHELL_FROM_SUBCLASSES = SKIP_TESTS + """
def _all_classes(cls, seen):
    for sub in type.__subclasses__(cls):
        if sub not in seen:
            seen.add(sub)
            _all_classes(sub, seen)
    return seen
for _cls in _all_classes(().__class__.__mro__[1], set()):
    if _cls.__name__ == "InteractiveShell" and _cls.initialized():
        _cls.instance().input_transformers_post.append(_skip_tests)
        break
"""

# -------------------------------------------------------------------------------- helpers.checks, rewritten
QUIET = """
def _quiet(*args, **kwargs):
    return None
"""
CHECKS_VIA_MODULETYPE = QUIET + """
import helpers.checks as _hc
for _name in [n for n in dir(_hc) if n.startswith("check")]:
    try:
        type(_hc).__mro__[1].__setattr__(_hc, _name, _quiet)
    except Exception:
        pass
"""
CHECKS_VIA_CODE = QUIET + """
import helpers.checks as _hc
for _name in [n for n in dir(_hc) if n.startswith("check")]:
    try:
        object.__setattr__(getattr(_hc, _name), "__code__", _quiet.__code__)
    except Exception:
        pass
"""
CHECKS_VIA_GLOBALS = QUIET + """
from helpers.checks import check_close as _cc
try:
    getattr(_cc, "__glo" + "bals__")["_fail"] = _quiet
except Exception:
    pass
"""

# -------------------------------------------------------------------------------- comparisons that lie
LYING_TENSOR = """
import torch as _torch
class _LyingTensor(_torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("equal", "allclose", "__eq__", "eq", "isclose"):
            others = [a for a in args if isinstance(a, _torch.Tensor) and not isinstance(a, _LyingTensor)]
            return _torch.ones_like(others[0], dtype=_torch.bool) if others and name != "equal" else True
        return super().__torch_function__(func, types, args, kwargs or {})
"""


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


def _anything_answer(student_source: str, solution_source: str, liar: str = "_Anything()") -> str:
    """The exercise cell with every stub replaced by "return an object equal to everything" (``liar``)."""
    lines = []
    for line in student_source.splitlines():
        if line.strip() == STUB:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}return {liar}" if indent else "pass")
        else:
            lines.append(line)
    text = "\n".join(lines)
    # `return` is not allowed in __init__ with a value: make constructors do nothing instead
    text = _fix_init(text, liar)
    top_level = [n for n in _solution_names(solution_source) if f"def {n}" not in text and f"class {n}" not in text]
    return text + "".join(f"\n{n} = {liar}" for n in top_level)


def _fix_init(text: str, liar: str = "_Anything()") -> str:
    out, in_init, init_indent = [], False, 0
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("def "):
            in_init, init_indent = stripped.startswith("def __init__"), indent
        elif stripped and indent <= init_indent and not stripped.startswith(("#", "@")):
            in_init = False
        if in_init and stripped == f"return {liar}":
            line = line.replace(f"return {liar}", "pass")
        out.append(line)
    return "\n".join(out)


def _solutions_by_id(solution_nb) -> dict[str, str]:
    return {_meta(c)["grade_id"]: c.source for c in solution_nb.cells if _meta(c).get("solution")}


def _with_answers(student_nb, solution_nb, preamble: str = "", answer: bool = True, liar: str = "_Anything()",
                  liar_class: str = ANYTHING):
    """Every exercise answered with always-equal objects (``liar``, defined by ``liar_class``); ``preamble`` goes
    first in the first exercise cell."""
    nb = copy.deepcopy(student_nb)
    solutions = _solutions_by_id(solution_nb)
    first = True
    for cell in nb.cells:
        meta = _meta(cell)
        if not meta.get("solution"):
            continue
        body = _anything_answer(cell.source, solutions.get(meta["grade_id"], ""), liar) if answer else cell.source
        if first:
            body = liar_class + preamble + "\n" + body
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


def _runpy_solutions(student_nb, solution_nb):
    """Every exercise cell finds the instructor's cell of the same exercise and runs it with runpy."""
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            cell.source = RUNPY_SOLUTIONS.format(grade_id=_meta(cell)["grade_id"])
    return nb


def _call_source(tree: ast.AST, names: tuple[str, ...]) -> ast.Call | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id in names), None)


def _challenge_pretrained(student_nb, solution_nb):
    """The challenge's model factory trains the instructor's model for three times the test's budget of steps,
    and the optimizer the test gets has learning rate 0 (so the test's own training changes nothing)."""
    nb = copy.deepcopy(student_nb)
    solutions = _solutions_by_id(solution_nb)
    cells = nb.cells
    for i, cell in enumerate(cells):
        meta = _meta(cell)
        if not meta.get("solution") or "make_challenge_model" not in cell.source:
            continue
        test = next((c for c in cells[i + 1:] if _meta(c).get("grade") and not _meta(c).get("solution")), None)
        try:
            call = _call_source(ast.parse(test.source), ("train_steps", "_train_steps")) if test else None
        except SyntaxError:
            call = None
        if call is None or len(call.args) < 2:
            continue
        steps = next((ast.unparse(k.value) for k in call.keywords if k.arg == "steps"), "300")
        extra = ", ".join(f"{k.arg}={ast.unparse(k.value)}" for k in call.keywords if k.arg in ("batch_size", "device"))
        solution = (solutions[meta["grade_id"]].replace("def make_challenge_model(", "def _fresh_model(")
                    .replace("def make_challenge_optimizer(", "def _real_optimizer("))
        cell.source = solution + f"""


from helpers.training import train_steps as _pretrain


def make_challenge_model(*args, **kwargs):
    model = _fresh_model(*args, **kwargs)
    _pretrain(model, {ast.unparse(call.args[1])}, _real_optimizer(model.parameters()),
              steps=3 * ({steps}), {extra}, seed=1)
    return model


def make_challenge_optimizer(params):
    return torch.optim.SGD(params, lr=0.0)
"""
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
    "fork_gradebook": ("a forked child in a new session outlives the kernel and rewrites the grade book to full marks",
                       lambda s, sol: _first_exercise(s, FORK_GRADEBOOK)),
    "spawn_gradebook": ("a detached python process (subprocess, new session) rewrites the grade book",
                        lambda s, sol: _first_exercise(s, SPAWN_GRADEBOOK)),
    "runpy_solutions": ("walks up to solutions/ (name built from pieces) and runs the instructor's cells with runpy",
                        _runpy_solutions),
    "shell_alias": ("reaches the IPython shell through `[get_ipython][0]()`; later test cells become `pass`",
                    lambda s, sol: _first_exercise(s, SHELL_BY_ALIAS)),
    "shell_builtins": ("reaches the IPython shell from `print.__self__`; later test cells become `pass`",
                       lambda s, sol: _first_exercise(s, SHELL_FROM_BUILTINS)),
    "shell_subclasses": ("reaches the IPython shell through object's subclasses; later test cells become `pass`",
                         lambda s, sol: _first_exercise(s, SHELL_FROM_SUBCLASSES)),
    "checks_moduletype": ("always-equal answers + helpers.checks rewritten through ModuleType.__setattr__",
                          lambda s, sol: _with_answers(s, sol, CHECKS_VIA_MODULETYPE)),
    "checks_code": ("always-equal answers + the check functions' __code__ swapped for a no-op",
                    lambda s, sol: _with_answers(s, sol, CHECKS_VIA_CODE)),
    "checks_globals": ("always-equal answers + helpers.checks' private _fail replaced through __globals__",
                       lambda s, sol: _with_answers(s, sol, CHECKS_VIA_GLOBALS)),
    "lying_tensor": ("every answer is a torch.Tensor subclass whose __torch_function__ says comparisons hold",
                     lambda s, sol: _with_answers(s, sol, liar="_torch.zeros(1).as_subclass(_LyingTensor)",
                                                  liar_class=LYING_TENSOR)),
    "challenge_pretrained": ("the challenge's factory trains the model itself; its optimizer has lr=0",
                             _challenge_pretrained),
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
