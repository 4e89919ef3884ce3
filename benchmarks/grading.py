"""Grading under the sandbox: what it costs, and whether honest students lose points on a busy machine.

    python benchmarks/grading.py cost [CHAPTER ...] [--repeats N]
    python benchmarks/grading.py load [CHAPTER] [--students 8] [--jobs 2xCORES] [--burners 1]

``cost`` grades the instructor's solutions of each chapter (one student) with and without the sandbox,
interleaved (sandboxed, unsandboxed, sandboxed, ...), and prints the median grading time of each and the
sandbox's share of it. ``load`` grades a class of honest copies of the solutions with ``--jobs`` parallel
autogrades while ``--burners`` processes keep cores busy, and prints each student's score and the points lost.
Both use the course's grading rules (smoke profile, stand-in data, CPU).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cookbook.checkout import resolve_chapters  # noqa: E402
from cookbook.grade import grade_class  # noqa: E402


def _course(tmp: Path, chapters: list[str]) -> Path:
    root = tmp / "course"
    root.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", root)
    for chapter in chapters:
        for edition in ("solutions", "notebooks"):
            shutil.copytree(ROOT / edition / chapter, root / edition / chapter)
    return root


def _class(tmp: Path, chapter: str, students: list[str]) -> Path:
    subs = tmp / "submissions"
    for student in students:
        shutil.copytree(ROOT / "solutions" / chapter, subs / student / chapter)
    return subs


def cost(chapters: list[str], repeats: int) -> None:
    print(f"{'chapter':<32} {'sandboxed s':>12} {'unsandboxed s':>14} {'cost':>8}   (median of {repeats}, interleaved)")
    for chapter in chapters:
        times: dict[bool, list[float]] = {True: [], False: []}
        with tempfile.TemporaryDirectory() as tmp:
            root = _course(Path(tmp), [chapter])
            subs = _class(Path(tmp), chapter, ["solver"])
            for _ in range(repeats):
                for sandboxed in (True, False):
                    [result] = grade_class(root, subs, [chapter], jobs=1, feedback=False, log=lambda *_: None,
                                           sandboxed=sandboxed)
                    times[sandboxed].append(result.seconds)
        on, off = statistics.median(times[True]), statistics.median(times[False])
        print(f"{chapter:<32} {on:>12.1f} {off:>14.1f} {100 * (on - off) / off:>+7.1f}%   "
              f"(sandboxed {min(times[True]):.1f}-{max(times[True]):.1f}, "
              f"unsandboxed {min(times[False]):.1f}-{max(times[False]):.1f})")


def _burn(stop_at: float) -> None:
    while time.time() < stop_at:
        sum(i * i for i in range(10_000))


def load(chapter: str, students: int, jobs: int, burners: int) -> int:
    names = [f"student{i:02d}" for i in range(students)]
    with tempfile.TemporaryDirectory() as tmp:
        root = _course(Path(tmp), [chapter])
        subs = _class(Path(tmp), chapter, names)
        stop_at = time.time() + 3600
        procs = [multiprocessing.Process(target=_burn, args=(stop_at,), daemon=True) for _ in range(burners)]
        for p in procs:
            p.start()
        start = time.perf_counter()
        try:
            results = grade_class(root, subs, [chapter], jobs=jobs, feedback=False, log=print)
        finally:
            for p in procs:
                p.terminate()
        took = time.perf_counter() - start
    lost = sum((r.max_score or 0) - (r.score or 0) for r in results)
    print(f"\n{chapter}: {students} honest students, --jobs {jobs}, {burners} CPU-burning process(es) beside, "
          f"{os.cpu_count()} cores: {took:.0f} s")
    for r in results:
        print(f"  {r.student}: {r.score:g}/{r.max_score:g} in {r.seconds:.1f} s"
              + (f"  problems: {'; '.join(map(str, r.problems))}" if r.problems else ""))
    print(f"honest points lost: {lost:g}")
    return 0 if lost == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("cost")
    p.add_argument("chapters", nargs="*", default=[])
    p.add_argument("--repeats", type=int, default=3)
    p = sub.add_parser("load")
    p.add_argument("chapter", nargs="?", default="ch01_tensors")
    p.add_argument("--students", type=int, default=8)
    p.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1))
    p.add_argument("--burners", type=int, default=1)
    args = parser.parse_args()
    if args.what == "cost":
        cost(resolve_chapters(ROOT, args.chapters), args.repeats)
        return 0
    return load(resolve_chapters(ROOT, [args.chapter])[0], args.students, args.jobs, args.burners)


if __name__ == "__main__":
    sys.exit(main())
