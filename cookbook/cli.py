"""The ``cookbook`` command (also ``python -m cookbook``): argument parsing and dispatch only.

Each command's work lives in its own module and is imported when the command runs, so
``cookbook --help`` and ``cookbook release`` never pay for ``import torch``.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _say(*args) -> None:
    """Progress messages go to stderr, so stdout carries only the result (e.g. ``--json``)."""
    print(*args, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ commands
def cmd_run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from .checkout import chapter_notebooks, course_root
    from .execute import course_environment, execute

    root = course_root()
    paths = chapter_notebooks(root, args.chapters, edition=args.edition)
    if not paths:
        _say("no notebooks to run")
        return 2
    out_dir = Path(args.output or root / "build" / "executed" / time.strftime("%Y%m%d-%H%M%S"))
    env = course_environment(args.profile, args.device, args.data)
    os.environ.update(env)
    results = []
    for path in tqdm(paths, desc="notebooks", unit="nb"):
        target = out_dir / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        results.append(execute(path, target, timeout=args.timeout))
    rows = []
    for r in results:
        metrics = "; ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in r.metrics.items())
        rows.append([f"{r.notebook.parent.name}/{r.notebook.name}", f"{r.seconds:.1f}", "ok" if r.ok else "FAILED",
                     metrics, r.error[:100]])
    total = sum(r.seconds for r in results)
    print(f"\nedition={args.edition} profile={env.get('COOKBOOK_PROFILE', 'auto')} "
          f"device={env.get('COOKBOOK_DEVICE', 'auto')} data={env.get('COOKBOOK_DATA', 'auto')}  "
          f"executed copies: {out_dir}")
    print(_table(rows, ["notebook", "seconds", "status", "recorded metrics", "error"]))
    failed = sum(not r.ok for r in results)
    print(f"\n{len(results) - failed} passed, {failed} failed in {total:.1f}s")
    return 1 if failed else 0


def cmd_clean(args: argparse.Namespace) -> int:
    from .checkout import course_root
    from .nbfiles import clean

    paths = [Path(p) for p in args.paths] or sorted((course_root() / "solutions").rglob("*.ipynb"))
    for p in clean(p for p in paths if ".ipynb_checkpoints" not in p.parts):
        print(f"cleaned {p}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .checkout import course_root, resolve_chapters
    from .nbfiles import clean
    from .release import release

    root = course_root()
    names = resolve_chapters(root, args.chapters)
    clean(p for name in names for p in sorted((root / "solutions" / name).glob("*.ipynb")))
    for name in release(root, names):
        print(f"released notebooks/{name}")
    return 0


def _check_environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    for option, variable in (("profile", "COOKBOOK_GRADE_PROFILE"), ("data", "COOKBOOK_GRADE_DATA"),
                             ("device", "COOKBOOK_GRADE_DEVICE")):
        if getattr(args, option):
            env[variable] = getattr(args, option)
    return env


@contextlib.contextmanager
def _stdout_to_stderr():
    """While a check runs, whatever reaches this process's stdout (a kernel, a library, a child process writing to
    the descriptor they inherit) goes to stderr: stdout carries only the report (``--json``: only the JSON), and
    it comes after the progress lines."""
    try:
        out, err = sys.stdout.fileno(), sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # not real files (pytest's capsys): nothing inherits them
        yield
        return
    sys.stdout.flush()
    saved = os.dup(out)
    os.dup2(err, out)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, out)
        os.close(saved)


def cmd_check(args: argparse.Namespace) -> int:
    from .rules import grading_environment
    from .selfcheck import self_check

    path = Path(args.notebook)
    if not path.is_file():
        _say(f"cookbook check: no notebook {path}: give the path of your notebook, "
             "e.g. notebooks/ch01_tensors/01_setup_and_creating_tensors.ipynb")
        return 2
    env = _check_environment(args)
    settings = grading_environment(env)
    what = f"exercise {args.exercise}" if args.exercise else "the whole notebook"
    _say(f"checking {path}: running {what} the way grading does (profile={settings['COOKBOOK_PROFILE']}, "
         f"data={settings['COOKBOOK_DATA']}, device={settings['COOKBOOK_DEVICE']})...")
    with _stdout_to_stderr():
        report = self_check(path, exercise=args.exercise, environ=env)
    if args.json:
        print(report.to_json())
        return 0 if report.passed else 1
    print(_table([[r.grade_id, f"{r.score:g}/{r.points:g}", r.status] for r in report.rows],
                 ["test", "points", "status"]))
    details = [r for r in report.rows if r.message]
    if details:
        print()
        for r in details:
            print(f"{r.grade_id}: {r.message}")
    for note in report.notes:
        print(f"\nnote: {note}")
    if report.flags:
        print("\nThese lines would be flagged for your instructor's review when graded:")
        for flag in report.flags:
            print(f"  {flag}")
    passed = sum(r.status == "passed" for r in report.rows)
    score = sum(r.score for r in report.rows)
    print(f"\n{passed}/{len(report.rows)} visible tests passed ({score:g}/{sum(r.points for r in report.rows):g} "
          f"points) in {report.seconds:.0f}s. Hidden tests run when your instructor grades the notebook.")
    return 0 if report.passed else 1


def cmd_grade(args: argparse.Namespace) -> int:
    from . import rules
    from .checkout import course_root
    from .grade import UNSANDBOXED, grade_class
    from .sandbox import SandboxUnavailable

    root = course_root()
    out_csv = Path(args.output) if args.output else root / "grades.csv"
    _say(f"grading with a per-cell limit of {rules.cell_timeout()} s and {rules.submission_timeout()} s per "
         "submission (COOKBOOK_GRADE_CELL_TIMEOUT / COOKBOOK_GRADE_SUBMISSION_TIMEOUT)")
    if args.unsandboxed:
        _say(f"WARNING: grading kernels run without the sandbox: {UNSANDBOXED}; every grade records it")
    try:
        results = grade_class(root, Path(args.submissions), args.assignment, jobs=args.jobs, out_csv=out_csv,
                              feedback=not args.no_feedback, log=_say, sandboxed=not args.unsandboxed)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = [[r.student, r.assignment, "-" if r.score is None else f"{r.score:g}/{r.max_score:g}", f"{r.seconds:.1f}",
             str(len(r.flags)), "ok" if r.ok and not r.problems else "; ".join(str(p) for p in r.problems)[:120]]
            for r in results]
    print(_table(rows, ["student", "assignment", "score", "seconds", "flags", "problems"]))
    flagged = [r for r in results if r.flags]
    if flagged:
        print(f"\n{len(flagged)} submission(s) flagged for review (column `flags` of the CSV):")
        for r in flagged:
            for flag in r.flags[:5]:
                print(f"  {r.student}/{r.assignment}: {flag}")
            if len(r.flags) > 5:
                print(f"  {r.student}/{r.assignment}: ... and {len(r.flags) - 5} more")
    failed = [r for r in results if not r.ok and r.log]
    if failed:
        print("\nnbgrader's full log of each failed autograde: " + ", ".join(str(r.log) for r in failed))
    print(f"\ngrades exported to {out_csv}" + ("" if args.no_feedback else f"; feedback in {root / 'feedback'}"))
    return 0 if all(r.ok for r in results) else 1


def cmd_bundle(args: argparse.Namespace) -> int:
    from .bundle import build_bundle
    from .checkout import course_root

    root = course_root()
    output = Path(args.output) if args.output else root / "build" / "student-bundle"
    result = build_bundle(root, output, archive=not args.no_zip)
    print(f"student bundle: {result}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import doctor

    return doctor()


def cmd_data(args: argparse.Namespace) -> int:
    from .data_cli import main as data_main

    return data_main(args.rest)


# ------------------------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cookbook", description="PyTorch Cookbook Lab course tool")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="execute notebooks headless and print a summary table",
                       description="Execute notebooks headless with papermill. By default the instructor edition "
                                   "(solutions/) runs, every chapter, with the automatic profile (quick on a CPU).")
    p.add_argument("chapters", nargs="*", help="chapters (ch01_tensors, ch01, 1) or notebook paths; default all")
    p.add_argument("--profile", choices=["smoke", "quick", "full"], default=None, help="default: automatic")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)
    p.add_argument("--data", choices=["auto", "real", "synthetic"], default=None)
    p.add_argument("--edition", choices=["solutions", "notebooks"], default="solutions",
                   help="solutions/ (default: the instructor edition) or notebooks/ (the student edition)")
    p.add_argument("--output", help="folder for executed copies (default build/executed/<time>)")
    p.add_argument("--timeout", type=int, default=3600, help="per-cell timeout in seconds")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("release", help="regenerate notebooks/ from solutions/ (nbgrader generate_assignment)")
    p.add_argument("chapters", nargs="*", help="chapters (ch01_tensors, ch01, 1); default all")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("clean", help="strip outputs and volatile metadata from notebooks (default: solutions/)")
    p.add_argument("paths", nargs="*")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("check", help="self-check a notebook exactly as grading scores it (visible tests)",
                       description="Run a notebook (or one exercise) with nbgrader's own autograde steps and the "
                                   "course's grading rules, and report each visible test.")
    p.add_argument("notebook")
    p.add_argument("--exercise", help="check one exercise only, e.g. 2.1a or ex_2_1a (runs the demos before it)")
    p.add_argument("--profile", choices=["smoke", "quick", "full"], default=None, help="default: grading's (smoke)")
    p.add_argument("--data", choices=["auto", "real", "synthetic"], default=None, help="default: grading's (synthetic)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None, help="default: grading's (cpu)")
    p.add_argument("--json", action="store_true", help="print only the results, as JSON, on stdout")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="instructor: import, audit, autograde, feedback and CSV export for a class")
    p.add_argument("submissions", help="folder laid out as SUBMISSIONS/<student>/<assignment>/*.ipynb")
    p.add_argument("--assignment", action="append", default=[], help="only this chapter: ch02_neural_networks, ch02 or 2 (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="parallel autograde processes (default: cores)")
    p.add_argument("--output", help="grades CSV (default grades.csv in the course root)")
    p.add_argument("--no-feedback", action="store_true", help="skip the HTML feedback")
    p.add_argument("--unsandboxed", action="store_true",
                   help="grade without the bubblewrap sandbox (students' code can then reach the grader's files); "
                        "every CSV row and feedback page says so")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("bundle", help="instructor: build the student bundle (notebooks, wheel, environment; no solutions)")
    p.add_argument("--output", help="folder to write (default build/student-bundle)")
    p.add_argument("--no-zip", action="store_true", help="leave the folder only, no .zip beside it")
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("doctor", help="environment report: versions, device, profile, data directory")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("data", help="list / download / verify datasets", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cookbook`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        _say(f"cookbook {args.command}: error: {exc}")
        return 2
