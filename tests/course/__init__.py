"""Tests of the course content; the notebook lists are computed once, at collection."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("ch*/[0-9]*.ipynb"))
RELEASED = sorted((ROOT / "notebooks").glob("ch*/[0-9]*.ipynb"))
CHAPTERS = sorted({p.parent.name for p in SOLUTIONS})


def released_of(solution: Path) -> Path:
    """The student edition of a solution notebook."""
    return ROOT / "notebooks" / solution.parent.name / solution.name


def nb_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"
