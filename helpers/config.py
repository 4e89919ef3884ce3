"""Run-time settings shared by every notebook: profile, device, data policy, seed.

A notebook's ``parameters`` cell reads its defaults from the environment
(``COOKBOOK_PROFILE``, ``COOKBOOK_DEVICE``, ``COOKBOOK_DATA``), papermill may override them,
and :func:`setup` turns them into one :class:`Course` object that the rest of the notebook uses.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

PROFILES = ("smoke", "quick", "full")
DATA_POLICIES = ("auto", "real", "synthetic")
DEVICES = ("auto", "cpu", "cuda", "mps")

T = TypeVar("T")


def _repo_root() -> Path | None:
    """The course checkout this package lives in, or None when installed elsewhere."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "solutions").is_dir() else None


def default_data_dir() -> Path:
    """``COOKBOOK_DATA_DIR`` if set, else ``data/`` in the course checkout (git-ignored)."""
    env = os.environ.get("COOKBOOK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    root = _repo_root()
    return root / "data" if root else Path.home() / ".cache" / "pytorch-cookbook-lab" / "data"


def pick_device(requested: str | None = "auto") -> torch.device:
    """Return the device to use: ``cuda`` if available, else ``mps``, else ``cpu``.

    ``requested`` may name a device explicitly (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``);
    asking for one that is not available raises a ``RuntimeError`` that says what to do.
    """
    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = requested.split(":")[0]
    if kind not in DEVICES:
        raise ValueError(f"unknown device {requested!r}: use one of {', '.join(DEVICES)} (or cuda:N)")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but no CUDA GPU is visible to PyTorch; "
                           "use --device auto/cpu, or install the CUDA build of torch (see README)")
    if kind == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise RuntimeError("device 'mps' was requested but MPS is not available; use --device auto or cpu")
    return torch.device(requested)


def default_profile(device: torch.device) -> str:
    """``full`` on a CUDA GPU, ``quick`` elsewhere."""
    return "full" if device.type == "cuda" else "quick"


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so results repeat run to run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def choose_threads(requested: int | str | None = None, cores: int | None = None,
                   environ: dict[str, str] | None = None) -> tuple[int, str]:
    """How many intra-op CPU threads PyTorch should use, and why (one line for the setup banner).

    ``requested`` (an argument, else ``COOKBOOK_THREADS``, else ``OMP_NUM_THREADS``) wins. Otherwise half the
    cores, at least one: PyTorch's default of one thread per core is fastest on an idle machine but collapses
    when anything else runs (measured on 2 cores with one other busy process: an LSTM notebook took 16x its idle
    time with 2 threads, 1.0x with 1), because every operation waits for its slowest thread. Half the cores
    leaves room for a browser, another notebook or a DataLoader worker (workers use one thread each).
    """
    environ = os.environ if environ is None else environ
    cores = cores or available_cores()
    for value, source in ((requested, "setup(threads=...)"), (environ.get("COOKBOOK_THREADS"), "COOKBOOK_THREADS"),
                          (environ.get("OMP_NUM_THREADS"), "OMP_NUM_THREADS")):
        if value not in (None, "", "auto"):
            try:
                n = int(value)
            except ValueError:
                raise ValueError(f"{source}={value!r} is not a number of threads; use a whole number such as 1 "
                                 "or 'auto'") from None
            if n < 1:
                raise ValueError(f"{source}={n}: use at least 1 thread (or 'auto')")
            return n, f"set by {source}"
    n = max(1, cores // 2)
    return n, f"half of {cores} cores, so a busy machine does not stall training; COOKBOOK_THREADS changes it"


def _normalise(value: str | None, env: str, allowed: tuple[str, ...], what: str) -> str:
    value = (value if value not in (None, "") else os.environ.get(env, "auto")).strip().lower()
    if value != "auto" and value not in allowed:
        raise ValueError(f"unknown {what} {value!r}: use one of {', '.join(('auto',) + allowed)} "
                         f"(argument or environment variable {env})")
    return value


@dataclass(frozen=True)
class Course:
    """Resolved settings of one notebook run. Create it with :func:`setup`."""

    profile: str
    device: torch.device
    data: str
    seed: int
    data_dir: Path
    threads: int = 1

    def pick(self, smoke: T, quick: T, full: T) -> T:
        """Return the value for the current profile, e.g. ``course.pick(smoke=1, quick=3, full=10)``."""
        return {"smoke": smoke, "quick": quick, "full": full}[self.profile]

    def __str__(self) -> str:
        return (f"profile={self.profile}  device={self.device}  data={self.data}  "
                f"seed={self.seed}  threads={self.threads}  data_dir={self.data_dir}")


def setup(profile: str | None = None, device: str | None = None, data: str | None = None,
          seed: int = 0, data_dir: str | os.PathLike | None = None, quiet: bool = False,
          threads: int | str | None = None) -> Course:
    """Resolve the run settings, seed every RNG, set PyTorch's CPU threads, and print them.

    Each argument left as ``None`` or ``"auto"`` falls back to its environment variable
    (``COOKBOOK_PROFILE``, ``COOKBOOK_DEVICE``, ``COOKBOOK_DATA``, ``COOKBOOK_DATA_DIR``) and
    then to the automatic choice: the best device, profile ``full`` on CUDA else ``quick``,
    data policy ``auto`` (real data when present or downloadable, else a stand-in). CPU threads follow
    :func:`choose_threads` (half the cores unless ``threads``, ``COOKBOOK_THREADS`` or ``OMP_NUM_THREADS`` says).
    """
    dev = pick_device(device if device not in (None, "") else os.environ.get("COOKBOOK_DEVICE", "auto"))
    prof = _normalise(profile, "COOKBOOK_PROFILE", PROFILES, "profile")
    if prof == "auto":
        prof = default_profile(dev)
    policy = _normalise(data, "COOKBOOK_DATA", DATA_POLICIES[1:], "data policy")
    # the test cells' checks take their references (torch, builtins) now, before any exercise cell runs
    from . import checks  # noqa: F401
    n_threads, why = choose_threads(threads)
    torch.set_num_threads(n_threads)
    course = Course(profile=prof, device=dev, data=policy, seed=int(seed),
                    data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(), threads=n_threads)
    seed_everything(course.seed)
    if not quiet:
        print(f"PyTorch {torch.__version__} | {course}")
        print(f"CPU threads: {n_threads} ({why})")
    return course
