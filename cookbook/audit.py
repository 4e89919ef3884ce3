"""Audit of a submission's code: what steps outside the course, flagged for an instructor's review.

Test cells and the cells a student writes share one Python kernel, so a submission can in principle
reach the tests: rebind the names they use, patch ``helpers.checks``, reach the IPython shell and
rewrite later cells, make comparisons lie, fork a process that outlives the kernel and edits the
grade book, or run the instructor's solutions. Grading runs each kernel in a sandbox (no solutions,
no grade book, no network, no surviving process); inside the kernel, this module flags the rest with
one pass over the syntax tree of every cell the student wrote (the exercise cells, and any cell that
is not in the released notebook).

It is an **allow-list**, not a list of known tricks. An audited cell may use what the course teaches:

* the imports, builtins, attribute names, double-underscore attributes and constructs that the course's
  own notebooks use (demo and solution cells of ``solutions/*/*.ipynb``, all chapters, and the code in
  their text), recorded in the generated file ``cookbook/allowlist.json`` (``python -m cookbook.audit
  --update-allowlist`` rewrites it; a test fails when it is out of date). A student's self-check runs
  from the student bundle, which has no ``solutions/``: that is why the list is a committed file;
* plain Python that reaches nothing: the methods of ``str``/``list``/``dict``/..., the pure standard
  modules of :data:`PLAIN_MODULES`, the builtins of :data:`PLAIN_BUILTINS`, ``pass``, ``yield``, ...;
* the notebook's own names: whatever the released notebook and the student's own cells define.

Anything else is flagged as ``not-taught-import``, ``-builtin``, ``-attribute`` or ``-construct``. Some
things are flagged wherever they appear (:data:`RULES` lists every rule): reading a double-underscore
attribute the course never reads (``__self__``, ``__mro__``, ``__code__``, ``__globals__`` never pass),
``getattr``/``setattr``/``delattr``/``hasattr`` with a computed name, ``object.__setattr__``,
``type(name, bases, dict)``, any reference to ``get_ipython`` but ``%time``/``%timeit``, rebinding a name
the tests use, patching an imported module, a path outside the notebook's folder. Others are allowed
only where the course itself does them ("in that spot"): processes, the file system, running code
built at run time, the interpreter's namespaces, overriding ``torch.Tensor``, training inside a
challenge's model factory. In an exercise cell, that is when the course's solution of the same
exercise does it (recorded per exercise in the allow-list); in a cell the student added, when a demo
cell of the same notebook does the same file access or magic.

A flag is not a verdict: it names the cell, the line and the rule, and the instructor decides. The
solutions of the whole course raise no flag, and honest answers phrased differently from them raise
none either (tests keep both so: ``tests/cookbook/test_audit.py``, ``tests/corpus/honest.py``).
"""
from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import json
import re
import sys
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat

from . import rules

ALLOWLIST_PATH = Path(__file__).with_name("allowlist.json")
UPDATE_COMMAND = "python -m cookbook.audit --update-allowlist"

#: Every rule, with what it means (the flag's message says more about the case at hand).
RULES = {
    "not-taught-import": "imports a module or name that no notebook of the course imports",
    "not-taught-builtin": "uses a builtin that no notebook of the course uses",
    "not-taught-attribute": "uses an attribute name that the course never uses and the notebook does not define",
    "not-taught-construct": "uses a Python construct the course never uses (global, async, ...)",
    "dunder-access": "reads or writes a double-underscore attribute of another object (classes, code, namespaces)",
    "dynamic-attribute": "getattr/setattr/delattr/hasattr with a computed name, or passed around as a value",
    "forced-setattr": "object.__setattr__/type.__setattr__/ModuleType.__setattr__: writes past a read-only guard",
    "dynamic-class": "builds a class at run time (type() with 3 arguments, a computed base class, a metaclass)",
    "tensor-override": "subclasses torch.Tensor or overrides torch functions (__torch_function__): comparisons can lie",
    "process-control": "starts or controls processes (fork, setsid, spawn, subprocess, multiprocessing, signal, shell)",
    "file-access": "reads or writes files, folders or databases, or names a path outside the notebook's folder",
    "runs-code": "runs code built or found at run time (exec, eval, runpy, importlib, pickle.load, ...)",
    "namespace-access": "reaches the kernel's namespaces, modules, frames or objects (globals, sys.modules, gc, ...)",
    "kernel-control": "controls the IPython kernel (get_ipython, magics, exit, tracing, threads)",
    "rebinds-protected-name": "rebinds a name the tests rely on (an import, a builtin, a name a test cell uses)",
    "patches-module": "changes an attribute of an imported module (checks and reference answers use those modules)",
    "challenge-trains": "a challenge's cell trains, loads or reuses weights: the test's step budget no longer holds",
    "challenge-optimizer": "a challenge's optimizer cannot train (learning rate ~0, not built on the given parameters)",
    "edited-test": "a test cell was edited (grading restores the original)",
    "deleted-test": "a test cell was deleted (it scores 0)",
}

# ---------------------------------------------------------------------------------------- plain Python
#: Builtins that reach nothing; with the course's own, an audited cell may use them anywhere.
PLAIN_BUILTINS = frozenset({
    "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr", "classmethod", "complex",
    "delattr", "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset", "getattr", "hasattr", "hash",
    "hex", "id", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next", "object",
    "oct", "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set", "setattr", "slice",
    "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "zip", "NotImplemented", "Ellipsis",
} | {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)})
#: Standard modules without I/O, processes or introspection: importing them and using their public names is fine.
PLAIN_MODULES = ("math", "cmath", "random", "statistics", "itertools", "functools", "collections", "collections.abc",
                 "dataclasses", "typing", "time", "warnings", "copy", "re", "numbers", "enum", "heapq", "bisect",
                 "fractions", "decimal", "abc", "textwrap", "json", "sys")
#: Names of plain modules that are not plain (they evaluate strings as code).
_NOT_PLAIN = frozenset({"typing.get_type_hints", "typing.ForwardRef", "typing.evaluate_forward_ref"})
#: ``sys`` is plain only for these names (``sys.modules``, ``sys._getframe``, ``sys.settrace`` ... are not).
_PLAIN_SYS = frozenset({"stdout", "stderr", "version", "version_info", "platform", "maxsize", "float_info", "int_info",
                        "byteorder", "getsizeof", "getrecursionlimit", "implementation", "float_repr_style"})
#: Public methods of the builtin containers, strings and numbers.
_PLAIN_ATTRIBUTES = frozenset(a for t in (str, bytes, bytearray, list, tuple, dict, set, frozenset, int, float, complex,
                                          bool, range, slice) for a in dir(t) if not a.startswith("_"))
#: Statements and expressions of plain Python that the course happens not to use.
_PLAIN_CONSTRUCTS = frozenset({"Pass", "AnnAssign", "Set", "NamedExpr", "Yield", "YieldFrom", "Assert", "Slice",
                               "Starred", "IfExp", "SetComp", "DictComp", "GeneratorExp", "ListComp"})
#: AST node kinds that are never judged (operators, contexts, argument lists ...).
_UNJUDGED_NODES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.Module, ast.alias,
                   ast.arguments, ast.arg, ast.keyword, ast.comprehension, ast.withitem, ast.match_case)
#: Magics whose argument is Python that the audit reads; every other magic (and ``!``) is judged like a call.
TIMING_MAGICS = frozenset({"time", "timeit"})

# ---------------------------------------------------------------------------------------- always suspect
#: Double-underscore attributes that no allow-list unlocks: they reach code, namespaces and class graphs.
NEVER_DUNDERS = frozenset({"__self__", "__mro__", "__code__", "__globals__", "__subclasses__", "__closure__",
                           "__builtins__", "__dict__", "__bases__", "__base__", "__func__", "__setattr__",
                           "__delattr__", "__getattribute__", "__defaults__", "__kwdefaults__", "__reduce__",
                           "__reduce_ex__", "__traceback__", "__loader__", "__spec__", "__import__", "__wrapped__"})
_GETATTR_FAMILY = ("getattr", "setattr", "delattr", "hasattr")
_TENSOR_BASES = frozenset({"torch.Tensor", "torch._C.TensorBase", "torch._C._TensorBase", "torch.nn.Parameter",
                           "torch.nn.parameter.Parameter", "torch.nn.Buffer", "torch.nn.parameter.Buffer",
                           "torch.overrides.TorchFunctionMode", "torch.utils._python_dispatch.TorchDispatchMode"})
_TENSOR_HOOKS = frozenset({"__torch_function__", "__torch_dispatch__"})
_CHALLENGE_NAMES = frozenset({"make_challenge_model", "make_challenge_optimizer", "CHALLENGE_BATCH_SIZE"})
#: Calls that train or load weights: in a challenge's cell they get round the test's step budget.
_TRAINING_CALLS = frozenset({"backward", "step", "zero_grad", "load_state_dict", "train_steps", "train_one_epoch",
                             "fit", "grad", "lstsq", "pinv", "solve", "inv", "load"})
MIN_CHALLENGE_LR = 1e-6
_GRADER_PATH_WORDS = ("solutions", "autograded", "submitted", "feedback", "gradebook", "release", "notebooks")
#: Calls whose string arguments are paths (checked for paths outside the notebook's folder).
_PATH_CALLS = frozenset({"open", "Path", "PurePath", "listdir", "scandir", "walk", "glob", "iglob", "rglob", "load",
                         "loadtxt", "read_csv", "read_text", "read_bytes", "copy", "copy2", "copyfile", "copytree",
                         "rmtree", "remove", "unlink", "rename", "replace", "chdir", "connect", "ZipFile", "TarFile",
                         "run_path", "run_module", "save", "ImageFolder", "fromfile"})

_FILE, _DATABASE = "file", "sqlite3"  # spot keys of whole families: any file access, any database
_OS_HARMLESS = frozenset({"path", "environ", "environ.get", "sep", "linesep", "pathsep", "name", "cpu_count", "getpid",
                          "sched_getaffinity", "path.join", "path.basename", "path.splitext", "path.dirname",
                          "path.sep", "fspath"})
_OS_KERNEL = frozenset({"_exit", "abort", "kill", "killpg"})
_OS_PROCESS = ("fork", "forkpty", "setsid", "setpgrp", "setpgid", "system", "popen", "register_at_fork", "nice",
               "spawn", "posix_spawn", "exec", "wait", "pidfd", "startfile")
#: (module or name prefix, rule, spot key family or None for the name itself, why). First match wins.
_QUALIFIED = (
    ("IPython.display", None, None, ""),
    ("sys.modules", "namespace-access", None, "reaches every imported module, the tests' included"),
    ("sys._getframe", "namespace-access", None, "inspects the callers' frames"),
    ("sys.exc_info", "namespace-access", None, "reaches frames through a traceback"),
    ("sys.exit", "kernel-control", None, "ends the kernel"),
    ("sys", "kernel-control", None, "reaches the interpreter's hooks, paths and settings"),
    ("subprocess", "process-control", None, "runs other programs"),
    ("multiprocessing", "process-control", None, "starts processes"),
    ("torch.multiprocessing", "process-control", None, "starts processes"),
    ("torch.distributed", "process-control", None, "starts and joins processes"),
    ("concurrent", "process-control", None, "starts workers"),
    ("signal", "process-control", None, "sends or catches signals"),
    ("ctypes", "process-control", None, "writes process memory"),
    ("pty", "process-control", None, "starts processes on a terminal"),
    ("sqlite3", "file-access", _DATABASE, "opens databases (the grade book is one)"),
    ("runpy", "runs-code", None, "runs Python files"),
    ("importlib", "runs-code", None, "imports code by a computed name or path"),
    ("pickle.load", "runs-code", None, "unpickling runs code"),
    ("pickle.loads", "runs-code", None, "unpickling runs code"),
    ("pickle.Unpickler", "runs-code", None, "unpickling runs code"),
    ("marshal", "runs-code", None, "loads code objects"),
    ("code", "runs-code", None, "runs code built at run time"),
    ("codeop", "runs-code", None, "compiles code built at run time"),
    ("types", "runs-code", None, "builds functions, code objects and modules"),
    ("torch.hub.load", "runs-code", None, "downloads and runs code"),
    ("torch.package", "runs-code", None, "unpickles packaged code"),
    ("torch.classes.load_library", "runs-code", None, "loads native code"),
    ("torch.overrides", "tensor-override", None, "overrides what torch functions return"),
    ("torch.library", "tensor-override", None, "registers new kernels for torch's own operators"),
    ("torch.jit.load", "file-access", _FILE, "reads files"),
    ("torch.jit.save", "file-access", _FILE, "writes files"),
    ("torch.export.load", "file-access", _FILE, "reads files"),
    ("torch.export.save", "file-access", _FILE, "writes files"),
    ("torch.utils.cpp_extension", "runs-code", None, "compiles and loads native code"),
    ("torch.ops.load_library", "runs-code", None, "loads native code"),
    ("inspect", "namespace-access", None, "inspects frames, source and namespaces"),
    ("gc", "namespace-access", None, "reaches any object through the garbage collector"),
    ("builtins", "namespace-access", None, "reaches the kernel's builtins"),
    ("__main__", "namespace-access", None, "reaches the notebook's namespace"),
    ("traceback", "namespace-access", None, "walks the stack"),
    ("threading", "kernel-control", None, "runs code beside the tests"),
    ("_thread", "kernel-control", None, "runs code beside the tests"),
    ("asyncio", "kernel-control", None, "schedules code on the kernel's event loop"),
    ("atexit", "kernel-control", None, "runs code when the kernel stops"),
    ("IPython", "kernel-control", None, "controls the IPython shell"),
    ("ipykernel", "kernel-control", None, "controls the kernel"),
    ("jupyter_client", "kernel-control", None, "controls kernels"),
    ("zmq", "kernel-control", None, "talks to the kernel's sockets"),
    ("nbformat", "kernel-control", None, "reads and writes notebooks"),
    ("nbclient", "kernel-control", None, "runs notebooks"),
    ("nbgrader", "kernel-control", None, "the grader itself"),
    ("pathlib", "file-access", _FILE, "uses the file system"),
    ("shutil", "file-access", _FILE, "copies, moves or deletes files"),
    ("glob", "file-access", _FILE, "lists folders"),
    ("tempfile", "file-access", _FILE, "creates files"),
    ("io.open", "file-access", _FILE, "opens files"),
    ("io.FileIO", "file-access", _FILE, "opens files"),
    ("gzip", "file-access", _FILE, "opens files"),
    ("bz2", "file-access", _FILE, "opens files"),
    ("lzma", "file-access", _FILE, "opens files"),
    ("zipfile", "file-access", _FILE, "opens archives"),
    ("tarfile", "file-access", _FILE, "opens archives"),
    ("fileinput", "file-access", _FILE, "opens files"),
    ("mmap", "file-access", _FILE, "maps files"),
    ("torch.load", "file-access", _FILE, "reads files"),
    ("torch.save", "file-access", _FILE, "writes files"),
    ("torch.from_file", "file-access", _FILE, "reads files"),
    ("numpy.load", "file-access", _FILE, "reads files"),
    ("numpy.loadtxt", "file-access", _FILE, "reads files"),
    ("numpy.genfromtxt", "file-access", _FILE, "reads files"),
    ("numpy.fromfile", "file-access", _FILE, "reads files"),
    ("numpy.memmap", "file-access", _FILE, "maps files"),
    ("numpy.save", "file-access", _FILE, "writes files"),
    ("numpy.savez", "file-access", _FILE, "writes files"),
    ("numpy.savez_compressed", "file-access", _FILE, "writes files"),
    ("numpy.savetxt", "file-access", _FILE, "writes files"),
    ("PIL.Image.open", "file-access", _FILE, "reads files"),
)
#: Builtins allowed only where the course uses them: (rule, spot key family or None, why).
_SENSITIVE_BUILTINS = {
    "exec": ("runs-code", None, "runs code built at run time"),
    "eval": ("runs-code", None, "runs code built at run time"),
    "compile": ("runs-code", None, "compiles code built at run time"),
    "__import__": ("runs-code", None, "imports a module by a computed name"),
    "globals": ("namespace-access", None, "reaches the notebook's namespace"),
    "vars": ("namespace-access", None, "reaches a namespace"),
    "locals": ("namespace-access", None, "reaches a namespace"),
    "__builtins__": ("namespace-access", None, "reaches the kernel's builtins"),
    "breakpoint": ("kernel-control", None, "stops the kernel"),
    "exit": ("kernel-control", None, "ends the kernel"),
    "quit": ("kernel-control", None, "ends the kernel"),
    "open": ("file-access", _FILE, "opens files"),
}
#: Attribute names judged whatever object they are read from (the receiver is rarely known statically).
_SENSITIVE_ATTRIBUTES = {
    **{a: ("file-access", _FILE, "uses the file system") for a in (
        "read_text", "read_bytes", "write_text", "write_bytes", "iterdir", "rglob", "glob", "unlink", "rmdir",
        "mkdir", "touch", "chmod", "symlink_to", "hardlink_to", "cwd", "home", "expanduser", "open", "exists",
        "is_file", "is_dir", "stat", "parent", "parents", "resolve", "absolute", "getcwd", "listdir", "scandir")},
    **{a: ("namespace-access", None, "reaches a frame or code object") for a in (
        "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "gi_frame", "gi_code", "cr_frame", "cr_code",
        "ag_frame", "tb_frame", "tb_next", "co_code", "co_consts", "co_names")},
    **{a: ("kernel-control", None, "changes how the IPython shell runs later cells") for a in (
        "input_transformers_post", "input_transformers_cleanup", "ast_transformers", "set_custom_exc",
        "register_magic_function", "user_ns", "user_global_ns", "run_cell", "run_line_magic", "run_cell_magic",
        "showtraceback", "custom_exceptions")},
    **{a: ("tensor-override", None, "turns a tensor into an instance of another class") for a in (
        "as_subclass", "_make_subclass", "_make_wrapper_subclass")},
}


# ---------------------------------------------------------------------------------------- the finding
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


# ---------------------------------------------------------------------------------------- parsing
@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.Module | None:
    """The syntax tree of a cell (cached: the audit reads trees, it never changes them)."""
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def _chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """``(root, [a, b])`` for ``root.a.b``: the attribute names of a run of ``Attribute`` nodes, outermost last."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return node, names[::-1]


def _root_name(node: ast.AST) -> str | None:
    """``a`` for ``a.b.c``, ``a[0].b``, ``a().b``; None for anything else."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    root, names = _chain(node)
    return ".".join(([root.id] if isinstance(root, ast.Name) else []) + names)


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
            top = alias.name.split(".")[0]
            out.append((alias.asname or top, alias.name if alias.asname else top))
        else:
            out.append((alias.asname or alias.name, f"{'.' * node.level}{node.module or ''}.{alias.name}"))
    return out


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The qualified names an import statement imports (``import a.b`` imports ``a.b``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names]


def _top_level_bindings(tree: ast.Module) -> dict[str, ast.AST]:
    """Names a cell binds in the notebook's namespace, with the statement's value (or the statement)."""
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update({name: node for name, _ in _import_bindings(node)})
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                out.update({name: node.value or node for name in _bound_names(target)})
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            out.update({name: node for name in _bound_names(node.target)})
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            out.update({n: node for i in node.items if i.optional_vars is not None
                        for n in _bound_names(i.optional_vars)})
    return out


def _local_names(node: ast.AST) -> set[str]:
    """Names bound inside a function (its parameters, assignments, loops, nested definitions), not deeper."""
    names: set[str] = set()
    args = node.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            names.add(a.arg)
    body = node.body if isinstance(node.body, list) else [node.body]
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
            continue
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update(name for name, _ in _import_bindings(n))
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        elif isinstance(n, ast.Global):
            names.difference_update(n.names)
        todo.extend(ast.iter_child_nodes(n))
    return names


def _fold(node: ast.AST | None, constants: dict[str, ast.AST], depth: int = 0) -> float | None:
    """The number a small constant expression evaluates to (``0``, ``1e-3 * 0``, ``LR`` with ``LR = 0``), else None."""
    if node is None or depth > 10:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand, constants, depth + 1)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp):
        left, right = _fold(node.left, constants, depth + 1), _fold(node.right, constants, depth + 1)
        if left is None or right is None:
            return None
        try:
            ops = {ast.Add: lambda: left + right, ast.Sub: lambda: left - right, ast.Mult: lambda: left * right,
                   ast.Div: lambda: left / right, ast.Pow: lambda: left ** right}
            return float(ops[type(node.op)]()) if type(node.op) in ops else None
        except (ArithmeticError, TypeError, ValueError):
            return None
    if isinstance(node, ast.Name) and node.id in constants:
        return _fold(constants[node.id], constants, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("float", "int") \
            and len(node.args) == 1:
        return _fold(node.args[0], constants, depth + 1)
    return None


def _builds_object(value: ast.AST) -> bool:
    """A value that builds an object at run time (``nn.Linear(2, 2)``, a trained model), not a setting (a literal,
    ``dict(...)``, ``range(...)``) or another name for a class or function (``Act = nn.ReLU``)."""
    if not isinstance(value, ast.expr) or _is_literal(value) or isinstance(value, (ast.Name, ast.Attribute)):
        return False
    plain = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in (
        "dict", "list", "tuple", "set", "frozenset", "range", "int", "float", "str", "bool")
    return not plain


def _is_literal(node: ast.AST) -> bool:
    """A constant, or a tuple/list/set/dict of constants (a setting, not an object built at run time)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_literal(node.operand)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_literal(k) for k in node.keys) and all(_is_literal(v) for v in node.values)
    return False


# ---------------------------------------------------------------------------------------- classification
def _os_rule(name: str) -> tuple[str, str | None, str] | None:
    if name in _OS_HARMLESS:
        return None
    if name in _OS_KERNEL:
        return "kernel-control", None, "kills the kernel or another process"
    if name.split(".")[0].startswith(_OS_PROCESS):
        return "process-control", None, "starts or detaches processes"
    return "file-access", _FILE, "uses the file system"


@lru_cache(maxsize=4096)
def classify(qualified: str) -> tuple[str, str, str] | None:
    """``(rule, spot key, why)`` when a module-qualified name is allowed only where the course uses it, else None."""
    if qualified == "os" or qualified.startswith("os."):
        found = _os_rule(qualified[3:]) if qualified != "os" else None
        return None if found is None else (found[0], found[1] or qualified, found[2])
    if qualified.startswith("sys.") and qualified[4:] in _PLAIN_SYS or qualified == "sys":
        return None
    for prefix, rule, family, why in _QUALIFIED:
        if qualified == prefix or qualified.startswith(prefix + "."):
            return None if rule is None else (rule, family or qualified, why)
    return None


@lru_cache(maxsize=None)
def _plain_module_names(module: str) -> frozenset[str]:
    """Public names of a plain standard module (its submodules excluded: ``random.os`` reaches nothing plain)."""
    if module == "sys":
        return _PLAIN_SYS
    try:
        mod = importlib.import_module(module)
    except ImportError:  # pragma: no cover - the standard library is there
        return frozenset()
    return frozenset(n for n in dir(mod) if not n.startswith("_") and not isinstance(getattr(mod, n), types.ModuleType)
                     and f"{module}.{n}" not in _NOT_PLAIN)


# ---------------------------------------------------------------------------------------- the scan
@dataclass(frozen=True)
class Use:
    """Something a cell uses: ``kind`` is import, builtin, attribute, dunder, construct (judged by the allow-list),
    sensitive (judged by the spot: ``name`` is its spot key) or flag (always flagged)."""

    line: int
    kind: str
    name: str
    rule: str = ""
    message: str = ""
    qualified: str = ""  # the module an attribute was read from, where known


@dataclass
class Scope:
    """What the scan of a notebook's cells knows beyond the cell at hand."""

    bindings: dict[str, str] = field(default_factory=dict)   # name -> module-qualified name (imports, aliases)
    module_names: set[str] = field(default_factory=set)      # names bound in the notebook's namespace
    protected: dict[str, str] = field(default_factory=dict)  # name -> why rebinding it is flagged
    released_imports: dict[str, str] = field(default_factory=dict)
    student_values: set[str] = field(default_factory=set)    # names the student's cells bind to run-time objects


class _Scanner(ast.NodeVisitor):
    """One pass over a cell: every use, judged later (by the allow-list, by the spot, or always flagged)."""

    def __init__(self, scope: Scope, tree: ast.Module, offset: int = 0):
        self.scope, self.offset = scope, offset
        self.uses: list[Use] = []
        self.depth = 0               # > 0 inside a function or class body
        self.locals: list[set[str]] = []
        self.handled: set[int] = set()  # nodes already judged with their parent
        self.constants = {n: v for n, v in _top_level_bindings(tree).items() if isinstance(v, ast.expr)}
        self.challenge = bool(_CHALLENGE_NAMES & set(_top_level_bindings(tree)))
        self.aliases = dict(scope.bindings)
        assigns = []
        for node in ast.walk(tree):  # names bound to module-qualified names in this cell (imports, plain aliases)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.aliases.update(_import_bindings(node))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assigns.append(node)
        for node in assigns:
            qualified = self.resolve(node.value)
            if qualified:
                self.aliases.setdefault(node.targets[0].id, qualified)

    # helpers ------------------------------------------------------------------------------------
    def use(self, node: ast.AST, kind: str, name: str, rule: str = "", message: str = "", qualified: str = "") -> None:
        self.uses.append(Use(getattr(node, "lineno", 1) + self.offset, kind, name, rule, message, qualified))

    def flag(self, node: ast.AST, rule: str, message: str) -> None:
        self.use(node, "flag", rule, rule, message)

    def resolve(self, node: ast.AST) -> str | None:
        """The module-qualified name of ``a.b.c`` when ``a`` is an import (or an alias of one)."""
        root, names = _chain(node)
        if isinstance(root, ast.Name) and root.id in self.aliases and not self.is_local(root.id):
            return ".".join([self.aliases[root.id].lstrip("."), *names])
        return None

    def is_local(self, name: str) -> bool:
        return any(name in scope for scope in self.locals)

    def is_free(self, name: str) -> bool:
        """Not bound by the cell, the notebook or the student's other cells (a builtin, or IPython's)."""
        return not self.is_local(name) and name not in self.scope.module_names and name not in self.aliases

    def is_builtin(self, name: str) -> bool:
        return (hasattr(builtins, name) or name in _SENSITIVE_BUILTINS) and self.is_free(name)

    def sensitive(self, node: ast.AST, qualified: str) -> bool:
        found = classify(qualified)
        if found:
            rule, key, why = found
            self.use(node, "sensitive", key, rule, f"uses `{qualified}` ({why}) where the course does not")
        return bool(found)

    def attribute(self, node: ast.AST, name: str, qualified: str = "") -> None:
        """Judge an attribute name (read, written, or named in a getattr with a literal name)."""
        if name == "get_ipython":
            self.flag(node, "kernel-control", "reaches `get_ipython`: it can change how the kernel runs the tests")
        elif name.startswith("__") and name.endswith("__"):
            self.use(node, "dunder", name, qualified=qualified)
        elif name in _SENSITIVE_ATTRIBUTES:
            rule, family, why = _SENSITIVE_ATTRIBUTES[name]
            self.use(node, "sensitive", family or f"attr:{name}", rule,
                     f"uses `.{name}` ({why}) where the course does not")
        else:
            self.use(node, "attribute", name, qualified=qualified)

    # bindings in the notebook's namespace ------------------------------------------------------
    def _check_binding(self, node: ast.AST, names: Iterable[str], how: str) -> None:
        for name in names:
            if name in self.scope.protected:
                self.flag(node, "rebinds-protected-name",
                          f"{how} `{name}`, {self.scope.protected[name]}; the tests below rely on it")

    def _targets(self, node: ast.AST, targets: Iterable[ast.AST], how: str) -> None:
        for target in targets:
            if self.depth == 0:
                self._check_binding(node, _bound_names(target), how)
            self._check_patch(node, target)

    def _check_patch(self, node: ast.AST, target: ast.AST) -> None:
        """Assigning to ``module.attr`` (or deeper, or into a module's namespace) patches a library."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_patch(node, elt)
            return
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = _root_name(target)
            if root is not None and root in self.aliases and not self.is_local(root):
                self.flag(node, "patches-module", f"changes `{_dotted(target) or root}` of the imported module "
                                                  f"`{root}`; checks and reference answers use that module")
            if self.challenge and any(isinstance(n, ast.Attribute) and n.attr in ("param_groups", "defaults")
                                      for n in ast.walk(target)):
                self.flag(node, "challenge-optimizer", "changes the optimizer's settings after it is built")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._targets(node, node.targets, "assigns")
        for name in {n for t in node.targets for n in _bound_names(t)} & _TENSOR_HOOKS:
            self.use(node, "sensitive", f"def:{name}", "tensor-override",
                     f"defines `{name}`, which decides what torch functions (comparisons too) return")
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

    def _scoped(self, node: ast.AST, names: set[str]) -> None:
        self.depth += 1
        self.locals.append(names)
        self.generic_visit(node)
        self.locals.pop()
        self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if self.depth == 0:
            self._check_binding(node, [node.name], "defines")
        if node.name in _TENSOR_HOOKS:
            self.use(node, "sensitive", f"def:{node.name}", "tensor-override",
                     f"defines `{node.name}`, which decides what torch functions (comparisons too) return")
        if self.depth == 0 and node.name == "make_challenge_optimizer":
            self._check_challenge_optimizer(node)
        if self.depth == 0 and node.name == "make_challenge_model":
            self._check_challenge_model(node)
        self._scoped(node, _local_names(node))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._scoped(node, _local_names(node))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.depth == 0:
            self._check_binding(node, [node.name], "defines")
        for base in node.bases:
            root, _ = _chain(base)
            if not isinstance(root, ast.Name):
                self.flag(base, "dynamic-class", "a class whose base class is computed at run time")
                continue
            qualified = self.resolve(base) or ""
            if qualified in _TENSOR_BASES or qualified.endswith((".Tensor", "TensorBase")):
                self.use(base, "sensitive", "tensor:subclass", "tensor-override",
                         f"subclasses `{qualified}`: its methods decide what comparisons of its instances return")
            if self.challenge and qualified.startswith("torch.optim."):
                self.flag(base, "challenge-optimizer", f"defines its own optimizer class (a `{qualified}`)")
        for keyword in node.keywords:
            self.flag(node, "dynamic-class", f"a class with `{keyword.arg}=`: its construction runs other code")
        body = {n for stmt in node.body for n in _top_level_bindings(ast.Module([stmt], []))}
        self._scoped(node, body)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for name, what in _import_bindings(node):
            same_as_released = self.scope.released_imports.get(name) == what
            if self.depth == 0 and not same_as_released:
                self._check_binding(node, [name], "imports as")
        for qualified in _imported(node):
            if qualified.endswith(".*"):
                self.use(node, "import", qualified)
            elif not self.sensitive(node, qualified.lstrip(".")):
                self.use(node, "import", qualified)
        self.generic_visit(node)

    visit_ImportFrom = visit_Import

    # names and attributes ---------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if id(node) in self.handled:
            return
        name = node.id
        if name == "get_ipython":
            self.flag(node, "kernel-control", "uses `get_ipython` other than for %time/%timeit: the IPython shell "
                                              "can change how the kernel runs the tests")
        elif name in self.aliases and not self.is_local(name) and isinstance(node.ctx, ast.Load):
            self.sensitive(node, self.aliases[name].lstrip("."))
        elif self.is_builtin(name):
            if name in _SENSITIVE_BUILTINS:
                rule, family, why = _SENSITIVE_BUILTINS[name]
                self.use(node, "sensitive", family or name, rule, f"uses `{name}` ({why}) where the course does not")
            elif name in _GETATTR_FAMILY:
                self.flag(node, "dynamic-attribute", f"passes `{name}` around: attribute names it gets are computed")
            else:
                self.use(node, "builtin", name)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """A run ``root.a.b.c`` at once: each name judged, and the module-qualified name where the root is an import.

        Once a prefix is allowed only in its spot (``os.fork``, ``runpy``), the names after it are judged with it,
        except what is flagged wherever it appears (double-underscore names, ``__setattr__``, ``get_ipython``)."""
        chain = []
        current: ast.AST = node
        while isinstance(current, ast.Attribute):
            chain.append(current)
            current = current.value
        chain.reverse()  # innermost first: root.a, root.a.b, ...
        root = current
        qualified = None
        judged = False  # a sensitive prefix was found: its names are judged with it
        if isinstance(root, ast.Name) and root.id in self.aliases and not self.is_local(root.id):
            qualified = self.aliases[root.id].lstrip(".")
            judged = self.sensitive(root, qualified)
        else:
            self.visit(root)
        for attr_node in chain:
            name = attr_node.attr
            if judged:
                if name == "get_ipython" or name.startswith("__") and name.endswith("__"):
                    self.attribute(attr_node, name)
            elif qualified is not None:
                inner, qualified = qualified, f"{qualified}.{name}"
                judged = self.sensitive(attr_node, qualified)
                if not judged:
                    self.attribute(attr_node, name, inner)
            else:
                self.attribute(attr_node, name)
            if name in ("__setattr__", "__delattr__"):
                self.flag(attr_node, "forced-setattr", f"uses `.{name}` directly: it writes attributes past a "
                                                       "read-only guard")
            if self.challenge and name in _TRAINING_CALLS and name != "load":
                self.use(attr_node, "sensitive", f"challenge:{name}", "challenge-trains",
                         f"uses `.{name}` in a challenge's cell: training (or loading weights) outside the test's "
                         "budget of steps")

    # calls -----------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython" \
                and not func.value.args and self.is_free("get_ipython"):
            self._ipython_call(node, func)
            return
        if isinstance(func, ast.Name) and func.id in _GETATTR_FAMILY and self.is_builtin(func.id):
            self.handled.add(id(func))
            self._getattr_call(node, func.id)
        if isinstance(func, ast.Name) and func.id == "type" and self.is_builtin("type") and len(node.args) == 3:
            self.flag(node, "dynamic-class", "calls `type(name, bases, namespace)`: builds a class at run time")
        if self.challenge and isinstance(func, ast.Name):
            called = self.aliases.get(func.id, func.id).split(".")[-1]
            if called in _TRAINING_CALLS:
                self.use(node, "sensitive", f"challenge:{called}", "challenge-trains",
                         f"calls `{func.id}` in a challenge's cell: training outside the test's budget of steps")
        self._check_paths(node)
        self.generic_visit(node)

    def _getattr_call(self, node: ast.Call, name: str) -> None:
        if len(node.args) < 2 or not (isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            self.flag(node, "dynamic-attribute", f"`{name}` with a computed attribute name")
            return
        attr = node.args[1].value
        if not attr.isidentifier():
            self.flag(node, "dynamic-attribute", f"`{name}` with the attribute name {attr!r}")
            return
        qualified = self.resolve(node.args[0])
        if not (qualified and self.sensitive(node, f"{qualified}.{attr}")):
            self.attribute(node, attr, qualified or "")
        if attr in ("__setattr__", "__delattr__"):
            self.flag(node, "forced-setattr", f"reaches `{attr}` with `{name}`: it writes past a read-only guard")
        if name in ("setattr", "delattr"):
            root = _root_name(node.args[0])
            if root is not None and root in self.aliases and not self.is_local(root):
                self.flag(node, "patches-module", f"`{name}` on `{_dotted(node.args[0]) or root}` changes a module "
                                                  "the tests use")

    def _ipython_call(self, node: ast.Call, func: ast.Attribute) -> None:
        """``get_ipython().X(...)``, what IPython makes of a magic: %time/%timeit are fine (their code is read),
        any other magic or ``!`` is judged like a call, anything else is flagged."""
        magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if func.attr in ("run_line_magic", "run_cell_magic") and isinstance(magic, str):
            codes = [a.value for a in node.args[1:] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if magic in TIMING_MAGICS:
                for i, code in enumerate(codes):
                    self._nested(node, _timing_code(code) if i == 0 else code, 0 if i == 0 else 1,
                                 must_parse=True)
                return
            arg = codes[0].split()[0] if codes and codes[0].split() else ""
            key = f"magic:{magic} {arg}" if magic == "load_ext" else f"magic:{magic}"
            self.use(node, "sensitive", key, "kernel-control", f"uses the magic %{magic}: it changes the kernel or "
                                                               "runs code the audit cannot read")
            if func.attr == "run_cell_magic" and len(codes) > 1:
                self._nested(node, codes[1], 1, must_parse=False)
        elif func.attr in ("system", "getoutput"):
            self.use(node, "sensitive", "magic:!", "process-control", "runs a shell command (!)")
        else:
            self.flag(node, "kernel-control", f"uses get_ipython().{func.attr}: it can change how the kernel runs "
                                              "the tests")

    def _nested(self, node: ast.AST, code: str, line_shift: int, must_parse: bool) -> None:
        """Scan the Python inside a magic (``%timeit f(x)``, a ``%%time`` cell) as part of this cell."""
        try:
            tree = ast.parse(code)
        except SyntaxError:
            if must_parse:
                self.flag(node, "kernel-control", "a %time/%timeit argument that is not Python the audit can read")
            return
        inner = _Scanner(self.scope, tree, offset=getattr(node, "lineno", 1) + self.offset - 1 + line_shift)
        inner.aliases.update(self.aliases)
        inner.challenge = self.challenge
        inner.visit(tree)
        self.uses += inner.uses

    def _check_paths(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in _PATH_CALLS:
            return
        strings = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        outside = [s for s in strings if _outside_path(s)]
        if outside:
            self.flag(node, "file-access", f"`{name}(...)` with the path {outside[0]!r}, outside the notebook's "
                                           "folder (where the grader keeps solutions and grades)")

    # challenges ------------------------------------------------------------------------------------
    def _check_challenge_optimizer(self, node: ast.FunctionDef) -> None:
        params = [a.arg for a in node.args.args]
        built = False
        for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
            qualified = self.resolve(call.func) or ""
            if not qualified.startswith("torch.optim.") or ".lr_scheduler" in qualified:
                continue
            built = True
            lr = next((k.value for k in call.keywords if k.arg == "lr"), call.args[1] if len(call.args) > 1 else None)
            value = _fold(lr, self.constants)
            if value is not None and value < MIN_CHALLENGE_LR:
                self.flag(call, "challenge-optimizer", f"the challenge's optimizer has learning rate {value:g}: "
                                                       "it cannot train the model within the test's budget")
            given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "params"), None)
            if params and not (given is not None and any(isinstance(n, ast.Name) and n.id == params[0]
                                                         for n in ast.walk(given))):
                self.flag(call, "challenge-optimizer", f"the challenge's optimizer is not built on `{params[0]}`, "
                                                       "the parameters the test passes")
        returns = any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))
        if returns and not built:
            self.flag(node, "challenge-optimizer", "make_challenge_optimizer builds no torch.optim optimizer")

    def _check_challenge_model(self, node: ast.FunctionDef) -> None:
        for name in (n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)):
            if name.id in self.scope.student_values and name.id not in _local_names(node):
                self.flag(name, "challenge-trains", f"the model factory uses `{name.id}`, an object your cells built "
                                                    "outside it (a trained model?); the test must start from a new one")

    # constructs ------------------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, _UNJUDGED_NODES):
            self.use(node, "construct", type(node).__name__)
        super().visit(node)


def _timing_code(line: str) -> str:
    """The statement of a ``%timeit``/``%time`` line, without timeit's options (``-n 10 -r 3 -o``)."""
    return re.sub(r"^\s*(?:(?:-[nrp]\s*\d+(?:\.\d+)?|-[tcqo])\s+)*", "", line)


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


def scan(source: str, scope: Scope | None = None) -> list[Use] | None:
    """Every use in one cell's source (None when it is not Python: a syntax error fails the exercise by itself)."""
    tree = _parse(source)
    if tree is None:
        return None
    scanner = _Scanner(scope or Scope(), tree)
    scanner.visit(tree)
    return scanner.uses


# ---------------------------------------------------------------------------------------- the allow-list
@dataclass(frozen=True)
class Allowlist:
    """What the course teaches (see the module docstring); :func:`load_allowlist` reads the committed file."""

    imports: frozenset[str]
    builtins: frozenset[str]
    attributes: frozenset[str]
    dunders: frozenset[str]
    constructs: frozenset[str]
    exercises: dict[str, frozenset[str]]  # grade_id -> spot keys its solution uses

    @property
    def modules(self) -> frozenset[str]:
        """Modules the course imports, with their parents (``torch.utils.data`` for ``torch.utils.data.DataLoader``)."""
        parts = (name.split(".") for name in self.imports)
        return frozenset(".".join(p[:i]) for p in parts for i in range(1, len(p) + 1))

    @property
    def import_names(self) -> frozenset[str]:
        """Every name of the course's import paths (``DataLoader``, ``utils``, ``data`` for
        ``torch.utils.data.DataLoader``): reading them as attributes is what the imports teach."""
        return frozenset(part for name in self.imports for part in name.split("."))

    def import_allowed(self, qualified: str) -> bool:
        """An import the course teaches: one it makes (or a parent package of one), a plain module, or a name the
        course uses from a module it imports (``from torch.nn import init`` when it uses ``nn.init``)."""
        if qualified in _NOT_PLAIN:
            return False
        if qualified in self.modules or qualified.split(".")[0] in PLAIN_MODULES:
            return True
        parent, _, name = qualified.rpartition(".")
        return bool(parent) and parent in self.modules and (name in self.attributes or name in self.import_names)

    def attribute_allowed(self, name: str, module: str = "") -> bool:
        if name in self.attributes or name in _PLAIN_ATTRIBUTES or name in self.import_names:
            return True
        if module == "os" or module.startswith("os."):
            return f"{module}.{name}"[3:] in _OS_HARMLESS
        return module in PLAIN_MODULES and name in _plain_module_names(module)

    def to_json(self) -> str:
        data = {"about": f"What the course teaches, for cookbook/audit.py. Generated from solutions/*/*.ipynb by "
                         f"`{UPDATE_COMMAND}`; do not edit.",
                "imports": sorted(self.imports), "builtins": sorted(self.builtins),
                "attributes": sorted(self.attributes), "dunders": sorted(self.dunders),
                "constructs": sorted(self.constructs),
                "exercises": {gid: sorted(keys) for gid, keys in sorted(self.exercises.items())}}
        return json.dumps(data, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Allowlist:
        data = json.loads(text)
        return cls(*(frozenset(data[k]) for k in ("imports", "builtins", "attributes", "dunders", "constructs")),
                   {gid: frozenset(keys) for gid, keys in data["exercises"].items()})


@lru_cache(maxsize=1)
def load_allowlist(path: Path = ALLOWLIST_PATH) -> Allowlist:
    """The committed allow-list (``cookbook/allowlist.json``, shipped in the wheel)."""
    try:
        return Allowlist.from_json(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: the audit needs it; `{UPDATE_COMMAND}` writes it from the "
                                "course's solutions") from None


def _markdown_code(text: str) -> Iterator[str]:
    """Code in a markdown cell's text: fenced blocks and inline spans."""
    yield from re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for double, single in re.findall(r"``([^`]+?)``|`([^`\n]+)`", text):
        yield (double or single).strip()


def notebook_scope(nb: nbformat.NotebookNode, cells: Iterable[nbformat.NotebookNode] | None = None) -> Scope:
    """The scope of a notebook's cells: imports and top-level names of ``cells`` (default: all code cells)."""
    scope = Scope()
    for cell in cells if cells is not None else nb.cells:
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                scope.bindings.update(_import_bindings(node))
        scope.module_names |= set(_top_level_bindings(tree))
    return scope


def build_allowlist(root: Path) -> Allowlist:
    """What the course teaches, read from ``root/solutions/*/*.ipynb``: the imports, builtins, attribute names,
    double-underscore attributes and constructs of every demo and solution cell (and attribute names and imports
    of the code in the text), and, per exercise, the spot keys its solution uses (file access, ...)."""
    found: dict[str, set[str]] = {k: set() for k in ("import", "builtin", "attribute", "dunder", "construct")}
    exercises: dict[str, set[str]] = {}
    for path in sorted(Path(root).glob("solutions/ch*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        scope = notebook_scope(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for code in _markdown_code(cell.source):
                    for use in scan(code, scope) or []:
                        public = not use.name.startswith("_")
                        if use.kind == "attribute" and public or use.kind == "import":
                            found[use.kind].add(use.name)
                continue
            if cell.cell_type != "code" or rules.is_test(cell):
                continue
            uses = scan(cell.source, scope) or []
            for use in uses:
                if use.kind in found:
                    found[use.kind].add(use.name)
            if rules.is_solution(cell):
                keys = {u.name for u in uses if u.kind == "sensitive"}
                if keys:
                    exercises.setdefault(rules.nbgrader_metadata(cell)["grade_id"], set()).update(keys)
    return Allowlist(frozenset(found["import"]), frozenset(found["builtin"]), frozenset(found["attribute"]),
                     frozenset(found["dunder"] - NEVER_DUNDERS), frozenset(found["construct"]),
                     {gid: frozenset(keys) for gid, keys in exercises.items()})


def update_allowlist(root: Path, path: Path = ALLOWLIST_PATH) -> bool:
    """Rewrite the allow-list from ``root``'s solutions; True when it changed."""
    text = build_allowlist(root).to_json()
    old = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    if text != old:
        Path(path).write_text(text, encoding="utf-8")
        load_allowlist.cache_clear()
    return text != old


def allowlist_problem(root: Path, path: Path = ALLOWLIST_PATH) -> str:
    """'' when the committed allow-list is what ``root``'s solutions give, else what differs and how to fix it."""
    built = build_allowlist(root)
    try:
        committed = Allowlist.from_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        return f"{path} cannot be read ({exc}); run `{UPDATE_COMMAND}`"
    if built.to_json() == Path(path).read_text(encoding="utf-8"):
        return ""
    diffs = []
    for name in ("imports", "builtins", "attributes", "dunders", "constructs"):
        new, old = getattr(built, name), getattr(committed, name)
        if new != old:
            diffs.append(f"{name}: +{sorted(new - old)[:8]} -{sorted(old - new)[:8]}")
    if built.exercises != committed.exercises:
        diffs.append("exercises: the spot keys of " + ", ".join(
            sorted(g for g in set(built.exercises) | set(committed.exercises)
                   if built.exercises.get(g) != committed.exercises.get(g))[:8]))
    return (f"{path} is out of date with {Path(root) / 'solutions'} ({'; '.join(diffs) or 'formatting'}); "
            f"run `{UPDATE_COMMAND}` and commit the file")


# ---------------------------------------------------------------------------------------- context
@dataclass(frozen=True)
class Context:
    """What the released notebook gives the audit: protected names, imports, its cells, what its demos use."""

    protected: dict[str, str]      # name -> why it is protected
    imports: dict[str, str]        # name bound by an import in a released cell -> what it imports
    released_sources: frozenset[str]
    demo_keys: frozenset[str]      # spot keys (file access, magics) the notebook's demo cells use
    attributes: frozenset[str]     # attribute names the released notebook uses or defines
    module_names: frozenset[str]   # names its (non-exercise) cells bind in the notebook's namespace


def _defined_attributes(trees: Iterable[ast.AST], reads: bool) -> set[str]:
    """Attribute names that code defines (assigns, methods, class attributes, setattr with a literal),
    and with ``reads`` the ones it reads too."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and (reads or isinstance(node.ctx, ast.Store)):
                names.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                if isinstance(node, ast.ClassDef):
                    names |= {n for stmt in node.body for n in _top_level_bindings(ast.Module([stmt], []))}
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str):
                names.add(node.args[1].value)
    return {n for n in names if not (n.startswith("__") and n.endswith("__"))}


def context_of(reference: nbformat.NotebookNode) -> Context:
    """Protected names of a released notebook (its imports, the names its test cells use, the builtins), and
    what its other cells use and define."""
    roles = tuple(("solution" if rules.is_solution(c) else "test" if rules.is_test(c) else "demo", c.source)
                  for c in reference.cells if c.cell_type == "code")
    return _context(roles)


@lru_cache(maxsize=64)
def _context(cells: tuple[tuple[str, str], ...]) -> Context:
    """:func:`context_of` for the ``(role, source)`` of a notebook's code cells (cached: grading a class audits
    many submissions against one release)."""
    imports: dict[str, str] = {}
    bound: set[str] = set()
    test_names: set[str] = set()
    trees = []
    for role, source in cells:
        tree = _parse(source) if role != "solution" else None
        if tree is None:
            continue
        trees.append(tree)
        if role == "test":
            test_names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        imports.update(_import_bindings_of(tree))
        bound |= set(_top_level_bindings(tree)) - {n for n, _ in _import_bindings_of(tree)}
    protected = {name: "a name the notebook's builtins provide" for name in dir(builtins) if not name.startswith("_")}
    protected.update({name: f"imported by the notebook ({what})" for name, what in imports.items()})
    protected.update({name: "used by the test cells" for name in test_names & bound})
    sources = frozenset(source for role, source in cells if role != "solution")
    scope = Scope(bindings=dict(imports), module_names={n for t in trees for n in _top_level_bindings(t)})
    keys = {u.name for role, source in cells if role == "demo" for u in scan(source, scope) or []
            if u.kind == "sensitive" and (u.name == _FILE or u.name.startswith("magic:"))}
    return Context(protected, imports, sources, frozenset(keys), frozenset(_defined_attributes(trees, reads=True)),
                   frozenset(scope.module_names))


def _import_bindings_of(tree: ast.AST) -> list[tuple[str, str]]:
    return [b for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
            for b in _import_bindings(node)]


# ---------------------------------------------------------------------------------------- judging
def _judge(uses: list[Use], allow: Allowlist, spot: frozenset[str],
           own_attributes: set[str]) -> list[tuple[Use, str, str]]:
    """``(use, rule, message)`` for every use the allow-list, the spot and the notebook's own names do not cover."""
    out = []
    for use in uses:
        if use.kind == "flag":
            out.append((use, use.rule, use.message))
        elif use.kind == "sensitive":
            if use.name not in spot:
                out.append((use, use.rule, use.message))
        elif use.kind == "import":
            if not allow.import_allowed(use.name):
                out.append((use, "not-taught-import", f"imports `{use.name}`, which the course never imports"))
        elif use.kind == "builtin":
            if use.name not in allow.builtins and use.name not in PLAIN_BUILTINS:
                out.append((use, "not-taught-builtin", f"uses the builtin `{use.name}`, which the course never uses"))
        elif use.kind == "attribute":
            if use.name not in own_attributes and not allow.attribute_allowed(use.name, use.qualified):
                out.append((use, "not-taught-attribute", f"uses `.{use.name}`, which the course never uses and the "
                                                         "notebook does not define"))
        elif use.kind == "dunder":
            if use.name in NEVER_DUNDERS or use.name not in allow.dunders:
                out.append((use, "dunder-access", f"uses `.{use.name}`: reading double-underscore attributes of "
                                                  "other objects reaches classes, code and namespaces"))
        elif use.kind == "construct":
            if use.name not in allow.constructs and use.name not in _PLAIN_CONSTRUCTS:
                out.append((use, "not-taught-construct", f"uses `{use.name}` statements/expressions, which the "
                                                         "course never uses"))
    return out


# ---------------------------------------------------------------------------------------- public
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
                   name: str = "", allowlist: Allowlist | None = None) -> list[Flag]:
    """Flags for one submitted notebook, judged against its released edition (``reference``) and the course's
    allow-list.

    Without a reference, the submission's own non-exercise cells stand in for it (enough for a
    student's self-check; grading always has the release).
    """
    allow = allowlist or load_allowlist()
    ctx = context_of(reference if reference is not None else submitted)
    cells = audited_cells(submitted, ctx)
    trees = [(label, cell, _parse(cell.source)) for label, cell in cells]
    parsed = [t for _, _, t in trees if t is not None]
    scope = Scope(dict(ctx.imports), set(ctx.module_names), ctx.protected, ctx.imports)
    for tree in parsed:
        scope.bindings.update(_import_bindings_of(tree))
        bound = _top_level_bindings(tree)
        scope.module_names |= set(bound)
        scope.student_values |= {n for n, v in bound.items() if _builds_object(v)}
    own_attributes = set(ctx.attributes) | _defined_attributes(parsed, reads=False)
    flags: list[Flag] = []
    for label, cell, tree in trees:
        if tree is None:
            continue  # a syntax error fails the exercise by itself
        scanner = _Scanner(scope, tree)
        scanner.visit(tree)
        gid = rules.nbgrader_metadata(cell).get("grade_id")
        spot = allow.exercises.get(gid, frozenset()) if rules.is_solution(cell) else ctx.demo_keys
        seen: set[tuple[str, str]] = set()
        for use, rule, message in _judge(scanner.uses, allow, spot, own_attributes):
            if (rule, message) not in seen:  # one flag per finding and cell, at its first line
                seen.add((rule, message))
                flags.append(Flag(name, label, use.line, rule, message))
    if reference is not None:
        flags += _test_cell_changes(submitted, reference, name)
    return flags


def _test_cell_changes(submitted: nbformat.NotebookNode, reference: nbformat.NotebookNode, name: str) -> list[Flag]:
    released = {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in reference.cells if rules.is_test(c)}
    present = {rules.nbgrader_metadata(c).get("grade_id"): c.source for c in submitted.cells if rules.is_test(c)}
    flags = []
    for gid, source in released.items():
        if gid not in present:
            flags.append(Flag(name, gid, 0, "deleted-test", RULES["deleted-test"]))
        elif present[gid] != source:
            flags.append(Flag(name, gid, 0, "edited-test", RULES["edited-test"]))
    return flags


def main(argv: list[str] | None = None) -> int:
    """``python -m cookbook.audit --update-allowlist`` (or ``--check``): the allow-list from the solutions."""
    parser = argparse.ArgumentParser(prog="python -m cookbook.audit", description=main.__doc__)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the course (with solutions/); default: this checkout")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--update-allowlist", action="store_true", help="rewrite cookbook/allowlist.json")
    group.add_argument("--check", action="store_true", help="exit 1 when cookbook/allowlist.json is out of date")
    args = parser.parse_args(argv)
    if not (args.root / "solutions").is_dir():
        parser.error(f"{args.root} has no solutions/ folder")
    if args.check:
        problem = allowlist_problem(args.root)
        print(problem or f"{ALLOWLIST_PATH} is up to date")
        return int(bool(problem))
    changed = update_allowlist(args.root)
    allow = load_allowlist()
    print(f"{ALLOWLIST_PATH} {'rewritten' if changed else 'unchanged'}: {len(allow.imports)} imports, "
          f"{len(allow.builtins)} builtins, {len(allow.attributes)} attributes, {len(allow.dunders)} dunders, "
          f"{len(allow.constructs)} constructs, {len(allow.exercises)} exercises with spot keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
