"""Shared test set-up: offline, CPU, smoke profile, isolated Jupyter state per xdist worker."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "tests"

# Every kernel the tests start (papermill, nbclient, nbgrader) inherits these.
os.environ.update({
    "COOKBOOK_PROFILE": "smoke",
    "COOKBOOK_DATA": "synthetic",
    "COOKBOOK_DEVICE": "cpu",
    "COOKBOOK_DATA_DIR": str(ROOT / "build" / "test-data"),
    "MPLBACKEND": "agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
})
# Kernel start-up under pytest-xdist: give each worker its own runtime dir (connection files)
# and IPython dir, so parallel kernels never share files; helpers.notebooks.execute retries a
# kernel that fails to start, and nbgrader's Execute.execute_retries does the same for grading.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
for var, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
    path = BUILD / "jupyter" / _WORKER / sub
    path.mkdir(parents=True, exist_ok=True)
    os.environ[var] = str(path)


def solution_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "solutions").glob("ch*/[0-9]*.ipynb"))


def released_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("ch*/[0-9]*.ipynb"))


def nb_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the course (solutions, notebooks, nbgrader config) for nbgrader runs."""
    dest = tmp_path / "course"
    dest.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", dest)
    for edition in ("solutions", "notebooks"):
        shutil.copytree(ROOT / edition, dest / edition, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest
