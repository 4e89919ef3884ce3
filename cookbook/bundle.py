"""``cookbook bundle``: what an instructor hands to a class, with no solutions in it.

The bundle holds the student edition (``notebooks/``), the course's Python packages as a wheel
(``helpers``, which the notebooks import, and ``cookbook``, for ``cookbook check``; nothing from
``solutions/``), the pinned requirements, a conda environment file and a short student README.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .checkout import chapters

README = """# PyTorch Cookbook Lab — student edition

Chapter notebooks that teach PyTorch recipe by recipe, with auto-graded exercises.

## Install (once)

    python3.11 -m venv .venv
    .venv/bin/pip install -r requirements.txt {wheel}

(conda: `conda env create -f environment.yml && conda activate pytorch-cookbook-lab`)

Check the set-up (versions, the device and CPU threads notebooks will use, the data folder):

    .venv/bin/cookbook doctor

## Work

    .venv/bin/jupyter lab notebooks/

Solve each cell marked `YOUR CODE HERE`, then run the test cell below it: silence means it passed,
a failure says what was expected and what your code gave. *Run All* runs every demo even when
exercises are unsolved. Check a notebook (or one exercise) the way your instructor's grader will:

    .venv/bin/cookbook check notebooks/ch01_tensors/01_setup_and_creating_tensors.ipynb
    .venv/bin/cookbook check notebooks/ch01_tensors/01_setup_and_creating_tensors.ipynb --exercise 1.2a

Hidden tests with other inputs run when your work is graded, so solve the general task. Without the
real data sets (offline), notebooks use stand-in data and say so in a banner.

Chapters: {chapters}
"""


# What the wheel is built from: the packaging metadata and the two packages, nothing else.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "helpers", "cookbook")


def build_wheel(root: Path, dest: Path) -> Path:
    """Build the course's wheel (``helpers`` + ``cookbook``) into ``dest``; return its path.

    The build runs on a private copy of the sources: setuptools writes ``build/`` and ``*.egg-info``
    beside the sources, and a stale or concurrently written ``build/`` in the checkout would break the
    build (or leak old files into the wheel).
    """
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cookbook-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in WHEEL_SOURCES:
            if (root / name).is_dir():
                shutil.copytree(root / name, src / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
            else:
                shutil.copy2(root / name, src / name)
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                               "-w", str(dest), str(src)], capture_output=True, text=True)
    wheels = sorted(dest.glob("pytorch_cookbook_lab-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise RuntimeError(f"building the course wheel failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return wheels[-1]


def _requirements(root: Path) -> str:
    """The pinned dependencies (the lock file), without the course itself (the wheel replaces it)."""
    lines = [line for line in (root / "requirements.lock").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#") and not line.lower().startswith("pytorch-cookbook-lab")]
    return "# Pinned dependencies of the course (from requirements.lock)\n" + "\n".join(lines) + "\n"


def _environment_yml(root: Path, wheel: str) -> str:
    text = (root / "environment.yml").read_text(encoding="utf-8")
    return text.replace("- -e .", f"- ./wheels/{wheel}")


def build_bundle(root: Path, output: Path, archive: bool = True) -> Path:
    """Write the student bundle into ``output`` (replaced if present); return the folder, or the zip."""
    if output.exists():
        shutil.rmtree(output)
    (output / "notebooks").mkdir(parents=True)
    names = chapters(root, "notebooks")
    if not names:
        raise FileNotFoundError(f"{root / 'notebooks'} has no chapters: run `cookbook release` first")
    for name in names:
        shutil.copytree(root / "notebooks" / name, output / "notebooks" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.pyc", "__pycache__"))
    wheel = build_wheel(root, output / "wheels")
    (output / "requirements.txt").write_text(_requirements(root), encoding="utf-8")
    (output / "environment.yml").write_text(_environment_yml(root, wheel.name), encoding="utf-8")
    (output / "README.md").write_text(README.format(wheel=f"wheels/{wheel.name}", chapters=", ".join(names)),
                                      encoding="utf-8")
    if not archive:
        return output
    zip_path = output.with_suffix(".zip")
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(output.rglob("*")):
            if path.is_file():
                zf.write(path, Path(output.name) / path.relative_to(output))
    return zip_path
