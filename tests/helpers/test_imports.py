"""Every module of ``helpers`` imports on its own, and the modules of ``helpers`` import one another without a circle.

(a) Each module is imported first, in a process of its own in which no module of ``helpers`` was imported
    before: one interpreter loads the third-party libraries once and forks a child per module (a fresh
    interpreter per module would spend most of a minute importing torch again and again).
(b) A static check reads every ``helpers/**/*.py`` with :mod:`ast` and builds the graph of imports between
    its modules, at module level and inside functions, relative and absolute; the graph must have no cycle.
    ``from .policy import find`` depends on ``helpers.data.policy``, not on the package ``helpers.data`` that
    encloses it (Python runs that package's ``__init__`` first, but the ``__init__`` of a package only gathers
    names, so that edge would make every package look circular); ``from . import data`` depends on the
    package ``helpers.data``; imports under ``if TYPE_CHECKING:`` do not run and are left out.
"""
from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import helpers

ROOT = Path(helpers.__file__).resolve().parent.parent

#: Imports the modules named on its command line, each first in a forked child of a process that has loaded
#: the third-party libraries but no module of helpers; prints the modules that failed, with their tracebacks.
_IMPORT_EACH = textwrap.dedent("""
    import importlib, os, sys, traceback
    import matplotlib, numpy, PIL.Image, scipy.ndimage, torch, torchvision, tqdm  # shared, for speed only
    assert not [m for m in sys.modules if m == "helpers" or m.startswith("helpers.")], "helpers imported early"
    failed = []
    for name in sys.argv[1:]:
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(name)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        if os.waitpid(pid, 0)[1] != 0:
            failed.append(name)
    print("FAILED:", " ".join(failed))
""")


def helpers_modules() -> list[str]:
    """Every module of the ``helpers`` package, packages included."""
    return ["helpers"] + [info.name for info in pkgutil.walk_packages(helpers.__path__, "helpers.")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_every_module_imports_in_a_fresh_process():
    modules = helpers_modules()
    assert len(modules) > 30 and "helpers.data.heldout" in modules and "helpers.news" in modules
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *modules], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "MPLBACKEND": "agg"}, timeout=300)
    assert run.returncode == 0, run.stderr
    failed = run.stdout.strip().removeprefix("FAILED:").split()
    assert not failed, f"these modules fail when imported first: {failed}\n{run.stderr}"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of ``tree``, in functions too, except those under ``if TYPE_CHECKING:``."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.If) and _is_type_checking(node):
            children = node.orelse
        todo.extend(children)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """``{module: modules of package it imports}`` for every ``.py`` file of ``root/package``."""
    files = {_module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges = graph.setdefault(module, set())
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = ".".join(here.split(".")[:len(here.split(".")) - node.level + 1]) if node.level else ""
                base = ".".join(part for part in (base, node.module) if part)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            edges.update(t for t in targets if t in files and t != module)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as ``[a, b, ..., a]``, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_helpers_import_one_another_without_a_circle():
    graph = import_graph(ROOT, "helpers")
    assert set(graph) == set(helpers_modules())
    assert "helpers.data.policy" in graph["helpers.data.loaders"] and "helpers.data" in graph["helpers.news"]
    assert "helpers.data" not in graph["helpers.text"], "the tokeniser does not need the data sets"
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(source))
    return root


def test_the_check_finds_a_circle_hidden_in_a_function(tmp_path):
    root = _package(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from .b import f\n",
                               "pkg/b.py": "def f():\n    from .a import g\n    return g\n",
                               "pkg/c.py": "import pkg.a\n"})
    graph = import_graph(root, "pkg")
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_check_follows_packages_but_not_type_checking_imports(tmp_path):
    root = _package(tmp_path, {
        "pkg/__init__.py": "from .a import f\n",
        "pkg/a.py": "from . import b\nfrom .sub import helper\ndef f(): ...\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\nx = 1\n",
        "pkg/sub/__init__.py": "from ..b import x\nfrom .deep import helper\n",
        "pkg/sub/deep.py": "from pkg.b import x\ndef helper(): ...\n",
    })
    graph = import_graph(root, "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b", "pkg.sub"}, "pkg.b": set(),
                     "pkg.sub": {"pkg.b", "pkg.sub.deep"}, "pkg.sub.deep": {"pkg.b"}}
    assert find_cycle(graph) is None
    (root / "pkg" / "sub" / "deep.py").write_text("from .. import a\ndef helper(): ...\n")
    assert find_cycle(import_graph(root, "pkg")) == ["pkg.a", "pkg.sub", "pkg.sub.deep", "pkg.a"]
