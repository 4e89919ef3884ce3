"""What grading had to do about a submission, as data: :class:`Problem`, and the repairs that make one.

Problems are reported in the CSV (``problems``), the feedback (per notebook) and the summary table; the
self-check reports the same repairs, so a student sees them before submitting.
"""
from __future__ import annotations

from dataclasses import dataclass

import nbformat

from . import rules

#: What a :class:`Problem` can be.
PROBLEM_KINDS = ("missing", "invalid", "duplicate-cell", "timeout", "dead-kernel", "not-run", "not-graded",
                 "autograde-failed", "retried", "submission-timeout")


@dataclass(frozen=True)
class Problem:
    """Something grading had to do about a submission, or could not: where (``notebook``, '' for the whole
    chapter), which ``kind`` (:data:`PROBLEM_KINDS`) and what it means for the student."""

    notebook: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.notebook}: {self.message}" if self.notebook else self.message



def repair_duplicates(nb: nbformat.NotebookNode, name: str = "") -> list[Problem]:
    """Make every ``grade_id`` appear once, in place: nbgrader would otherwise drop the whole notebook.

    A copied test cell (same ``grade_id``) is removed: grading restores the released test anyway. A copied
    exercise cell keeps running, in its place, as an ordinary cell: the first copy is the graded one, and
    the student's code in either copy runs as written.
    """
    seen: set[str] = set()
    problems, cells = [], []
    for cell in nb.cells:
        gid = rules.nbgrader_metadata(cell).get("grade_id")
        if gid is None or gid not in seen:
            seen.add(gid)
            cells.append(cell)
            continue
        if rules.is_test(cell):
            problems.append(Problem(name, "duplicate-cell", f"the test cell {gid} appeared more than once (a copied "
                                                            "cell?); it was graded once and the copy removed"))
            continue
        cell.metadata.pop("nbgrader", None)
        problems.append(Problem(name, "duplicate-cell", f"the exercise cell {gid} appeared more than once (a copied "
                                                        "cell?); the first copy is graded, the others ran as "
                                                        "ordinary cells"))
        cells.append(cell)
    nb.cells = cells
    return problems
