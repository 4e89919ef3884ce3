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

    def pick(self, smoke: T, quick: T, full: T) -> T:
        """Return the value for the current profile, e.g. ``course.pick(smoke=1, quick=3, full=10)``."""
        return {"smoke": smoke, "quick": quick, "full": full}[self.profile]

    def __str__(self) -> str:
        return (f"profile={self.profile}  device={self.device}  data={self.data}  "
                f"seed={self.seed}  data_dir={self.data_dir}")


def setup(profile: str | None = None, device: str | None = None, data: str | None = None,
          seed: int = 0, data_dir: str | os.PathLike | None = None, quiet: bool = False) -> Course:
    """Resolve the run settings, seed every RNG, and print them in one line.

    Each argument left as ``None`` or ``"auto"`` falls back to its environment variable
    (``COOKBOOK_PROFILE``, ``COOKBOOK_DEVICE``, ``COOKBOOK_DATA``, ``COOKBOOK_DATA_DIR``) and
    then to the automatic choice: the best device, profile ``full`` on CUDA else ``quick``,
    data policy ``auto`` (real data when present or downloadable, else a stand-in).
    """
    dev = pick_device(device if device not in (None, "") else os.environ.get("COOKBOOK_DEVICE", "auto"))
    prof = _normalise(profile, "COOKBOOK_PROFILE", PROFILES, "profile")
    if prof == "auto":
        prof = default_profile(dev)
    policy = _normalise(data, "COOKBOOK_DATA", DATA_POLICIES[1:], "data policy")
    course = Course(profile=prof, device=dev, data=policy, seed=int(seed),
                    data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir())
    seed_everything(course.seed)
    if not quiet:
        print(f"PyTorch {torch.__version__} | {course}")
    return course
