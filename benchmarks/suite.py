"""Time every solution notebook in a profile, print its recorded headline metrics, and (smoke) the floor ratio.

The floor is what any notebook pays: a kernel start plus the parameters and setup cells
(`import torch, helpers` and `helpers.setup`). The design's goal for the smoke profile is a total of at
most about 2x (notebooks x floor); for the quick profile, about 3 minutes or less per notebook on 2 cores.
The grading environment of `cookbook/rules.py` is used (stand-in data, CPU), with the profile chosen here.

    python benchmarks/suite.py [CHAPTER ...] [--profile smoke|quick|full] [--repeat N] [--cells N]

``--cells N`` also prints each notebook's N slowest cells (papermill's per-cell durations): where the time goes.
``--own-floor`` also runs each notebook's own parameters and setup cells (its imports: torchvision, matplotlib,
scikit-learn...) and prints the time beyond them: what the notebook spends on what it teaches.
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

from cookbook import rules  # noqa: E402
from cookbook.checkout import chapter_notebooks  # noqa: E402
from cookbook.execute import execute  # noqa: E402


def floor_notebook(template: Path, dest: Path) -> Path:
    """A notebook made of the template's parameters and setup cells only."""
    nb = nbformat.read(template, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"][:2]
    nbformat.write(nb, dest)
    return dest


def slowest_cells(executed: Path, n: int) -> list[str]:
    """The ``n`` slowest code cells of an executed notebook: ``"  3.21s cell 12: first line of the cell"``."""
    nb = nbformat.read(executed, as_version=4)
    timed = [(c.metadata.get("papermill", {}).get("duration") or 0.0, i, c.source.strip().splitlines()[:1])
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    return [f"    {d:6.2f}s cell {i}: {(first or [''])[0][:90]}" for d, i, first in sorted(timed, reverse=True)[:n]]


def _metrics(values: dict) -> str:
    return "; ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in values.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--profile", choices=["smoke", "quick", "full"], default="smoke")
    parser.add_argument("--repeat", type=int, default=3, help="floor measurements (median is used)")
    parser.add_argument("--cells", type=int, default=0, help="also print each notebook's N slowest cells")
    parser.add_argument("--own-floor", action="store_true", help="also time each notebook's own setup (its imports)")
    args = parser.parse_args()
    os.environ.update(rules.grading_environment())
    os.environ["COOKBOOK_PROFILE"] = args.profile
    paths = chapter_notebooks(ROOT, args.chapters)
    with tempfile.TemporaryDirectory() as tmp:
        floor_nb = floor_notebook(paths[0], Path(tmp) / "floor.ipynb")
        execute(floor_nb)  # warm the file cache
        floors = [execute(floor_nb).seconds for _ in range(args.repeat)]
        floor = statistics.median(floors)
        print(f"profile {args.profile}; floor (kernel start + import torch, helpers + setup): {floor:.2f}s "
              f"(median of {', '.join(f'{f:.2f}' for f in floors)})")
        total, own_total, failed = 0.0, 0.0, 0
        for path in paths:
            res = execute(path, Path(tmp) / path.name)
            total += res.seconds
            failed += not res.ok
            own = ""
            if args.own_floor:
                own_floor = execute(floor_notebook(path, Path(tmp) / f"floor-{path.name}")).seconds
                own_total += own_floor
                own = f"own setup {own_floor:5.2f}s, beyond it {res.seconds - own_floor:6.2f}s  "
            print(f"{path.parent.name}/{path.name:<45} {res.seconds:7.2f}s  {res.seconds / floor:5.2f}x floor  {own}"
                  + (_metrics(res.metrics) if res.ok else f"FAILED: {res.error[:100]}"), flush=True)
            if args.cells and res.output and res.output.exists():
                print("\n".join(slowest_cells(res.output, args.cells)), flush=True)
    print(f"\n{len(paths)} notebooks: total {total:.1f}s, floor x notebooks {floor * len(paths):.1f}s, "
          f"ratio {total / (floor * len(paths)):.2f}, slowest notebook above")
    if args.own_floor:
        print(f"each notebook's own setup (kernel start + its imports + setup): {own_total:.1f}s in all; beyond it "
              f"{total - own_total:.1f}s; total / own setups {total / own_total:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
