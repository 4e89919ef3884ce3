"""nbgrader-based pipelines: releasing the student edition, a student's self-check, class grading."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat

from .notebooks import chapters, normalise, write_notebook


def nbgrader(args: list[str], root: Path, env: dict[str, str] | None = None,
             timeout: int | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in the course root (its nbgrader_config.py applies).

    The interpreter's folder goes first on PATH: nbgrader runs the ``alembic`` executable of its
    environment to set up the gradebook, which a non-activated virtual environment would not find.
    """
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, **(env or {})}, timeout=timeout)


# --------------------------------------------------------------------------------------------- release
def format_release(folder: Path) -> None:
    """Store released notebooks like the sources: sorted 1-space JSON, no volatile metadata."""
    for path in sorted(folder.glob("*.ipynb")):
        write_notebook(normalise(nbformat.read(path, as_version=4)), path)


def release(root: Path, selected: Iterable[str] = ()) -> list[str]:
    """Regenerate ``notebooks/<chapter>`` from ``solutions/<chapter>`` with nbgrader generate_assignment."""
    names = list(selected) or chapters(root)
    for name in names:
        if not (root / "solutions" / name).is_dir():
            raise ValueError(f"no chapter solutions/{name}; chapters: {', '.join(chapters(root))}")
        proc = nbgrader(["generate_assignment", name, "--force"], root)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}\n{proc.stderr}")
        out = root / "notebooks" / name
        for stale in out.glob("*.ipynb"):  # nbgrader keeps deleted notebooks around: drop them
            if not (root / "solutions" / name / stale.name).exists():
                stale.unlink()
        format_release(out)
    return names


# ------------------------------------------------------------------------------------------ self-check
@dataclass
class CheckRow:
    """One graded test cell of a self-checked notebook."""

    grade_id: str
    points: float
    status: str  # passed | failed | not attempted
    message: str = ""


def _error_text(cell: nbformat.NotebookNode) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "")
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip():
            return "stderr output", out["text"].strip().splitlines()[-1]
    return None


def self_check(path: Path, profile: str = "smoke", data: str = "synthetic", device: str = "cpu",
               timeout: int = 600) -> list[CheckRow]:
    """Execute a notebook (errors allowed) and report every visible test cell as passed or failed."""
    from nbclient import NotebookClient

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path} as a notebook ({exc}); is it a saved .ipynb file?") from None
    env = {**os.environ, "COOKBOOK_PROFILE": profile, "COOKBOOK_DATA": data, "COOKBOOK_DEVICE": device,
           "MPLBACKEND": "agg"}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    rows: list[CheckRow] = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        err = _error_text(cell)
        gid, points = meta.get("grade_id", "?"), float(meta.get("points", 0))
        if err and err[0] == "NotImplementedError":
            rows.append(CheckRow(gid, points, "not attempted", "solve the exercise above it"))
        elif err:
            rows.append(CheckRow(gid, points, "failed", f"{err[0]}: {err[1]}"))
        else:
            rows.append(CheckRow(gid, points, "passed"))
    return rows


# ----------------------------------------------------------------------------------------- class grade
@dataclass
class StudentResult:
    """What grading did with one student's submission of one assignment."""

    student: str
    assignment: str
    ok: bool
    seconds: float
    problems: list[str] = field(default_factory=list)


def find_submissions(submissions: Path, assignments: Iterable[str]) -> list[tuple[str, str, Path]]:
    """``(student, assignment, folder)`` for every ``SUBMISSIONS/<student>/<assignment>/`` folder."""
    wanted = set(assignments)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder; expected SUBMISSIONS/<student>/<assignment>/*.ipynb "
                                "(the layout of nbgrader's submitted/ folder)")
    found = []
    for student in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student.iterdir() if p.is_dir() and p.name in wanted):
            found.append((student.name, folder.name, folder))
    return found


def _validate_notebooks(folder: Path, release_dir: Path, expected: list[str]) -> list[str]:
    """Replace each missing or unreadable notebook by the untouched student edition (which scores 0),
    so the gradebook records every notebook of every student; returns what was replaced and why."""
    problems = []
    for name in expected:
        path = folder / name
        reason = ""
        if not path.exists():
            reason = "missing"
        else:
            try:
                nbformat.validate(nbformat.read(path, as_version=4))
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is reported, never fatal
                reason = f"not a valid notebook ({type(exc).__name__})"
                shutil.move(str(path), str(path.with_name(path.name + ".invalid")))
        if reason:
            shutil.copy2(release_dir / name, path)
            problems.append(f"{name}: {reason}; graded as the blank student edition (0 points)")
    return problems


def grade_class(root: Path, submissions: Path, assignments: Iterable[str] = (), jobs: int | None = None,
                out_csv: Path | None = None, feedback: bool = True, log=print) -> list[StudentResult]:
    """Import, autograde (in parallel), generate feedback and export grades for a whole class.

    Submissions are copied into ``<root>/submitted/<student>/<assignment>/`` (a previous copy is
    kept as ``submitted/.../.previous-<time>``), autograded with nbgrader's own per-cell timeout,
    and the gradebook (``gradebook.db``) is exported to ``out_csv`` (written atomically; an older
    file is kept as ``.bak``). One bad submission is reported, never fatal.
    """
    names = list(assignments) or chapters(root)
    release(root, names)  # populates the gradebook with the assignments' grade cells
    expected = {a: sorted(p.name for p in (root / "solutions" / a).glob("*.ipynb")) for a in names}
    results: dict[tuple[str, str], StudentResult] = {}
    tasks = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for student, assignment, folder in find_submissions(submissions, names):
        dest = root / "submitted" / student / assignment
        if dest.exists():
            shutil.move(str(dest), str(dest.parent / f".previous-{assignment}-{stamp}"))
        shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        if not (dest / "timestamp.txt").exists():
            (dest / "timestamp.txt").write_text(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        problems = _validate_notebooks(dest, root / "notebooks" / assignment, expected[assignment])
        results[(student, assignment)] = StudentResult(student, assignment, True, 0.0, problems)
        tasks.append((student, assignment))
    if not tasks:
        raise ValueError(f"no submissions found under {submissions} for {', '.join(names)}")
    jobs = jobs or max(1, os.cpu_count() or 1)

    def run(task: tuple[str, str]) -> None:
        student, assignment = task
        res = results[task]
        start = time.perf_counter()
        proc = nbgrader(["autograde", assignment, "--student", student, "--force"], root)
        if proc.returncode != 0 and "database is locked" in proc.stdout + proc.stderr:
            proc = nbgrader(["autograde", assignment, "--student", student, "--force"], root)
        res.seconds = time.perf_counter() - start
        if proc.returncode != 0:
            res.ok = False
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            res.problems.append("autograde failed: " + " | ".join(tail))
        log(f"graded {student}/{assignment} in {res.seconds:.1f}s" + ("" if res.ok else " (with problems)"))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, tasks))
    if feedback:
        for assignment in names:
            proc = nbgrader(["generate_feedback", assignment, "--force"], root)
            if proc.returncode != 0:
                log(f"warning: generate_feedback {assignment} failed: {proc.stderr.strip()[-300:]}")
    export_grades(root, out_csv or root / "grades.csv")
    return list(results.values())


def export_grades(root: Path, out_csv: Path) -> Path:
    """Export the gradebook to CSV atomically, keeping any previous file as ``<name>.bak``."""
    out_csv = out_csv.resolve()
    tmp = out_csv.with_name(out_csv.name + ".tmp")
    proc = nbgrader(["export", "--to", str(tmp)], root)
    if proc.returncode != 0 or not tmp.exists():
        raise RuntimeError(f"nbgrader export failed; the gradebook {root / 'gradebook.db'} is untouched:\n"
                           f"{proc.stderr[-1000:]}")
    if out_csv.exists():
        shutil.copy2(out_csv, out_csv.with_name(out_csv.name + ".bak"))
    os.replace(tmp, out_csv)
    return out_csv


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


def dumps_rows(rows: list[CheckRow]) -> str:
    """JSON of self-check rows (for tools)."""
    return json.dumps([r.__dict__ for r in rows], indent=1)
