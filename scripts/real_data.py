"""The course on the real data sets: what `make real-data` and the weekly GitHub workflow run.

1. ``cookbook data download`` every data set that can be downloaded (GloVe's 822 MB included unless
   ``--skip-large``), then ``cookbook data verify`` (checksums) and torchvision's ImageNet weights of the
   pretrained models (verified against the hash in their file name);
2. ``cookbook run <chapter> --data real --profile quick`` for each chapter, which prints each notebook's time and
   headline metrics. A chapter that needs a data set only a person can download (chest X-rays: a Kaggle account)
   while it is missing runs with ``--data auto`` instead (real data and weights where there are some, that one
   stand-in), and the summary says so;
3. a summary table; the executed notebooks are in ``build/real-data/<chapter>/``.

Without internet it says what it cannot do and runs nothing: exit 0, or 1 when real data was asked for explicitly
(``--require``, ``make real-data REQUIRE=1``, ``COOKBOOK_REQUIRE_REAL_DATA=1``: the scheduled workflow). Online, it
exits 1 when a download, a checksum or a chapter fails.

    python scripts/real_data.py [--require] [--profile quick] [--skip-large] [--download-only] [CHAPTER ...]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cookbook.checkout import resolve_chapters  # noqa: E402
from helpers.config import default_data_dir  # noqa: E402
from helpers.data import download  # noqa: E402
from helpers.data.registry import REGISTRY  # noqa: E402

#: The pretrained models the notebooks load (helpers.models.pretrained_resnet): their torchvision weights.
WEIGHTS = {"resnet18": "ResNet18_Weights", "resnet50": "ResNet50_Weights"}
TIMEOUT_S = 5.0


def say(text: str = "") -> None:
    print(text, flush=True)


def online(timeout: float = TIMEOUT_S) -> tuple[bool, str]:
    """Whether the data sets' first mirror answers (one HEAD request), and which host was asked."""
    url = next(r.urls[0] for e in REGISTRY.values() for r in e.resources)
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True, host
    except urllib.error.HTTPError as error:
        return error.code < 500, host
    except (OSError, ValueError):
        return False, host


def downloadable(skip_large: bool) -> list[str]:
    return [n for n, e in REGISTRY.items() if e.resources and (e.auto_download or not skip_large)]


def manual_missing(data_dir: Path) -> list[str]:
    """Data sets only a person can download (no resources) that are not in the data directory."""
    return [n for n, e in REGISTRY.items() if not e.resources and not download.present(data_dir, e)]


def needs(chapter: str, names: list[str]) -> list[str]:
    """Which of the data sets ``names`` the chapter's notebooks load (their code names them)."""
    import nbformat

    code = "\n".join(c.source for p in sorted((ROOT / "solutions" / chapter).glob("*.ipynb"))
                     for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code")
    return [n for n in names if re.search(rf"\b{re.escape(n)}\b", code)]


def cookbook(*args: str) -> int:
    return subprocess.run([sys.executable, "-m", "cookbook", *args], cwd=ROOT).returncode


def fetch_weights() -> list[str]:
    """Download (or find in torch's cache) the ImageNet weights, hash-checked; return what failed."""
    import torchvision

    failed = []
    for name, weights in WEIGHTS.items():
        entry = getattr(torchvision.models, weights).IMAGENET1K_V1
        try:
            entry.get_state_dict(progress=True, check_hash=True)
            say(f"{name} ImageNet weights: ready (hash checked) from {entry.url}")
        except Exception as exc:  # noqa: BLE001 - report every failure, go on with the others
            failed.append(f"weights {name}: {type(exc).__name__}: {exc}")
            say(f"{name} ImageNet weights: FAILED ({exc})")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapters to run (default: all), e.g. ch02 ch05_transfer_learning")
    parser.add_argument("--require", action="store_true",
                        default=os.environ.get("COOKBOOK_REQUIRE_REAL_DATA") == "1",
                        help="real data was asked for: fail when it cannot be had (no internet)")
    parser.add_argument("--profile", default="quick", choices=["smoke", "quick", "full"])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--skip-large", action="store_true", help="leave out GloVe (822 MB)")
    parser.add_argument("--download-only", action="store_true", help="download and verify, run no chapter")
    args = parser.parse_args(argv)
    chapters = resolve_chapters(ROOT, args.chapters)
    data_dir = default_data_dir()
    names = downloadable(args.skip_large)

    reachable, host = online()
    if not reachable:
        say(f"real-data run: no internet ({host} did not answer within {TIMEOUT_S:.0f} s).")
        say(f"  cannot download the data sets {', '.join(names)} into {data_dir},")
        say(f"  nor torchvision's ImageNet weights of {', '.join(WEIGHTS)},")
        say(f"  nor run {', '.join(chapters)} with --data real. Nothing was downloaded or run.")
        say("  Notebooks use their offline stand-ins meanwhile (`make run`, `cookbook run --data auto`).")
        if args.require:
            say("error: real data was asked for (--require / REQUIRE=1 / COOKBOOK_REQUIRE_REAL_DATA=1).")
            return 1
        return 0

    problems: list[str] = []
    say(f"== downloading {', '.join(names)} into {data_dir} (checksums verified)")
    if cookbook("data", "download", *names) != 0:
        problems.append("a data set download failed (see above)")
    if cookbook("data", "verify") != 0:
        problems.append("a checksum failed (see above)")
    problems += fetch_weights()
    missing = manual_missing(data_dir)
    for name in missing:
        say(f"{name}: not here and cannot be downloaded automatically: {REGISTRY[name].how_to_get}")
    if args.download_only:
        return report([], problems)

    rows = []
    for chapter in chapters:
        blocked = needs(chapter, missing)
        policy = "auto" if blocked else "real"
        say(f"\n== {chapter}: cookbook run --data {policy} --profile {args.profile}"
            + (f" ({', '.join(blocked)} missing: stand-in for it, real data elsewhere)" if blocked else ""))
        start = time.perf_counter()
        code = cookbook("run", chapter, "--data", policy, "--profile", args.profile, "--device", args.device,
                        "--output", str(ROOT / "build" / "real-data" / chapter))
        status = "ok" if code == 0 else "FAILED"
        note = f"data {policy}" + (f" (stand-in: {', '.join(blocked)})" if blocked else "")
        rows.append((chapter, status, f"{time.perf_counter() - start:.0f}", note))
        if code != 0:
            problems.append(f"{chapter} failed with --data {policy}")
    return report(rows, problems)


def report(rows: list[tuple[str, str, str, str]], problems: list[str]) -> int:
    if rows:
        say("\n== summary (headline metrics per notebook: the tables above; executed copies in build/real-data/)")
        width = max(len(r[0]) for r in rows)
        say(f"{'chapter':{width}}  status  seconds  data")
        for chapter, status, seconds, note in rows:
            say(f"{chapter:{width}}  {status:6}  {seconds:>7}  {note}")
    for problem in problems:
        say(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
