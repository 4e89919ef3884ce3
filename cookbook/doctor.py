"""``cookbook doctor``: what a student or maintainer needs to know about this machine and course."""
from __future__ import annotations

import os
import platform
import sys

from .course import chapters, course_root


def doctor(out=print) -> int:
    """Print versions, the device, profile and data settings that notebooks will use, and the course found."""
    import torch

    from helpers.config import setup

    out(f"python      {platform.python_version()} ({sys.executable})")
    for mod in ("torch", "torchvision", "numpy", "matplotlib", "nbgrader", "papermill", "jupyterlab"):
        try:
            module = __import__(mod)
            out(f"{mod:<11} {getattr(module, '__version__', '?')}")
        except ImportError:
            out(f"{mod:<11} MISSING: run `make lab` or `pip install -e .`")
    gpu = f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""
    out(f"cuda        {torch.cuda.is_available()}{gpu}")
    mps = getattr(torch.backends, "mps", None)
    out(f"mps         {bool(mps and mps.is_available())}")
    course = setup(quiet=True)
    out(f"profile     {course.profile}   (COOKBOOK_PROFILE={os.environ.get('COOKBOOK_PROFILE', '')})")
    out(f"device      {course.device}   (COOKBOOK_DEVICE={os.environ.get('COOKBOOK_DEVICE', '')})")
    out(f"data        {course.data}   (COOKBOOK_DATA={os.environ.get('COOKBOOK_DATA', '')})")
    out(f"data dir    {course.data_dir} ({'exists' if course.data_dir.is_dir() else 'not created yet'})")
    try:
        root = course_root()
        out(f"course      {root}: chapters {', '.join(chapters(root)) or 'none'}")
    except FileNotFoundError as exc:
        out(f"course      {exc}")
    return 0
