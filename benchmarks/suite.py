"""Time every solution notebook in the smoke profile against the floor.

The floor is what any notebook pays: a kernel start plus the parameters and setup cells
(`import torch, helpers` and `helpers.setup`). Prints per-notebook times, the total, and the
ratio total / (notebooks x floor); the design's goal is at most about 2.

    python benchmarks/suite.py [CHAPTER ...] [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.notebooks import chapter_notebooks, execute  # noqa: E402


def floor_notebook(template: Path, dest: Path) -> Path:
    """A notebook made of the template's parameters and setup cells only."""
    nb = nbformat.read(template, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"][:2]
    nb.cells = code
    nbformat.write(nb, dest)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--repeat", type=int, default=3, help="floor measurements (median is used)")
    args = parser.parse_args()
    os.environ.update({"COOKBOOK_PROFILE": "smoke", "COOKBOOK_DATA": "synthetic", "COOKBOOK_DEVICE": "cpu",
                       "MPLBACKEND": "agg"})
    paths = chapter_notebooks(ROOT, args.chapters)
    with tempfile.TemporaryDirectory() as tmp:
        floor_nb = floor_notebook(paths[0], Path(tmp) / "floor.ipynb")
        execute(floor_nb)  # warm the file cache and the stand-in data cache
        floors = [execute(floor_nb).seconds for _ in range(args.repeat)]
        floor = statistics.median(floors)
        print(f"floor (kernel start + import torch, helpers + setup): {floor:.2f}s "
              f"(median of {', '.join(f'{f:.2f}' for f in floors)})")
        total, failed = 0.0, 0
        for path in paths:
            res = execute(path, Path(tmp) / path.name)
            total += res.seconds
            failed += not res.ok
            print(f"{path.parent.name}/{path.name:<45} {res.seconds:6.2f}s  {res.seconds / floor:4.2f}x floor"
                  + ("" if res.ok else f"  FAILED: {res.error[:80]}"))
    print(f"\n{len(paths)} notebooks: total {total:.1f}s, floor x notebooks {floor * len(paths):.1f}s, "
          f"ratio {total / (floor * len(paths)):.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
