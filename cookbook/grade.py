"""``cookbook grade``: import, audit, autograde (in parallel, sandboxed), feedback and CSV export for a class.

Every grading kernel runs in the bubblewrap sandbox of :mod:`cookbook.sandbox` (no solutions, no grade
book, no network, no process outliving it); grading refuses to start without it unless told
``sandboxed=False`` (``--unsandboxed``), and then says so in every CSV row and feedback page.

One bad submission never costs the class its grades: a corrupt or missing notebook is graded as the
blank student edition and reported; a copied exercise or test cell (a duplicated ``grade_id``, which
makes nbgrader drop the whole notebook) is repaired first; a cell that runs past the per-cell limit is
stopped and named in the report and the student's feedback; a submission that runs past the
per-submission limit is stopped (nbgrader and its kernels killed) and reported; an autograde that fails
for a reason outside the submission (a kernel that did not start, an IOPub timeout on a busy machine) is
retried once; nbgrader's full log is kept under ``logs/``; earlier submissions and grade files are kept.
"""
from __future__ import annotations

import csv
import html
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import rules, sandbox
from .audit import Flag, audit_notebook
from .checkout import resolve_chapters
from .nbfiles import read_notebook
from .nbgrader_app import run_nbgrader
from .problems import Problem, repair_duplicates
from .release import release

#: Columns ``cookbook grade`` adds to nbgrader's export.
EXTRA_COLUMNS = ("grading_seconds", "cell_timeout_s", "sandbox", "problems", "flags")
UNSANDBOXED = "none (graded with --unsandboxed: student code could reach the grader's files)"

@dataclass
class StudentResult:
    """What grading did with one student's submission of one assignment."""

    student: str
    assignment: str
    ok: bool
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    sandboxed: bool = True
    score: float | None = None
    max_score: float | None = None
    log: Path | None = None


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


def _validate_notebooks(folder: Path, release_dir: Path, expected: list[str]) -> list[Problem]:
    """Replace each missing or unreadable notebook by the untouched student edition (which scores 0),
    so the gradebook records every notebook of every student; returns what was replaced and why."""
    problems = []
    for name in expected:
        path = folder / name
        kind, reason = "", ""
        if not path.exists():
            kind, reason = "missing", "missing"
        else:
            try:
                nbformat.validate(read_notebook(path))
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is reported, never fatal
                kind, reason = "invalid", f"not a valid notebook ({type(exc).__name__})"
                shutil.move(str(path), str(path.with_name(path.name + ".invalid")))
        if kind:
            shutil.copy2(release_dir / name, path)
            problems.append(Problem(name, kind, f"{reason}; graded as the blank student edition (0 points)"))
    return problems


def _repair(folder: Path, expected: list[str]) -> list[Problem]:
    problems = []
    for name in expected:
        path = folder / name
        try:
            nb = read_notebook(path)
        except (OSError, ValueError):
            continue
        found = repair_duplicates(nb, name)
        if found:
            nbformat.write(nb, str(path))
            problems += found
    return problems


def _audit(folder: Path, release_dir: Path, expected: list[str]) -> list[Flag]:
    flags: list[Flag] = []
    for name in expected:
        try:
            flags += audit_notebook(read_notebook(folder / name), read_notebook(release_dir / name), name)
        except (OSError, ValueError):
            continue  # replaced by the blank edition: nothing of the student's to audit
    return flags


def _execution_problems(autograded: Path, expected: list[str]) -> list[Problem]:
    """Timeouts and dead kernels found in the autograded notebooks, named by cell."""
    problems = []
    for name in expected:
        path = autograded / name
        if not path.is_file():
            problems.append(Problem(name, "not-graded", "not graded (no autograded copy): see the log"))
            continue
        nb = read_notebook(path)
        for i, cell in enumerate(nb.cells):
            label = rules.nbgrader_metadata(cell).get("grade_id") or f"cell {i}"
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") == rules.TIMEOUT_ERROR:
                    problems.append(Problem(name, "timeout", f"{label} timed out (per-cell limit {rules.cell_timeout()} s)"))
                elif out.get("output_type") == "error" and out.get("ename") == rules.DEAD_KERNEL_ERROR:
                    problems.append(Problem(name, "dead-kernel", f"the kernel died in {label}"))
        unrun = [rules.nbgrader_metadata(c).get("grade_id") for c in nb.cells
                 if rules.is_test(c) and c.get("execution_count") is None]
        if unrun:
            problems.append(Problem(name, "not-run", f"{len(unrun)} test cell(s) never ran (the kernel stopped or "
                                                     f"died before {unrun[0]}); they score 0"))
    return problems


def infrastructure_failure(output: str) -> str:
    """The reason nbgrader failed for something outside the submission ('' if it did not)."""
    return next((marker for marker in rules.INFRASTRUCTURE_ERRORS if marker in output), "")


def _autograde(root: Path, student: str, assignment: str, env: dict[str, str], limit: int,
               res: StudentResult) -> None:
    """Autograde one submission (retried once after an infrastructure failure); the full log goes to ``logs/``."""
    args = ["autograde", assignment, "--student", student, "--force"]
    res.log = root / "logs" / f"autograde-{student}-{assignment}.log"
    res.log.parent.mkdir(exist_ok=True)
    with open(res.log, "w", encoding="utf-8") as log:
        for attempt in (1, 2):
            try:
                proc = run_nbgrader(args, root, env=env, timeout=limit)
            except subprocess.TimeoutExpired:
                res.ok = False
                res.problems.append(Problem("", "submission-timeout", f"grading stopped after {limit} s (the "
                                            "per-submission limit); notebooks not graded by then score 0"))
                log.write(f"attempt {attempt}: stopped after {limit} s\n")
                return
            log.write(f"attempt {attempt}: nbgrader {' '.join(args)} -> exit {proc.returncode}\n"
                      f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}\n")
            if proc.returncode == 0:
                return
            why = infrastructure_failure(proc.stdout + proc.stderr)
            if attempt == 1 and why:
                res.problems.append(Problem("", "retried", f"autograde failed for a reason outside the submission "
                                                           f"({why!r}) and was run again"))
                continue
            res.ok = False
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            res.problems.append(Problem("", "autograde-failed", "autograde failed: " + " | ".join(tail)
                                        + f" (full log: {res.log})"))
            return


def grading_env(sandboxed: bool) -> dict[str, str]:
    """Environment of the nbgrader processes that autograde: the sandbox (with its prepared data) or none.

    Raises :class:`cookbook.sandbox.SandboxUnavailable` when a sandbox is asked for and cannot run here.
    """
    if not sandboxed:
        return {rules.SANDBOX_VARIABLE: "off"}
    why = sandbox.problem()
    if why:
        raise sandbox.SandboxUnavailable(f"refusing to grade without the grading sandbox: {why}. Grading runs "
                                         "students' code; see README 'The grading sandbox'")
    data = sandbox.prepare_standins(rules.grading_environment()["COOKBOOK_PROFILE"])
    return {rules.SANDBOX_VARIABLE: "bwrap", sandbox.DATA_VARIABLE: str(data)}


def grade_class(root: Path, submissions: Path, assignments: Iterable[str] = (), jobs: int | None = None,
                out_csv: Path | None = None, feedback: bool = True,
                log: Callable[[str], None] = print, sandboxed: bool = True) -> list[StudentResult]:
    """Import, audit, autograde (in parallel, sandboxed), generate feedback and export grades for a whole class.

    Submissions are copied into ``<root>/submitted/<student>/<assignment>/`` (a previous copy is
    kept as ``submitted/<student>/.previous-<assignment>-<time>``), audited, autograded with the
    course's limits (:mod:`cookbook.rules`), and the gradebook (``gradebook.db``) is exported to
    ``out_csv`` with the columns :data:`EXTRA_COLUMNS` added (written atomically; an older file is
    kept as ``.bak``). One bad submission is reported, never fatal. ``sandboxed=False`` grades without the
    sandbox (``--unsandboxed``) and says so in every row and feedback page.
    """
    env = grading_env(sandboxed)
    names = resolve_chapters(root, assignments)
    # fill the gradebook with the assignments' graded cells; the release goes to a private folder, so grading
    # never rewrites the tracked notebooks/ (and grades against exactly what solutions/ says now)
    released = root / "release-for-grading"
    shutil.rmtree(released, ignore_errors=True)
    release(root, names, into=released)
    expected = {a: sorted(p.name for p in (root / "solutions" / a).glob("*.ipynb")) for a in names}
    results: dict[tuple[str, str], StudentResult] = {}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for student, assignment, folder in find_submissions(submissions, names):
        dest = root / "submitted" / student / assignment
        if dest.resolve() == folder.resolve():  # graded where `nbgrader collect` put it: keep a copy, work in place
            shutil.copytree(folder, dest.parent / f".previous-{assignment}-{stamp}",
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            if dest.exists():
                shutil.move(str(dest), str(dest.parent / f".previous-{assignment}-{stamp}"))
            shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        if not (dest / "timestamp.txt").exists():
            (dest / "timestamp.txt").write_text(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        release_dir = released / assignment
        problems = _validate_notebooks(dest, release_dir, expected[assignment])
        problems += _repair(dest, expected[assignment])
        flags = _audit(dest, release_dir, expected[assignment])
        results[(student, assignment)] = StudentResult(student, assignment, True, 0.0, problems, flags, sandboxed)
    if not results:
        raise ValueError(f"no submissions found under {submissions} for {', '.join(names)}")
    jobs = jobs or max(1, os.cpu_count() or 1)
    limit = rules.submission_timeout()

    def run(task: tuple[str, str]) -> None:
        student, assignment = task
        res = results[task]
        start = time.perf_counter()
        _autograde(root, student, assignment, env, limit, res)
        res.seconds = time.perf_counter() - start
        res.problems += _execution_problems(root / "autograded" / student / assignment, expected[assignment])
        note = "" if res.ok and not res.problems else " (with problems)"
        log(f"graded {student}/{assignment} in {res.seconds:.1f}s{note}" + (f", {len(res.flags)} flag(s)" if res.flags else ""))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, list(results)))
    if feedback:
        for assignment in names:
            proc = run_nbgrader(["generate_feedback", assignment, "--force"], root)
            if proc.returncode != 0:
                log(f"warning: generate_feedback {assignment} failed: {proc.stderr.strip()[-300:]}")
        for res in results.values():
            annotate_feedback(root / "feedback" / res.student / res.assignment, res)
    export_grades(root, out_csv or root / "grades.csv", list(results.values()))
    return list(results.values())


def annotate_feedback(folder: Path, res: StudentResult) -> None:
    """Add the grading notes (limits, time taken, problems, review flags) to each feedback page."""
    if not folder.is_dir():
        return
    for page in sorted(folder.glob("*.html")):
        notebook = page.stem + ".ipynb"
        items = [f"Per-cell time limit {rules.cell_timeout()} s; grading this chapter took {res.seconds:.0f} s "
                 f"(limit {rules.submission_timeout()} s)."]
        if not res.sandboxed:
            items.append(f"Sandbox: {UNSANDBOXED}.")
        items += [p.message for p in res.problems if p.notebook in (notebook, "")]
        items += [f"Flagged for your instructor's review: {f.cell} line {f.line}: {f.message}"
                  for f in res.flags if f.notebook == notebook]
        block = ('<div id="cookbook-grading-notes" style="border:2px solid #d9822b;background:#fff5e6;'
                 'padding:8px;margin:8px;font-family:sans-serif"><b>Grading notes</b><ul>'
                 + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul></div>")
        text = page.read_text(encoding="utf-8")
        if 'id="cookbook-grading-notes"' in text:
            continue
        at = text.find("<body")
        at = text.find(">", at) + 1 if at >= 0 else 0
        page.write_text(text[:at] + block + text[at:], encoding="utf-8")


def export_grades(root: Path, out_csv: Path, results: Iterable[StudentResult] = ()) -> Path:
    """Export the gradebook to CSV atomically, with :data:`EXTRA_COLUMNS`; keep a previous file as ``.bak``."""
    out_csv = Path(out_csv).resolve()
    tmp = out_csv.with_name(out_csv.name + ".tmp")
    proc = run_nbgrader(["export", "--to", str(tmp)], root)
    if proc.returncode != 0 or not tmp.exists():
        raise RuntimeError(f"nbgrader export failed; the gradebook {root / 'gradebook.db'} is untouched:\n"
                           f"{proc.stderr[-1000:]}")
    by_key = {(r.student, r.assignment): r for r in results}
    with open(tmp, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys()) if rows else ["assignment", "student_id", "score", "max_score"]
    for row in rows:
        res = by_key.get((row.get("student_id"), row.get("assignment")))
        row["grading_seconds"] = f"{res.seconds:.1f}" if res else ""
        row["cell_timeout_s"] = str(rules.cell_timeout())
        row["sandbox"] = ("bwrap" if res.sandboxed else UNSANDBOXED) if res else ""
        row["problems"] = " | ".join(str(p) for p in res.problems) if res else ""
        row["flags"] = " | ".join(str(f) for f in res.flags) if res else ""
        if res:
            res.score, res.max_score = float(row.get("score") or 0), float(row.get("max_score") or 0)
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames + [c for c in EXTRA_COLUMNS if c not in fieldnames])
        writer.writeheader()
        writer.writerows(rows)
    if out_csv.exists():
        shutil.copy2(out_csv, out_csv.with_name(out_csv.name + ".bak"))
    os.replace(tmp, out_csv)
    return out_csv


def cell_scores(root: Path, student: str, assignment: str) -> dict[tuple[str, str], float]:
    """``{(notebook, grade_id): score}`` of every graded cell of one submission."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission(assignment, student)
        return {(nb.name, g.name): float(g.score) for nb in sub.notebooks for g in nb.grades}
