"""Reading a solutions notebook's cells for the claim tests (tests/course/test_claims_*.py): string checks on
the notebook source, so a computed claim cannot silently go back to a hard-coded number."""
from __future__ import annotations

import json
from pathlib import Path


def cells(path: Path, kind: str) -> list[str]:
    """The sources of the notebook's cells of type ``kind`` (``"markdown"`` or ``"code"``)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in notebook["cells"] if c["cell_type"] == kind]


def prose(path: Path) -> str:
    """All markdown of the notebook, whitespace collapsed (so line breaks do not hide a phrase)."""
    return " ".join(" ".join(cells(path, "markdown")).split())


def code_cell(path: Path, *needles: str) -> str:
    """The one code cell that contains every needle (fails if none does)."""
    found = [c for c in cells(path, "code") if all(n in c for n in needles)]
    assert found, f"{path.name}: no code cell contains all of {needles}"
    return found[0]


def grade_cell(path: Path, grade_id: str) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for c in notebook["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
    raise AssertionError(f"{path.name}: no cell with grade_id {grade_id}")


def exercise_text(path: Path, label: str) -> str:
    """The markdown cell that states exercise ``label`` (e.g. ``"2.6c"``), whitespace collapsed."""
    found = [" ".join(c.split()) for c in cells(path, "markdown") if f"**Exercise {label}" in c]
    assert found, f"{path.name}: no markdown cell states exercise {label}"
    return found[0]
