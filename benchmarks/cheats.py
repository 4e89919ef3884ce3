"""Grade the corpus of dishonest submissions (tests/corpus/dishonest.py) on real chapters and print,
per cheat, the points it steals and whether `cookbook grade`'s audit flags it.

    python benchmarks/cheats.py [CHAPTER ...] [--cheats NAME ...] [--jobs N]

Default chapters: ch01_tensors ch02_neural_networks. The per-cell time limit is lowered to 20 s (the
endless loop would otherwise cost 180 s per notebook); everything else is the course's grading rules.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from cookbook.grade import cell_scores, grade_class  # noqa: E402
from tests.corpus import dishonest  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", default=["ch01_tensors", "ch02_neural_networks"])
    parser.add_argument("--cheats", nargs="*", default=list(dishonest.CHEATS))
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    os.environ.setdefault("COOKBOOK_GRADE_CELL_TIMEOUT", "20")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        shutil.copy2(ROOT / "nbgrader_config.py", root)
        for edition in ("solutions", "notebooks"):
            for chapter in args.chapters:
                shutil.copytree(ROOT / edition / chapter, root / edition / chapter)
        subs = Path(tmp) / "submissions"
        for cheat in args.cheats:
            for chapter in args.chapters:
                (subs / cheat / chapter).mkdir(parents=True)
                for sol in sorted((root / "solutions" / chapter).glob("*.ipynb")):
                    student = nbformat.read(root / "notebooks" / chapter / sol.name, as_version=4)
                    nbformat.write(dishonest.make(cheat, student, nbformat.read(sol, as_version=4)),
                                   subs / cheat / chapter / sol.name)
        start = time.time()
        results = grade_class(root, subs, args.chapters, jobs=args.jobs, feedback=False, log=lambda *_: None)
        by_student: dict[str, list] = {}
        for r in results:
            by_student.setdefault(r.student, []).append(r)
        print(f"graded {len(results)} submissions in {time.time() - start:.0f}s "
              f"(per-cell limit {os.environ['COOKBOOK_GRADE_CELL_TIMEOUT']} s)\n")
        print(f"{'cheat':<18} {'points stolen':>14}  {'flagged':>7}  problems / first flag")
        for cheat in args.cheats:
            got = top = 0.0
            for chapter in args.chapters:
                scores = cell_scores(root, cheat, chapter)
                got += sum(s for (_, gid), s in scores.items() if gid.endswith("_tests"))
                top += sum(float(c.metadata["nbgrader"]["points"])
                           for sol in (root / "solutions" / chapter).glob("*.ipynb")
                           for c in nbformat.read(sol, as_version=4).cells
                           if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))
            rs = by_student.get(cheat, [])
            flags = [f for r in rs for f in r.flags]
            detail = (str(flags[0]) if flags else "; ".join(str(p) for r in rs for p in r.problems))[:110]
            print(f"{cheat:<18} {got:>6g} / {top:<6g}  {('yes' if flags else 'no'):>7}  {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
