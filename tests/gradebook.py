"""Reading what grading wrote, for tests: the exported grades CSV and the gradebook's notebook scores."""
from __future__ import annotations

import csv
from pathlib import Path


def read_grades(csv_path: Path) -> list[dict[str, str]]:
    """Rows of an exported grades CSV."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def notebook_scores(root: Path, student: str, assignment: str) -> dict[str, tuple[float, float]]:
    """``{notebook: (score, max_score)}`` for one graded submission, read from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission(assignment, student)
        return {nb.name: (float(nb.score), float(nb.max_score)) for nb in sub.notebooks}
