"""``cookbook release``: the student edition ``notebooks/`` generated from ``solutions/``.

nbgrader's ``generate_assignment`` strips solutions and hidden tests; then each released notebook
is stored like the sources (normalised JSON) and records its graded test cells (grade_id, points,
checksum, source) in its metadata under ``cookbook.graded_cells``. That record lets ``cookbook
check`` restore an edited test cell and notice a deleted one, the way the grader does, even where
no ``solutions/`` folder exists (a student bundle).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import nbformat

from . import rules
from .course import chapters
from .nbfiles import normalise, read_notebook, write_notebook
from .nbgrader_app import run_nbgrader


def graded_cells(nb: nbformat.NotebookNode) -> list[dict]:
    """The record of a released notebook's graded test cells, in notebook order."""
    return [{"grade_id": meta["grade_id"], "points": meta.get("points", 0), "checksum": meta.get("checksum", ""),
             "source": cell.source}
            for cell in nb.cells if rules.is_test(cell) for meta in [rules.nbgrader_metadata(cell)]]


def format_release(folder: Path) -> None:
    """Store released notebooks like the sources, with the record of their graded cells."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = read_notebook(path)
        nb.metadata["cookbook"] = {"graded_cells": graded_cells(nb)}
        write_notebook(normalise(nb), path)


def release(root: Path, selected: Iterable[str] = ()) -> list[str]:
    """Regenerate ``notebooks/<chapter>`` from ``solutions/<chapter>`` with nbgrader generate_assignment."""
    names = list(selected) or chapters(root)
    for name in names:
        if not (root / "solutions" / name).is_dir():
            raise ValueError(f"no chapter solutions/{name}; chapters: {', '.join(chapters(root))}")
        proc = run_nbgrader(["generate_assignment", name, "--force"], root)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}\n{proc.stderr}")
        out = root / "notebooks" / name
        for stale in out.glob("*.ipynb"):  # nbgrader keeps deleted notebooks around: drop them
            if not (root / "solutions" / name / stale.name).exists():
                stale.unlink()
        format_release(out)
    return names
