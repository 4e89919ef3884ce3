"""``cookbook check``: a student's self-check, scored exactly the way the grader scores.

It runs nbgrader's own autograde steps on the student's notebook, without a gradebook:

1. restore every graded test cell from the record the release keeps in the notebook's metadata
   (like nbgrader's ``OverwriteCells``), telling the student which cells were edited or deleted;
2. execute with nbgrader's ``Execute`` preprocessor under the course's rules (grading environment,
   per-cell timeout), then ``IgnorePattern`` (known harmless warnings on stderr), ``LimitOutput`` and
   the course's ``LimitOutputSize``, as autograde does;
3. score each test cell with nbgrader's own ``determine_grade``.

So a notebook the self-check passes scores full marks on the visible tests when graded (hidden
tests run only then). The audit of ``cookbook grade`` runs too, so a student learns about a
construct that would be flagged for review before submitting. ``exercise=`` checks one exercise:
only the demo cells before it, its exercise cell and its test cell run.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import rules
from .audit import Flag, audit_notebook
from .nbfiles import read_notebook
from .problems import repair_duplicates


@dataclass
class CheckRow:
    """One graded test cell: its points, the score it gets, and why."""

    grade_id: str
    points: float
    score: float
    status: str  # passed | failed | not attempted | deleted
    message: str = ""


@dataclass
class CheckReport:
    """Everything the self-check found in one notebook."""

    notebook: str
    rows: list[CheckRow]
    notes: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.status == "passed" for r in self.rows)

    def to_json(self) -> str:
        data = {"notebook": self.notebook, "passed": self.passed, "seconds": round(self.seconds, 2),
                "score": sum(r.score for r in self.rows), "points": sum(r.points for r in self.rows),
                "rows": [asdict(r) for r in self.rows], "notes": self.notes, "flags": [asdict(f) for f in self.flags]}
        return json.dumps(data, indent=1)


# ------------------------------------------------------------------------------------------- the steps
def graded_record(nb: nbformat.NotebookNode) -> list[dict]:
    """The graded test cells the release recorded (or, for a notebook without that record, its own)."""
    record = nb.metadata.get("cookbook", {}).get("graded_cells")
    if record:
        return [dict(r) for r in record]
    return [{"grade_id": rules.nbgrader_metadata(c)["grade_id"], "points": rules.nbgrader_metadata(c).get("points", 0),
             "source": c.source} for c in nb.cells if rules.is_test(c)]


def restore_tests(nb: nbformat.NotebookNode, record: list[dict]) -> tuple[list[str], list[CheckRow]]:
    """Put the released source back into edited test cells; report edited and deleted ones."""
    notes, deleted = [], []
    cells = {rules.nbgrader_metadata(c).get("grade_id"): c for c in nb.cells if rules.is_test(c)}
    for entry in record:
        gid = entry["grade_id"]
        cell = cells.get(gid)
        if cell is None:
            deleted.append(CheckRow(gid, float(entry["points"]), 0.0, "deleted",
                                    "this test cell was deleted from the notebook; it scores 0 when graded. "
                                    "Copy it back from a fresh copy of the notebook"))
        elif cell.source != entry["source"]:
            cell.source = entry["source"]
            notes.append(f"{gid} was edited: the original test was run instead, as grading does "
                         "(test cells are locked; your changes to them never count)")
    return notes, deleted


def exercise_key(text: str) -> str:
    """``ex_2_1a`` from ``2.1a``, ``ex_2_1a``, ``ex_2_1a_code`` or ``ex_2_1a_tests``."""
    text = text.strip().lower()
    if m := re.fullmatch(r"(\d+)\.(\d+)([a-z])", text):
        return f"ex_{m[1]}_{m[2]}{m[3]}"
    return re.sub(r"_(code|tests)$", "", text)


def keep_one_exercise(nb: nbformat.NotebookNode, key: str) -> None:
    """Drop every cell that the exercise ``key`` does not need: other exercises and tests, and what follows it."""
    target = f"{key}_tests"
    ids = [rules.nbgrader_metadata(c).get("grade_id") for c in nb.cells]
    if target not in ids:
        known = sorted({exercise_key(g) for g in ids if g})
        raise ValueError(f"no exercise {key} in this notebook; exercises: {', '.join(known)}")
    end = ids.index(target)
    nb.cells = [c for i, c in enumerate(nb.cells[:end + 1])
                if not (rules.is_solution(c) or rules.is_test(c)) or exercise_key(ids[i] or "") == key]


def sandbox_note(environ: Mapping[str, str] | None = None) -> str:
    """'' when self-checks run in the grading sandbox, else why not (the check then runs unsandboxed)."""
    from . import sandbox

    if not rules.sandboxed(environ):
        return f"ran without the grading sandbox ({rules.SANDBOX_VARIABLE}=off)"
    why = sandbox.problem()
    return f"ran without the grading sandbox: {why}" if why else ""


def execute(nb: nbformat.NotebookNode, folder: Path, environ: Mapping[str, str] | None = None,
            sandboxed: bool = False) -> str:
    """Run the notebook with nbgrader's Execute, IgnorePattern and LimitOutput; '' or why it stopped.

    ``sandboxed``: in the grading sandbox, with the student's own data folder writable in it.
    """
    from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput
    from traitlets.config import Config

    config = Config()
    rules.apply_execution_rules(config, environ, sandbox=sandboxed)
    if sandboxed:
        from helpers.config import default_data_dir

        data = default_data_dir()
        data.mkdir(parents=True, exist_ok=True)
        config.SandboxedKernelManager.data_dir = str(data.resolve())
        config.SandboxedKernelManager.data_writable = True
    resources = {"metadata": {"path": str(folder)}}
    problem = ""
    try:
        Execute(config=config).preprocess(nb, resources)
    except Exception as exc:  # noqa: BLE001 - a dead kernel must not crash the check
        problem = f"the kernel stopped ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''})"
    from .preprocessors import LimitOutputSize, StderrIsNotAFailure

    for step in (IgnorePattern, LimitOutput, LimitOutputSize, StderrIsNotAFailure):
        step(config=config).preprocess(nb, resources)
    return problem


def _first_error(cell: nbformat.NotebookNode) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "")
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip():
            return "output on stderr", out["text"].strip().splitlines()[-1]
    return None


def _syntax_error(cell: nbformat.NotebookNode) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error" and out.get("ename") in ("SyntaxError", "IndentationError", "TabError"):
            # evalue is e.g. "expected ':' (3040635683.py, line 1)": name the line of the cell instead
            evalue = out.get("evalue", "")
            line = re.search(r"\(\S*, line (\d+)\)$", evalue)
            message = re.sub(r"\s*\(\S*, line \d+\)$", "", evalue)
            return f"{out['ename']}: {message}" + (f" (line {line[1]} of the cell)" if line else "")
    return ""


def score_rows(nb: nbformat.NotebookNode) -> list[CheckRow]:
    """Score each graded test cell of an executed notebook with nbgrader's own rule."""
    from nbgrader.utils import determine_grade

    solutions = {exercise_key(rules.nbgrader_metadata(c)["grade_id"]): c for c in nb.cells if rules.is_solution(c)}
    rows = []
    for cell in nb.cells:
        if not rules.is_test(cell):
            continue
        gid = rules.nbgrader_metadata(cell)["grade_id"]
        score, points = determine_grade(cell)
        score = float(score or 0.0)
        if score >= points:
            rows.append(CheckRow(gid, points, score, "passed"))
            continue
        solution = solutions.get(exercise_key(gid))
        solution_error = _first_error(solution) if solution is not None else None
        syntax = _syntax_error(solution) if solution is not None else ""
        error = _first_error(cell)
        if syntax:
            rows.append(CheckRow(gid, points, score, "failed", f"the exercise cell above has an error: {syntax}"))
        elif solution_error and solution_error[0] == "NotImplementedError" or (error and error[0] == "NotImplementedError"):
            rows.append(CheckRow(gid, points, score, "not attempted", "solve the exercise cell above it"))
        elif error and error[0] == rules.TIMEOUT_ERROR:
            rows.append(CheckRow(gid, points, score, "failed", error[1]))
        elif error:
            rows.append(CheckRow(gid, points, score, "failed", f"{error[0]}: {error[1]}"))
        elif not cell.get("outputs") and cell.get("execution_count") is None:
            rows.append(CheckRow(gid, points, score, "failed", "the cell did not run (the kernel stopped before it)"))
        else:
            rows.append(CheckRow(gid, points, score, "failed", f"scored {score:g} of {points:g} points"))
    return rows


# ------------------------------------------------------------------------------------------- public
def self_check(path: Path, exercise: str | None = None, environ: Mapping[str, str] | None = None) -> CheckReport:
    """Check one notebook as the grader would (visible tests only); see the module docstring."""
    start = time.perf_counter()
    path = Path(path)
    nb = read_notebook(path)
    flags = audit_notebook(nb, None, "")
    record = graded_record(nb)
    repaired = [p.message for p in repair_duplicates(nb)]
    notes, deleted = restore_tests(nb, record)
    notes = repaired + notes
    key = exercise_key(exercise) if exercise else None
    if key:
        keep_one_exercise(nb, key)
        deleted = [r for r in deleted if exercise_key(r.grade_id) == key]
        notes = [n for n in notes if exercise_key(n.split(" ")[0]) == key]
    why_not = sandbox_note(environ)
    problem = execute(nb, path.parent.resolve(), environ, sandboxed=not why_not)
    if why_not:
        notes.append(why_not)
    if problem:
        notes.append(problem)
    rows = score_rows(nb) + deleted
    order = {r["grade_id"]: i for i, r in enumerate(record)}
    rows.sort(key=lambda r: order.get(r.grade_id, len(order)))
    return CheckReport(str(path), rows, notes, flags, time.perf_counter() - start)
