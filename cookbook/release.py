"""``cookbook release``: the student edition ``notebooks/`` generated from ``solutions/``.

nbgrader's ``generate_assignment`` strips solutions and hidden tests; then each released notebook
starts with the install cell of :mod:`cookbook.hosted` (it installs the course's package where it is missing,
e.g. in Colab, and does nothing elsewhere; ungraded, no nbgrader metadata), is stored like the sources
(normalised JSON) and records its graded test cells (grade_id, points, checksum, source) in its metadata
under ``cookbook.graded_cells``. That record lets ``cookbook check`` restore an edited test cell and notice
a deleted one, the way the grader does, even where no ``solutions/`` folder exists (a student bundle).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import nbformat

from . import rules
from .checkout import chapters
from .hosted import add_install_cell, course_version
from .nbfiles import normalise, read_notebook, write_notebook
from .nbgrader_app import run_nbgrader


def graded_cells(nb: nbformat.NotebookNode) -> list[dict]:
    """The record of a released notebook's graded test cells, in notebook order."""
    return [{"grade_id": meta["grade_id"], "points": meta.get("points", 0), "checksum": meta.get("checksum", ""),
             "source": cell.source}
            for cell in nb.cells if rules.is_test(cell) for meta in [rules.nbgrader_metadata(cell)]]


def format_release(folder: Path, version: str | None = None) -> None:
    """Store released notebooks like the sources, with the install cell (pinned to ``version``, default: the course
    version) and the record of their graded cells."""
    version = version or course_version()
    for path in sorted(folder.glob("*.ipynb")):
        nb = add_install_cell(read_notebook(path), version)
        nb.metadata["cookbook"] = {"graded_cells": graded_cells(nb)}
        write_notebook(normalise(nb), path)


def release(root: Path, selected: Iterable[str] = (), into: Path | None = None) -> list[str]:
    """Regenerate ``notebooks/<chapter>`` from ``solutions/<chapter>`` with nbgrader generate_assignment.

    ``into`` releases into another folder (``<into>/<chapter>``) and leaves ``notebooks/`` alone: grading uses
    it to fill the gradebook with the graded cells without rewriting the tracked student edition.
    """
    names = list(selected) or chapters(root)
    for name in names:
        if not (root / "solutions" / name).is_dir():
            raise ValueError(f"no chapter solutions/{name}; chapters: {', '.join(chapters(root))}")
        extra = [f"--CourseDirectory.release_directory={Path(into).resolve()}"] if into else []
        proc = run_nbgrader(["generate_assignment", name, "--force", *extra], root)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}\n{proc.stderr}")
        out = (Path(into).resolve() if into else root / "notebooks") / name
        for stale in out.glob("*.ipynb"):  # nbgrader keeps deleted notebooks around: drop them
            if not (root / "solutions" / name / stale.name).exists():
                stale.unlink()
        format_release(out, course_version(root))
    return names
