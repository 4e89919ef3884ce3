"""The course checkout on disk: its root, its chapters and their notebooks (not to be confused with
``helpers.config.Course``, the run settings of one notebook)."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

EDITIONS = ("solutions", "notebooks")


def course_root() -> Path:
    """The course checkout: ``COOKBOOK_ROOT`` if set, else the folder holding this package.

    Raises ``FileNotFoundError`` (with what to do) when that folder has no ``solutions/``.
    """
    env = os.environ.get("COOKBOOK_ROOT")
    root = Path(env) if env else Path(__file__).resolve().parent.parent
    if not (root / "solutions").is_dir():
        raise FileNotFoundError(f"{root} is not a course checkout (no solutions/ folder); "
                                "run from the course folder or set COOKBOOK_ROOT")
    return root


def chapters(root: Path, edition: str = "solutions") -> list[str]:
    """Chapter (nbgrader assignment) names present in ``root/edition``, sorted."""
    base = root / edition
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("ch")
                  and any(p.glob("*.ipynb")))


def notebooks_of(root: Path, chapter: str, edition: str = "solutions") -> list[Path]:
    """The numbered notebooks of one chapter, in order."""
    return sorted((root / edition / chapter).glob("[0-9]*.ipynb"))


def resolve_chapters(root: Path, selected: Iterable[str] = (), edition: str = "solutions") -> list[str]:
    """Chapter names for a selection of names or prefixes (``ch01_tensors``, ``ch01``, ``1``); all when empty.

    Raises ``ValueError`` naming the chapters there are when a selection matches none.
    """
    all_chapters = chapters(root, edition)
    picked: list[str] = []
    for sel in selected or all_chapters:
        key = f"ch{int(sel):02d}" if str(sel).isdigit() else str(sel)
        hits = [c for c in all_chapters if c.startswith(key)]
        if not hits:
            raise ValueError(f"no chapter matches {sel!r}; chapters: {', '.join(all_chapters)}")
        picked.extend(c for c in hits if c not in picked)
    return picked


def chapter_notebooks(root: Path, selected: Iterable[str] = (), edition: str = "solutions") -> list[Path]:
    """Notebooks of the selected chapters (all when empty).

    A selection may be a chapter name, its prefix (``ch01``, ``1``) or a notebook path.
    """
    picked: list[Path] = []
    for sel in selected or chapters(root, edition):
        p = Path(sel)
        if p.suffix == ".ipynb":
            if not p.is_file():
                raise FileNotFoundError(f"no notebook {p}")
            picked.append(p)
            continue
        for c in resolve_chapters(root, [sel], edition):
            picked.extend(notebooks_of(root, c, edition))
    return picked
