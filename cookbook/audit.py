"""Audit of a submission's code: ways around the tests, flagged for an instructor's review.

Test cells and the solution cells above them share one Python kernel, so a submission can in
principle reach the tests: rebind the names they use, patch the assertion functions of ``torch``,
``numpy`` or ``helpers``, hide errors, kill the kernel, or read the instructor's solutions from the
grader's disk. The course prevents what it can at run time (test cells import their check functions
themselves; ``helpers.checks`` is read-only and keeps its own references to the functions it uses),
and this module detects the rest with one pass over the syntax tree of every cell the student wrote:
the exercise cells, and any cell that is not in the released notebook.

A flag is not a verdict: it names the cell, the line and the rule, and the instructor decides. The
honest solutions of the whole course raise no flag (a test keeps it so).
"""
from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass

import nbformat

from . import rules

#: Magics an honest exercise cell may use (``%time``, ``%timeit``, ...); any other magic or shell escape is flagged.
HARMLESS_MAGICS = frozenset({"time", "timeit", "matplotlib", "precision", "pprint", "who", "whos"})
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))
#: Calls that change how the kernel runs, reports errors or exits.
_KERNEL_CALLS = {
    "exec": "runs code built at run time", "eval": "runs code built at run time",
    "compile": "compiles code at run time", "__import__": "imports by a computed name",
    "globals": "reaches the notebook's namespace", "vars": "reaches a namespace", "locals": "reaches a namespace",
    "exit": "ends the kernel", "quit": "ends the kernel", "get_ipython": "controls the IPython kernel",
    "breakpoint": "stops the kernel",
}
_MODULE_CALLS = {  # (module, function) -> why
    ("os", "_exit"): "kills the kernel", ("os", "kill"): "kills a process", ("os", "abort"): "kills the kernel",
    ("os", "system"): "runs a shell command", ("os", "popen"): "runs a shell command",
    ("os", "chdir"): "changes the working folder of the grader", ("sys", "exit"): "ends the kernel",
    ("sys", "_getframe"): "inspects the caller's frame", ("sys", "settrace"): "traces the tests",
    ("sys", "setprofile"): "traces the tests", ("threading", "settrace"): "traces the tests",
}
#: Importing these in an exercise cell is flagged: none of the course's exercises needs them.
_SUSPECT_MODULES = {
    "builtins": "the builtins of the kernel", "importlib": "importing modules by a computed name",
    "inspect": "inspecting frames and source", "gc": "reaching objects through the garbage collector",
    "ctypes": "writing process memory", "subprocess": "running other programs", "signal": "kernel signals",
    "sqlite3": "reading databases (the gradebook)", "atexit": "code run at kernel exit", "pty": "terminals",
    "IPython": "controlling the kernel", "ipykernel": "controlling the kernel", "nbformat": "reading notebooks",
    "nbgrader": "the grader itself",
}
_DUNDER_ATTRIBUTES = {"__dict__", "__globals__", "__code__", "__closure__", "__subclasses__", "__builtins__",
                      "f_globals", "f_locals", "f_back", "f_builtins", "gi_frame", "tb_frame", "__defaults__",
                      "__kwdefaults__"}
_NAMESPACE_ROOTS = {"builtins", "__builtins__", "sys"}
_GRADER_PATH_WORDS = ("solutions", "autograded", "submitted", "feedback", "gradebook", "release", "notebooks")
_FILE_CALLS = {"open", "Path", "PurePath", "listdir", "scandir", "walk", "glob", "iglob", "rglob", "load", "loadtxt",
               "read_csv", "read_text", "read_bytes", "copy", "copy2", "copyfile", "copytree", "rmtree", "remove",
               "unlink", "rename", "replace", "chdir", "connect", "ZipFile", "TarFile"}


@dataclass(frozen=True)
class Flag:
    """One finding: where, which rule, and why it matters."""

    notebook: str
    cell: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.notebook}: " if self.notebook else ""
        return f"{where}{self.cell} line {self.line}: {self.message} [{self.rule}]"


# ---------------------------------------------------------------------------------------------- parsing
def python_source(cell_source: str) -> str:
    """A cell's source as plain Python: IPython magics and ``!`` escapes become ``get_ipython()`` calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython is installed with the course
        return cell_source
    try:
        return TransformerManager().transform_cell(cell_source)
    except Exception:  # noqa: BLE001 - leave odd input to ast.parse, which reports it
        return cell_source


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def _root_name(node: ast.AST) -> str | None:
    """``a`` for ``a.b.c``, ``a[0].b``, ``a().b``; None for anything else."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _bound_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_names(elt)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def _import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """``(bound name, what it is)`` for an import statement, e.g. ``("F", "torch.nn.functional")``."""
    out = []
    for alias in node.names:
        if isinstance(node, ast.Import):
            out.append((alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0]))
        else:
            out.append((alias.asname or alias.name, f"{'.' * node.level}{node.module or ''}.{alias.name}"))
    return out


# ---------------------------------------------------------------------------------------------- context
@dataclass
class Context:
    """What the released notebook defines: the names its tests rely on and the modules it imports."""

    protected: dict[str, str]      # name -> why it is protected
    imports: dict[str, str]        # name bound by an import in a released cell -> what it imports
    released_sources: frozenset[str]


def context_of(reference: nbformat.NotebookNode) -> Context:
    """Protected names of a released notebook: its imports, the names its test cells use, the builtins."""
    imports: dict[str, str] = {}
    bound: set[str] = set()
    test_names: set[str] = set()
    for cell in reference.cells:
        if cell.cell_type != "code" or rules.is_solution(cell):
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        if rules.is_test(cell):
            test_names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.update(_import_bindings(node))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    bound.update(_bound_names(target))
    protected = {name: "a name the notebook's builtins provide" for name in _BUILTIN_NAMES}
    protected.update({name: f"imported by the notebook ({what})" for name, what in imports.items()})
    protected.update({name: "used by the test cells" for name in test_names & bound})
    sources = frozenset(c.source for c in reference.cells if c.cell_type == "code" and not rules.is_solution(c))
    return Context(protected, imports, sources)


# ---------------------------------------------------------------------------------------------- the pass
class _Auditor(ast.NodeVisitor):
    def __init__(self, ctx: Context, notebook: str, cell: str, imported_here: dict[str, str]):
        self.ctx, self.notebook, self.cell = ctx, notebook, cell
        self.modules = {**ctx.imports, **imported_here}
        self.flags: list[Flag] = []
        self.depth = 0  # > 0 inside a function or class body
        self.handled: set[int] = set()  # get_ipython() calls already judged with their method

    def flag(self, node: ast.AST, rule: str, message: str) -> None:
        self.flags.append(Flag(self.notebook, self.cell, getattr(node, "lineno", 0), rule, message))

    # names bound at the top level of the cell, i.e. in the notebook's namespace -------------------
    def _check_binding(self, node: ast.AST, names: Iterable[str], how: str) -> None:
        for name in names:
            if name in self.ctx.protected:
                self.flag(node, "rebinds-protected-name", f"{how} `{name}`, {self.ctx.protected[name]}; "
                                                          "the tests below rely on it")

    def _targets(self, node: ast.AST, targets: Iterable[ast.AST], how: str) -> None:
        for target in targets:
            if self.depth == 0:
                self._check_binding(node, _bound_names(target), how)
            self._check_patch(node, target)

    def _check_patch(self, node: ast.AST, target: ast.AST) -> None:
        """Assigning to ``module.attr`` (or deeper, or into ``module.__dict__``) patches a library."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_patch(node, elt)
            return
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        root = _root_name(target)
        if root in self.modules or root in _NAMESPACE_ROOTS:
            self.flag(node, "patches-module", f"changes `{_dotted(target) or root}` of the imported module "
                                              f"`{root}`; checks and reference answers use that module")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._targets(node, node.targets, "assigns")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets(node, [node.target], "assigns")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._targets(node, [node.target], "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._targets(node, node.targets, "deletes")
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._targets(node, [node.target], "loops over")
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self._targets(node, [i.optional_vars for i in node.items if i.optional_vars is not None], "binds")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        if self.depth:
            self._check_binding(node, node.names, "declares global")
        self.generic_visit(node)

    def _scoped(self, node: ast.AST, name: str) -> None:
        if self.depth == 0:
            self._check_binding(node, [name], "defines")
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scoped(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scoped(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def _visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for name, what in _import_bindings(node):
            top = what.lstrip(".").split(".")[0]
            if top in _SUSPECT_MODULES:
                self.flag(node, "suspect-import", f"imports `{what}` ({_SUSPECT_MODULES[top]})")
            same_as_released = self.ctx.imports.get(name) == what
            if self.depth == 0 and not same_as_released:
                self._check_binding(node, [name], "imports as")
        self.generic_visit(node)

    visit_Import = visit_ImportFrom = _visit_import

    # reaching namespaces, frames, the kernel -------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _DUNDER_ATTRIBUTES:
            self.flag(node, "namespace-access", f"uses `.{node.attr}`, which reaches other code's namespace")
        dotted = _dotted(node)
        if dotted == "sys.modules":
            self.flag(node, "namespace-access", f"uses `{dotted}`")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.flag(node, "namespace-access", "uses `__builtins__`")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in ("setattr", "delattr") and node.args:
            root = _root_name(node.args[0])
            if root in self.modules or root in _NAMESPACE_ROOTS or root is None:
                self.flag(node, "patches-module", f"`{name}` on `{_dotted(node.args[0]) or 'an object'}` "
                                                  "(changes a module the tests use)")
        elif name == "get_ipython":
            if id(node) not in self.handled:
                self.flag(node, "kernel-control", "uses get_ipython(): it can change how the kernel runs the tests")
        elif name in _KERNEL_CALLS and not (name in ("vars", "locals") and self.depth):
            self.flag(node, "kernel-control", f"calls `{name}()`, which {_KERNEL_CALLS[name]}")
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Call) and getattr(func.value.func, "id", None) == "get_ipython":
                self._check_ipython(node, func)
            root = _root_name(func.value) if not isinstance(func.value, ast.Name) else func.value.id
            module = self.modules.get(root or "", root)
            key = ((module or "").split(".")[0], func.attr)
            if key in _MODULE_CALLS:
                self.flag(node, "kernel-control", f"calls `{_dotted(func)}()`, which {_MODULE_CALLS[key]}")
        self._check_file_access(node)
        self.generic_visit(node)

    def _check_ipython(self, node: ast.Call, func: ast.Attribute) -> None:
        """``get_ipython().X(...)``: a harmless magic (``%timeit``) passes, anything else is flagged."""
        self.handled.add(id(func.value))
        magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if func.attr in ("run_line_magic", "run_cell_magic") and magic in HARMLESS_MAGICS:
            return
        if func.attr in ("run_line_magic", "run_cell_magic"):
            what = f"the magic %{magic}"
        elif func.attr in ("system", "getoutput"):
            what = "a shell command (!)"
        else:
            what = f"get_ipython().{func.attr}"
        self.flag(node, "kernel-control", f"uses {what}: it can change how the kernel runs the tests")

    def _check_file_access(self, node: ast.Call) -> None:
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        strings = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        suspicious = [s for s in strings if _outside_path(s)]
        if fname in _FILE_CALLS and suspicious:
            self.flag(node, "file-access", f"`{fname}(...)` with the path {suspicious[0]!r}, outside the "
                                           "notebook's folder (where the grader keeps solutions and grades)")
        elif fname in _FILE_CALLS and any(s in ("..", "../") for s in strings):
            self.flag(node, "file-access", f"`{fname}(...)` on a parent folder")


def _outside_path(text: str) -> bool:
    """A string that looks like a path outside the notebook's folder, or like the grader's files."""
    if "\n" in text or len(text) > 300:
        return False
    lowered = text.lower().replace("\\", "/")
    if lowered.startswith(("/", "~", "..")) and lowered not in ("/",):
        return not lowered.startswith(("/tmp", "/dev/null"))
    if lowered.endswith(".ipynb") or "gradebook" in lowered:
        return True
    parts = [p for p in lowered.split("/") if p]
    return ".." in parts or (len(parts) > 1 and parts[0] in _GRADER_PATH_WORDS)


# ---------------------------------------------------------------------------------------------- public
def audited_cells(submitted: nbformat.NotebookNode, ctx: Context) -> list[tuple[str, nbformat.NotebookNode]]:
    """``(label, cell)`` of the code the student wrote: exercise cells and cells not in the release."""
    out = []
    for i, cell in enumerate(submitted.cells):
        if cell.cell_type != "code" or rules.is_test(cell):
            continue
        label = rules.nbgrader_metadata(cell).get("grade_id") or f"cell {i}"
        if rules.is_solution(cell) or cell.source not in ctx.released_sources:
            out.append((label, cell))
    return out


def audit_notebook(submitted: nbformat.NotebookNode, reference: nbformat.NotebookNode | None = None,
                   name: str = "") -> list[Flag]:
    """Flags for one submitted notebook, judged against its released edition (``reference``).

    Without a reference, the submission's own non-exercise cells stand in for it (enough for a
    student's self-check; grading always has the release).
    """
    ctx = context_of(reference if reference is not None else submitted)
    flags: list[Flag] = []
    for label, cell in audited_cells(submitted, ctx):
        tree = _parse(cell.source)
        if tree is None:
            continue  # a syntax error fails the exercise by itself
        imported_here = {n: w for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                         for n, w in _import_bindings(node)}
        auditor = _Auditor(ctx, name, label, imported_here)
        auditor.visit(tree)
        flags += auditor.flags
    if reference is not None:
        flags += _test_cell_changes(submitted, reference, name)
    return _unique(flags)


def _test_cell_changes(submitted: nbformat.NotebookNode, reference: nbformat.NotebookNode, name: str) -> list[Flag]:
    released = {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in reference.cells if rules.is_test(c)}
    present = {rules.nbgrader_metadata(c).get("grade_id"): c.source for c in submitted.cells if rules.is_test(c)}
    flags = []
    for gid, source in released.items():
        if gid not in present:
            flags.append(Flag(name, gid, 0, "deleted-test", "the test cell was deleted (it scores 0)"))
        elif present[gid] != source:
            flags.append(Flag(name, gid, 0, "edited-test", "the test cell was edited (grading restores the original)"))
    return flags


def _unique(flags: list[Flag]) -> list[Flag]:
    seen, out = set(), []
    for f in flags:
        key = (f.notebook, f.cell, f.line, f.rule, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
