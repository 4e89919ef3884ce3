"""The install cell that starts every student notebook, and the "Open in Colab" links (cookbook/hosted.py).

The cell runs here without a kernel: its source is executed with ``find_spec`` and ``subprocess.run`` replaced, so
each case costs milliseconds. tests/course/test_hosted.py runs it for real, in a bare hosted-like environment.
"""
from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import nbformat
import pytest

from cookbook import hosted, rules
from cookbook.audit import audit_notebook
from cookbook.nbfiles import read_notebook
from cookbook.release import graded_cells, release
from tests.corpus.minicourse import CHAPTER, NOTEBOOK
from tests.course import RELEASED, ROOT, nb_id


def _run_cell(monkeypatch, capsys, helpers_found: bool, returncode: int = 0, **env) -> tuple[list, str]:
    """Execute the install cell's source; return the commands it ran and what it printed."""
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, returncode, "", "ERROR: no such file\n" if returncode else "")

    for name in (hosted.WHEEL_VARIABLE, hosted.PIP_OPTIONS_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(subprocess, "run", fake_run)
    if not helpers_found:
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "helpers" else real(name, *a))
    exec(compile(hosted.install_cell_source("9.8.7"), "<install cell>", "exec"), {})
    return calls, capsys.readouterr().out


def test_the_cell_is_short_commented_and_pinned_to_the_course_version():
    source = hosted.install_cell_source()
    version = hosted.course_version(ROOT)
    assert version == __import__("helpers").__version__
    lines = source.splitlines()
    assert len(lines) <= 12 and max(map(len, lines)) <= 120 and lines[0].startswith("# ")
    assert "does nothing" in " ".join(line for line in lines if line.startswith("#"))
    assert f'"pytorch-cookbook-lab=={version}"' in source and "--no-deps" in source
    assert "COOKBOOK_WHEEL" in source and "COOKBOOK_PIP_OPTIONS" in source
    ast.parse(source)


def test_where_helpers_is_importable_the_cell_does_nothing(monkeypatch, capsys):
    calls, out = _run_cell(monkeypatch, capsys, helpers_found=True, COOKBOOK_WHEEL="/never/used.whl")
    assert calls == [] and out == ""


def test_without_helpers_it_installs_the_pinned_course_quietly_without_dependencies(monkeypatch, capsys):
    calls, out = _run_cell(monkeypatch, capsys, helpers_found=False)
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "pytorch-cookbook-lab==9.8.7"]]
    assert out == "installed pytorch-cookbook-lab==9.8.7\n"


def test_the_wheel_and_pip_options_come_from_the_environment(monkeypatch, capsys):
    calls, out = _run_cell(monkeypatch, capsys, helpers_found=False, COOKBOOK_WHEEL="/w/course.whl",
                           COOKBOOK_PIP_OPTIONS="--no-index --find-links /w")
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--find-links",
                      "/w", "/w/course.whl"]]
    assert out == "installed /w/course.whl\n"


def test_a_failed_install_says_what_pip_said(monkeypatch, capsys):
    with pytest.raises(RuntimeError, match=r"pip could not install /x.whl:\nERROR: no such file"):
        _run_cell(monkeypatch, capsys, helpers_found=False, returncode=1, COOKBOOK_WHEEL="/x.whl")


def test_add_install_cell_goes_before_the_first_code_cell_once():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1")])
    hosted.add_install_cell(nb, "1.0")
    hosted.add_install_cell(nb, "1.1")  # a second release replaces it
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert hosted.is_install_cell(nb.cells[1]) and "pytorch-cookbook-lab==1.1" in nb.cells[1].source
    assert nb.cells[1].metadata == {"tags": [hosted.INSTALL_TAG]}
    empty = hosted.add_install_cell(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("text")]), "1.0")
    assert hosted.is_install_cell(empty.cells[-1])


def test_release_adds_the_ungraded_install_cell_and_leaves_solutions_alone(mini_course):
    root = mini_course(with_helpers=False)
    source = (root / "solutions" / CHAPTER / NOTEBOOK).read_text()
    release(root, [])
    assert (root / "solutions" / CHAPTER / NOTEBOOK).read_text() == source
    student = read_notebook(root / "notebooks" / CHAPTER / NOTEBOOK)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert hosted.is_install_cell(code[0]) and rules.PARAMETERS_TAG in code[1].metadata["tags"]
    assert code[0].source == hosted.install_cell_source(hosted.course_version(root))
    assert not rules.nbgrader_metadata(code[0]) and rules.RAISES_TAG not in code[0].metadata["tags"]
    assert [r["grade_id"] for r in graded_cells(student)] == ["ex_9_1a_tests", "ex_9_1b_tests"]
    assert audit_notebook(student, student, NOTEBOOK) == [], "the install cell is part of the release, never flagged"


@pytest.mark.parametrize("path", RELEASED, ids=[nb_id(p) for p in RELEASED])
def test_every_student_notebook_starts_with_the_install_cell(path):
    code = [c for c in read_notebook(path).cells if c.cell_type == "code"]
    assert hosted.is_install_cell(code[0]), f"{nb_id(path)}: no install cell: run `cookbook release {path.parent.name}`"
    assert code[0].source == hosted.install_cell_source(hosted.course_version(ROOT)), "run `cookbook release`"
    assert rules.PARAMETERS_TAG in code[1].metadata.get("tags", [])


# ------------------------------------------------------------------------------ what a hosted notebook needs
def _third_party_imports(source: str) -> set[str]:
    """Top-level modules a cell or module imports, except those imported under ``try: ... except ImportError``."""
    tree = ast.parse(source)
    optional = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                and any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                        for h in t.handlers) for s in t.body for n in ast.walk(s)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("helpers", "cookbook")}


def test_notebooks_and_helpers_import_only_what_hosted_notebooks_have():
    """The install cell adds the course with --no-deps: everything else the notebooks and ``helpers`` import must be
    preinstalled on a hosted notebook (:data:`cookbook.hosted.HOSTED_PACKAGES`)."""
    from importlib.metadata import packages_distributions

    from cookbook.audit import python_source

    distributions = packages_distributions()
    wanted = {}
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for module in _third_party_imports(path.read_text(encoding="utf-8")):
            wanted.setdefault(module, path.relative_to(ROOT))
    for path in RELEASED:
        for cell in read_notebook(path).cells:
            if cell.cell_type == "code" and not rules.is_solution(cell):
                for module in _third_party_imports(python_source(cell.source)):
                    wanted.setdefault(module, path.relative_to(ROOT))
    hosted_dists = {d.lower() for d in hosted.HOSTED_PACKAGES}
    missing = {m: str(where) for m, where in wanted.items()
               if not {d.lower() for d in distributions.get(m, [m])} & hosted_dists}
    assert not missing, f"imported but not preinstalled on hosted notebooks (HOSTED_PACKAGES): {missing}"


# ------------------------------------------------------------------------------------------- Colab links
def test_colab_links_come_from_the_repository_url():
    repo = hosted.repository_url(ROOT)
    assert hosted.colab_url(repo, "ch01_tensors", "01_setup_and_creating_tensors.ipynb") == (
        "https://colab.research.google.com/github/" + repo.removeprefix("https://github.com/")
        + "/blob/main/notebooks/ch01_tensors/01_setup_and_creating_tensors.ipynb")
    links = sum(len(v) for v in hosted.student_notebooks(ROOT).values())
    assert links == len(RELEASED) and hosted.readme_block(ROOT).count("colab.research.google.com/github/") == links


def test_readme_and_docs_links_are_in_sync():
    stale = hosted.out_of_date(ROOT)
    assert not stale, f"{', '.join(stale)} out of date: run `make colab-links` (python -m cookbook.hosted)"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/colab.md" in readme and "## Open in Colab" in readme
