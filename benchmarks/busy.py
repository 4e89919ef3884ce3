"""Each notebook's run time on an idle machine and beside one CPU-burning process, with two thread settings.

A student's laptop runs a browser and other notebooks; a class server runs many kernels. This measures
what that costs each notebook: ``cookbook run NOTEBOOK`` (stand-in data, CPU, the chosen profile) once on
the machine as it is ("idle") and once while another process keeps one core busy ("busy"), for

* ``after``: the course's thread choice (``helpers.setup``: half the cores, see ``helpers.config.choose_threads``);
* ``before``: one intra-op thread per core (PyTorch's default, what the course used before), via ``COOKBOOK_THREADS``.

A busy run is stopped at ``--cap`` times its idle time (it then reads ">= cap"); the goal is busy <= 1.5x idle.
Each line is also appended as JSON to ``--json``. The load average before each run is printed: an idle run
is only idle if nothing else ran. While ``--pause-file`` exists no new run starts.

    python benchmarks/busy.py [CHAPTER_OR_NOTEBOOK ...] [--profile quick] [--configs after,before] [--cap 2.0]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cookbook.checkout import chapter_notebooks  # noqa: E402


@contextmanager
def burner(busy: bool):
    """A process that keeps one core busy for the duration (nothing when ``busy`` is False)."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        time.sleep(0.5 if busy else 0)
        yield
    finally:
        if proc:
            proc.kill()
            proc.wait()


def run_once(path: Path, profile: str, env: dict[str, str], cap: float | None) -> tuple[float, bool, str]:
    """(seconds, finished, error): ``cookbook run`` of one notebook, killed (with its kernel) after ``cap`` seconds."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "cookbook", "run", str(path), "--profile", profile, "--data", "synthetic",
               "--device", "cpu", "--output", out]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = proc.communicate(timeout=cap)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            proc.kill()
            proc.communicate()
            return time.perf_counter() - start, False, "stopped"
        seconds = time.perf_counter() - start
        return seconds, proc.returncode == 0, "" if proc.returncode == 0 else output.strip().splitlines()[-1:][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapters or notebook paths (default: chapters 2-9)")
    parser.add_argument("--profile", default="quick", choices=["smoke", "quick", "full"])
    parser.add_argument("--configs", default="after,before")
    parser.add_argument("--cap", type=float, default=2.0, help="stop a busy run at this multiple of its idle time")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "busy.jsonl")
    parser.add_argument("--pause-file", type=Path, default=ROOT / "build" / "busy.pause",
                        help="while this file exists, wait before starting the next run (to use the machine meanwhile)")
    args = parser.parse_args()
    paths = [p.resolve() for p in chapter_notebooks(ROOT, args.chapters or [f"ch0{i}" for i in range(2, 10)])]
    threads = {"after": {}, "before": {"COOKBOOK_THREADS": str(psutil.cpu_count())}}
    configs = args.configs.split(",")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    print(f"{psutil.cpu_count()} cores; profile {args.profile}; stand-in data; before = COOKBOOK_THREADS="
          f"{psutil.cpu_count()}, after = the course's choice; busy = one `while True: pass` process beside it",
          flush=True)
    for path in paths:
        name = f"{path.parent.name[:4]}/{path.stem}"
        row = {"notebook": name, "profile": args.profile}
        for config in configs:
            for busy in (False, True):
                while args.pause_file.exists():
                    time.sleep(2)
                load = os.getloadavg()[0]
                idle = row.get(f"{config}_idle")
                cap = args.cap * idle if busy and idle else None
                with burner(busy):
                    seconds, finished, error = run_once(path, args.profile, threads[config], cap)
                key = f"{config}_{'busy' if busy else 'idle'}"
                row[key], row[key + "_finished"], row[key + "_load"] = round(seconds, 1), finished, round(load, 2)
                if error and error != "stopped":
                    row[key + "_error"] = error
            idle, busy_s = row[f"{config}_idle"], row[f"{config}_busy"]
            row[f"{config}_ratio"] = round(busy_s / idle, 2)
        cells = []
        for config in configs:
            mark = "" if row[f"{config}_busy_finished"] else ">="
            cells.append(f"{config}: idle {row[f'{config}_idle']:6.1f}s (load {row[f'{config}_idle_load']:.1f}) "
                         f"busy {mark}{row[f'{config}_busy']:6.1f}s = {mark}{row[f'{config}_ratio']:.2f}x")
        print(f"{name:<42} " + " | ".join(cells), flush=True)
        with open(args.json, "a") as f:
            f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
