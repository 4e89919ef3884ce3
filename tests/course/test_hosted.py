"""Where students and maintainers already are: a hosted notebook (Colab-like), and CI in the open (GitHub Actions).

A student notebook opened in a bare hosted notebook: its first cell installs the course, the rest runs.

The hosted-like environment is a fresh virtual environment (``python -m venv --without-pip``, no system site
packages) that sees only what such hosts preinstall: :data:`HOST` and the packages they depend on, exposed by
symbolic links into its ``site-packages`` from the course's own environment (installing them offline would take
minutes; links are instant, and a package that is not linked does not exist in there: no ``helpers``, ``cookbook``,
``nbgrader``, ``papermill``, ``jupyterlab``). The test builds the course's wheel (as ``cookbook bundle`` does), then
executes the committed student edition of one notebook in a kernel of that environment, with ``COOKBOOK_WHEEL``
pointing at the wheel and ``COOKBOOK_PIP_OPTIONS=--no-index`` (offline): the install cell must install the course,
every later cell must run, and only exercise and test cells may fail (the exercises are unsolved).
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cookbook import rules
from cookbook.bundle import build_wheel
from cookbook.hosted import PACKAGE, course_version, is_install_cell
from tests.course import ROOT

pytestmark = pytest.mark.xdist_group("hosted")
#: What a hosted notebook preinstalls (and the course relies on); pip runs the install cell.
HOST = ("torch", "torchvision", "numpy", "matplotlib", "tqdm", "ipykernel", "pip")
NOTEBOOK = ROOT / "notebooks" / "ch01_tensors" / "01_setup_and_creating_tensors.ipynb"


def closure(names: tuple[str, ...]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions ``names`` and everything they require (extras left out), by canonical name."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        found[name] = dist = importlib.metadata.distribution(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def expose(dists, site: Path) -> list[str]:
    """Link every top-level file and folder of ``dists`` (packages, modules, ``.dist-info``, ``.libs``) into ``site``."""
    linked = []
    for dist in dists:
        for top in sorted({Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}):
            source = Path(dist.locate_file(top))
            if source.exists() and not (site / top).exists() and not top.endswith(".pth") and top != "__pycache__":
                (site / top).symlink_to(source)
                linked.append(top)
    return linked


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Path:
    """The hosted-like environment: its Python."""
    env = tmp_path_factory.mktemp("host") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    dists = closure(HOST)
    assert canonicalize_name(PACKAGE) not in dists and "nbgrader" not in dists
    expose(dists.values(), site)
    return python


def test_the_host_has_torch_but_not_the_course(host, tmp_path):
    probe = ("import importlib.util as u; print([m for m in ('torch', 'torchvision', 'ipykernel', 'pip', 'helpers', "
             "'cookbook', 'nbgrader', 'papermill', 'jupyterlab', 'sklearn') if u.find_spec(m)])")
    out = subprocess.run([str(host), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120,
                         env={**os.environ, "PYTHONNOUSERSITE": "1", "PYTHONPATH": ""})
    assert out.stdout.strip() == "['torch', 'torchvision', 'ipykernel', 'pip']"


def test_a_student_notebook_installs_the_course_and_runs(host, tmp_path):
    wheel = build_wheel(ROOT, tmp_path / "wheels")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert is_install_cell(code[0]) and rules.PARAMETERS_TAG in code[1].metadata.get("tags", []), \
        "the student edition starts with the install cell: run `cookbook release`"
    nb.cells.append(nbformat.v4.new_code_cell(
        "import importlib.metadata, helpers\nprint(helpers.__file__)\nprint(importlib.metadata.version('pytorch-cookbook-lab'))"))
    kernels = tmp_path / "kernels"
    (kernels / "host").mkdir(parents=True)
    spec = {"argv": [str(host), "-m", "ipykernel_launcher", "-f", "{connection_file}", rules.KERNEL_QUIET],
            "display_name": "hosted-like", "language": "python",
            "env": {"COOKBOOK_WHEEL": str(wheel), "COOKBOOK_PIP_OPTIONS": "--no-index", "PYTHONNOUSERSITE": "1",
                    "PYTHONPATH": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}}
    (kernels / "host" / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(kernel_name="host", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    work = tmp_path / "work"
    work.mkdir()
    NotebookClient(nb, km=km, timeout=300, allow_errors=False, resources={"metadata": {"path": str(work)}}).execute()

    install = next(c for c in nb.cells if c.cell_type == "code")
    text = "".join(o.get("text", "") for o in install.outputs)
    assert f"installed {wheel}" in text, install.outputs
    failures = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            failures.append(f"cell {i} did not run")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and not (rules.is_solution(cell) or rules.is_test(cell)):
            failures.append(f"cell {i} failed: {errors[0].ename}: {errors[0].evalue}\n{cell.source[:200]}")
    assert not failures, "\n".join(failures)
    assert any(o.output_type == "error" for c in nb.cells if rules.is_test(c) for o in c.outputs), \
        "the exercises are unsolved: their tests fail"
    where, version = "".join(o.get("text", "") for o in nb.cells[-1].outputs).split()
    assert Path(where).is_relative_to(host.parent.parent) and version == course_version(ROOT)


# ------------------------------------------------------------------------------------------ CI in the open
def _workflow(name: str) -> dict:
    import yaml

    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_ci_runs_the_ci_script_on_every_push_and_pull_request_with_cached_pip_downloads():
    ci = _workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"]) and ci["on"]["push"] is None, "every push, no branch filter"
    steps = _steps(ci)
    assert any(s.get("run", "").strip() == ".ci/run" for s in steps)
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip" and "requirements.lock" in python["with"]["cache-dependency-path"]
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_the_real_data_workflow_is_weekly_and_runs_the_make_target():
    real = _workflow("real-data.yml")
    assert real["on"]["schedule"][0]["cron"].split()[-1] in "0123456" and "workflow_dispatch" in real["on"]
    run = " ".join(s.get("run", "") for s in _steps(real))
    assert "make real-data" in run and "REQUIRE=1" in run
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nreal-data:" in makefile and "scripts/real_data.py" in makefile and "\ncolab-links:" in makefile


def test_publishing_a_tag_builds_the_wheel_the_install_cell_installs():
    publish = _workflow("publish.yml")
    assert publish["on"]["push"]["tags"] == ["v*"]
    run = " ".join(s.get("run", "") for s in _steps(publish))
    assert "build_wheel" in run and "helpers/__init__.py" in run


def test_offline_the_real_data_run_says_what_it_cannot_do(monkeypatch, capsys):
    """Exit 0 (nothing was asked for explicitly), or 1 with --require; nothing is downloaded or run."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("real_data", ROOT / "scripts" / "real_data.py")
    real_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real_data)
    monkeypatch.setattr(real_data, "online", lambda: (False, "mirror.example"))
    monkeypatch.setattr(real_data, "cookbook", lambda *a: pytest.fail(f"ran cookbook {a} offline"))
    monkeypatch.delenv("COOKBOOK_REQUIRE_REAL_DATA", raising=False)
    assert real_data.main(["ch01"]) == 0
    out = capsys.readouterr().out
    assert "no internet (mirror.example" in out and "Nothing was downloaded or run" in out and "fashion_mnist" in out
    assert real_data.main(["--require", "ch01"]) == 1
    assert "real data was asked for" in capsys.readouterr().out
