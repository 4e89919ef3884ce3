"""Shared test set-up: the grading environment (offline, CPU, smoke), isolated Jupyter state per
xdist worker, and fixtures for course copies and the mini course."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cookbook import rules

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "tests"

# Every kernel the tests start (papermill, nbclient, nbgrader) inherits the grading environment:
# the same settings nbgrader_config.py gives the grader's kernels (cookbook.rules).
os.environ.update(rules.grading_environment())
os.environ.update({"COOKBOOK_DATA_DIR": str(ROOT / "build" / "test-data"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
# Kernel start-up under pytest-xdist: each worker gets its own runtime dir (connection files) and
# IPython dir, so parallel kernels never share files; cookbook.execute retries a kernel that fails
# to start, and nbgrader's Execute.execute_retries does the same for grading.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
for var, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
    path = BUILD / "jupyter" / _WORKER / sub
    path.mkdir(parents=True, exist_ok=True)
    os.environ[var] = str(path)


def pytest_configure(config):
    """`COOKBOOK_TEST_DEVICE=cuda` (`make test DEVICE=cuda`) without a GPU stops the run: never test the CPU silently."""
    device = os.environ.get("COOKBOOK_TEST_DEVICE", "")
    if device and device not in ("cuda", "mps"):
        pytest.exit(f"COOKBOOK_TEST_DEVICE={device!r}: use cuda or mps (the CPU is what the suite tests anyway)", 2)
    if device:
        import torch

        available = torch.cuda.is_available() if device == "cuda" else torch.backends.mps.is_available()
        if not available:
            pytest.exit(f"DEVICE={device} was asked for, but PyTorch sees no {device} device on this machine "
                        f"(torch {torch.__version__}); run `make test` without DEVICE for the CPU suite", 2)


@pytest.fixture(scope="session")
def root() -> Path:
    """The course checkout under test."""
    return ROOT


@pytest.fixture(scope="session")
def copy_course():
    """Function ``copy_course(dest, chapters=None)``: a throwaway copy of the course for nbgrader runs."""
    return _copy_course


def _copy_course(dest: Path, chapters: list[str] | None = None) -> Path:
    """Copy the course's nbgrader config and both editions (all chapters, or ``chapters``) to ``dest``."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", dest)
    for edition in ("solutions", "notebooks"):
        (dest / edition).mkdir()
        for chapter in chapters or [p.name for p in (ROOT / edition).iterdir() if p.is_dir() and p.name.startswith("ch")]:
            shutil.copytree(ROOT / edition / chapter, dest / edition / chapter,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


@pytest.fixture
def mini_course(tmp_path: Path):
    """Factory: ``mini_course(with_helpers=True)`` writes the two-exercise mini course and returns its root."""
    from tests.corpus.minicourse import make_course

    def make(with_helpers: bool = True, name: str = "course") -> Path:
        return make_course(tmp_path / name, with_helpers=with_helpers)

    return make
