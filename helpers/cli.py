"""The ``cookbook`` command (also ``python -m helpers``)."""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from . import notebooks as nbs


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    root = nbs.course_root()
    paths = nbs.chapter_notebooks(root, args.chapters, edition=args.edition)
    if not paths:
        print("no notebooks to run", file=sys.stderr)
        return 2
    out_dir = Path(args.output or root / "build" / "executed" / time.strftime("%Y%m%d-%H%M%S"))
    env = nbs.course_environment(args.profile, args.device, args.data)
    os.environ.update(env)
    results = []
    for path in tqdm(paths, desc="notebooks", unit="nb"):
        target = out_dir / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        results.append(nbs.execute(path, target, timeout=args.timeout))
    rows = []
    for r in results:
        key = next(iter(r.metrics.items()), None)
        rows.append([f"{r.notebook.parent.name}/{r.notebook.name}", f"{r.seconds:.1f}",
                     "ok" if r.ok else "FAILED", f"{key[0]} = {key[1]:.4g}" if key and isinstance(key[1], float)
                     else (f"{key[0]} = {key[1]}" if key else ""), r.error[:80]])
    total = sum(r.seconds for r in results)
    print(f"\nprofile={env.get('COOKBOOK_PROFILE', 'auto')} device={env.get('COOKBOOK_DEVICE', 'auto')} "
          f"data={env.get('COOKBOOK_DATA', 'auto')}  executed copies: {out_dir}")
    print(_table(rows, ["notebook", "seconds", "status", "key metric", "error"]))
    failed = sum(not r.ok for r in results)
    print(f"\n{len(results) - failed} passed, {failed} failed in {total:.1f}s")
    return 1 if failed else 0


def cmd_clean(args: argparse.Namespace) -> int:
    root = nbs.course_root()
    paths = [Path(p) for p in args.paths] or sorted((root / "solutions").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    for p in nbs.clean(paths):
        print(f"cleaned {p}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .grading import release

    root = nbs.course_root()
    names = args.chapters or nbs.chapters(root)
    nbs.clean(p for name in names for p in sorted((root / "solutions" / name).glob("*.ipynb")))
    for name in release(root, names):
        print(f"released notebooks/{name}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .grading import dumps_rows, self_check

    path = Path(args.notebook)
    if not path.is_file():
        print(f"no notebook {path}: give the path of your notebook, e.g. notebooks/ch01_tensors/01_...ipynb",
              file=sys.stderr)
        return 2
    print(f"checking {path} (profile={args.profile}, data={args.data}); this runs the whole notebook...")
    rows = self_check(path, profile=args.profile, data=args.data, device=args.device, timeout=args.timeout)
    if args.json:
        print(dumps_rows(rows))
    else:
        print(_table([[r.grade_id, f"{r.points:g}", r.status, r.message[:100]] for r in rows],
                     ["test", "points", "status", "message"]))
    passed = sum(r.status == "passed" for r in rows)
    got = sum(r.points for r in rows if r.status == "passed")
    print(f"\n{passed}/{len(rows)} visible tests passed ({got:g}/{sum(r.points for r in rows):g} points). "
          "Hidden tests run when your instructor grades the notebook.")
    return 0 if passed == len(rows) else 1


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import grade_class

    root = nbs.course_root()
    results = grade_class(root, Path(args.submissions), args.assignment, jobs=args.jobs,
                          out_csv=Path(args.output) if args.output else None, feedback=not args.no_feedback)
    rows = [[r.student, r.assignment, f"{r.seconds:.1f}", "ok" if r.ok and not r.problems else "; ".join(r.problems)[:90]]
            for r in results]
    print(_table(rows, ["student", "assignment", "seconds", "problems"]))
    print(f"\ngrades exported to {Path(args.output) if args.output else root / 'grades.csv'}; "
          f"feedback in {root / 'feedback'}")
    return 0 if all(r.ok for r in results) else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    import torch

    from .config import setup

    print(f"python      {platform.python_version()} ({sys.executable})")
    for mod in ("torch", "torchvision", "numpy", "matplotlib", "nbgrader", "papermill", "jupyterlab"):
        try:
            m = __import__(mod)
            print(f"{mod:<11} {getattr(m, '__version__', '?')}")
        except ImportError:
            print(f"{mod:<11} MISSING: run `make lab` or `pip install -e .`")
    print(f"cuda        {torch.cuda.is_available()}"
          + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    mps = getattr(torch.backends, "mps", None)
    print(f"mps         {bool(mps and mps.is_available())}")
    course = setup(quiet=True)
    print(f"profile     {course.profile}   (COOKBOOK_PROFILE={os.environ.get('COOKBOOK_PROFILE', '')})")
    print(f"device      {course.device}   (COOKBOOK_DEVICE={os.environ.get('COOKBOOK_DEVICE', '')})")
    print(f"data        {course.data}   (COOKBOOK_DATA={os.environ.get('COOKBOOK_DATA', '')})")
    print(f"data dir    {course.data_dir} ({'exists' if course.data_dir.is_dir() else 'not created yet'})")
    try:
        root = nbs.course_root()
        print(f"course      {root}: chapters {', '.join(nbs.chapters(root)) or 'none'}")
    except FileNotFoundError as exc:
        print(f"course      {exc}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from .data_cli import main as data_main

    return data_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cookbook", description="PyTorch Cookbook Lab course tool")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="execute notebooks headless and print a summary table")
    p.add_argument("chapters", nargs="*", help="chapters (ch01_tensors, ch01, 1) or notebook paths; default all")
    p.add_argument("--profile", choices=["smoke", "quick", "full"], default=None, help="default: automatic")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)
    p.add_argument("--data", choices=["auto", "real", "synthetic"], default=None)
    p.add_argument("--edition", choices=["solutions", "notebooks"], default="solutions")
    p.add_argument("--output", help="folder for executed copies (default build/executed/<time>)")
    p.add_argument("--timeout", type=int, default=3600, help="per-cell timeout in seconds")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("release", help="regenerate notebooks/ from solutions/ (nbgrader generate_assignment)")
    p.add_argument("chapters", nargs="*")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("clean", help="strip outputs and volatile metadata from notebooks (default: solutions/)")
    p.add_argument("paths", nargs="*")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("check", help="self-check: run a notebook and report its visible tests")
    p.add_argument("notebook")
    p.add_argument("--profile", choices=["smoke", "quick", "full"], default="smoke")
    p.add_argument("--data", choices=["auto", "real", "synthetic"], default="synthetic")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="cpu")
    p.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="instructor: import, autograde, feedback and CSV export for a class")
    p.add_argument("submissions", help="folder laid out as SUBMISSIONS/<student>/<assignment>/*.ipynb")
    p.add_argument("--assignment", action="append", default=[], help="only this chapter (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="parallel autograde processes (default: cores)")
    p.add_argument("--output", help="grades CSV (default grades.csv in the course root)")
    p.add_argument("--no-feedback", action="store_true")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("doctor", help="environment report: versions, device, profile, data directory")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("data", help="list / download / verify datasets", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"cookbook {args.command}: error: {exc}", file=sys.stderr)
        return 2
