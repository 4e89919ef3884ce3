"""``cookbook data``: list, download and verify the course data sets.

    cookbook data list                 # each data set: real / stand-in cached / missing, size, location
    cookbook data download NAME|all    # fetch (verified) into the data directory; `all` skips GloVe (822 MB)
    cookbook data verify               # checksums of the real files that are present
"""
from __future__ import annotations

import argparse
from pathlib import Path

from helpers.config import default_data_dir
from helpers.data import download
from helpers.data.cache import cached_profiles, standins
from helpers.data.download import DownloadError
from helpers.data.registry import REGISTRY


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _list(data_dir: Path) -> int:
    print(f"data directory: {data_dir}  (set COOKBOOK_DATA_DIR to change it)\n")
    print(f"{'name':14s} {'real data':28s} {'stand-ins cached':22s} location")
    for name, entry in REGISTRY.items():
        folder = data_dir / entry.folder
        if download.present(data_dir, entry):
            real = f"present ({_human(_size(folder))})"
        else:
            real = "missing" + ("" if entry.resources else " (manual download)")
        cached = cached_profiles(data_dir, name)
        kept = f"{', '.join(cached)} ({_human(_size(standins(data_dir, name)))})" if cached else "none"
        print(f"{name:14s} {real:28s} {kept:22s} {folder}")
    return 0


def _download(data_dir: Path, names: list[str]) -> int:
    if names == ["all"]:
        names = [n for n, entry in REGISTRY.items() if entry.resources and entry.auto_download]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown data set(s) {', '.join(unknown)}; choose from {', '.join(REGISTRY)} or all")
        return 2
    failed = 0
    for name in names:
        try:
            folder = download.download_dataset(data_dir, REGISTRY[name])
            print(f"{name}: ready in {folder}")
        except (DownloadError, OSError) as exc:
            failed += 1
            print(f"{name}: FAILED\n  {exc}")
    return 1 if failed else 0


def _verify(data_dir: Path) -> int:
    bad = checked = 0
    for name, entry in REGISTRY.items():
        for path, problem in download.verify_dataset(data_dir, entry):
            checked += 1
            bad += problem is not None
            print(f"{'OK ' if problem is None else 'BAD'} {name:14s} {path}" + (f"\n    {problem}" if problem else ""))
    print(f"{checked} file(s) checked, {bad} bad" + (" (delete bad files and download again)" if bad else ""))
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    """Run ``cookbook data`` with ``argv`` (without the leading ``data``); return the exit status."""
    parser = argparse.ArgumentParser(prog="cookbook data", description="List, download and verify the course data.")
    parser.add_argument("--data-dir", type=Path, default=None, help="data directory (default: COOKBOOK_DATA_DIR or data/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show each data set: real, stand-in cached or missing")
    get = commands.add_parser("download", help="download and verify data sets into the data directory")
    get.add_argument("names", nargs="+", metavar="NAME", help=f"{', '.join(REGISTRY)} or all")
    commands.add_parser("verify", help="check the checksums of the real files present")
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).expanduser()
    if data_dir.exists() and not data_dir.is_dir():
        print(f"the data directory {data_dir} is a file, not a folder")
        return 2
    if args.command == "list":
        return _list(data_dir)
    if args.command == "download":
        return _download(data_dir, args.names)
    return _verify(data_dir)
