"""``cookbook doctor``: what a student or maintainer needs to know about this machine and course.

It works wherever ``cookbook`` is installed: in the course checkout (instructors, CI) and in the student
bundle (the course's wheel, ``notebooks/`` and no ``solutions/``). What it reports is what a notebook's
``helpers.setup(...)`` will choose here: profile, device, CPU threads, data policy and data directory.
"""
from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from .checkout import chapters, course_root

MODULES = ("torch", "torchvision", "numpy", "matplotlib", "tqdm", "ipywidgets", "nbgrader", "papermill", "jupyterlab")
#: An optional package of jsonschema (pulled in by jupyter-events) that compiles a Lark grammar whenever nbformat is
#: imported: measured 1.3 s of CPU at the start of every nbgrader, papermill, jupyter and ``cookbook`` process.
SLOW_STARTUP = "rfc3987-syntax"


def _course() -> tuple[str, Path | None, list[str]]:
    """Where the course is: ``("checkout", root, chapters)``, ``("student edition", folder, chapters)`` (a folder
    holding ``notebooks/``: the unpacked student bundle, found from the current folder up), or ``("", None, [])``."""
    try:
        root = course_root()
        return "checkout", root, chapters(root)
    except FileNotFoundError:
        pass
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        found = chapters(folder, "notebooks")
        if found:
            return "student edition", folder, found
    return "", None, []


def _version(distribution: str) -> str | None:
    """The installed version of a package, read from its metadata (importing nbgrader or jupyterlab takes seconds)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _kernel() -> str:
    """The Python that JupyterLab's default kernel (``python3``) runs, compared with this one."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec("python3").argv
    except Exception as exc:  # noqa: BLE001 - no kernelspec, no jupyter_client: say so, do not crash
        return f"no python3 kernel found ({type(exc).__name__}); `pip install ipykernel`"
    exe = argv[0] if argv else "?"
    if exe in ("python", "python3"):  # jupyter_client runs the Python that runs Jupyter itself
        return f"python3 -> {exe} (the Python that runs JupyterLab)"
    if Path(exe).resolve() == Path(sys.executable).resolve():
        return f"python3 -> {exe} (this Python)"
    return f"python3 -> {exe} (not this Python: notebooks may not see these packages)"


def _datasets(data_dir: Path) -> str:
    try:
        from helpers.data import download
        from helpers.data.registry import REGISTRY
    except Exception as exc:  # noqa: BLE001
        return f"cannot list data sets ({type(exc).__name__}: {exc})"
    real = [name for name, entry in REGISTRY.items() if download.present(data_dir, entry)]
    return (f"real data present: {', '.join(real) or 'none'}; the others use stand-ins "
            "(`cookbook data list`, `cookbook data download NAME`)")


def doctor(out=print) -> int:
    """Print versions, the device, profile, CPU threads and data settings that notebooks will use, and where the
    course is (checkout or student edition). Returns 1 when a package the course needs is missing, else 0."""
    import torch

    from helpers.config import choose_threads, setup

    kind, where, found = _course()
    install = ("`make lab` or `pip install -e .`" if kind == "checkout"
               else "`pip install -r requirements.txt wheels/*.whl` (README.md)")
    out(f"python      {platform.python_version()} ({sys.executable})")
    missing = 0
    for mod in MODULES:
        version = torch.__version__ if mod == "torch" else _version(mod)  # the build too: 2.x.y+cu130, +cpu
        missing += version is None
        out(f"{mod:<11} {version if version is not None else f'MISSING: run {install}'}")
    slow = _version(SLOW_STARTUP)
    out("startup     " + (f"slow: {SLOW_STARTUP} {slow} compiles a grammar at the start of every nbgrader/jupyter/"
                          "cookbook process (grading, `cookbook check`; 1.3 s of CPU each on a 2-core test machine); "
                          f"nothing needs it: `pip uninstall {SLOW_STARTUP} lark` "
                          "(`make install` does)" if slow else f"fast ({SLOW_STARTUP} not installed)"))
    import cookbook
    import helpers

    out(f"course code cookbook {cookbook.__version__}, helpers from {Path(helpers.__file__).parent}")
    out(f"kernel      {_kernel()}")
    gpu = f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""
    out(f"cuda        {torch.cuda.is_available()}{gpu}")
    mps = getattr(torch.backends, "mps", None)
    out(f"mps         {bool(mps and mps.is_available())}")
    course = setup(quiet=True)
    _, why = choose_threads()
    out(f"profile     {course.profile}   (COOKBOOK_PROFILE={os.environ.get('COOKBOOK_PROFILE', '')})")
    out(f"device      {course.device}   (COOKBOOK_DEVICE={os.environ.get('COOKBOOK_DEVICE', '')})")
    out(f"CPU threads {course.threads}   ({why})")
    out(f"data        {course.data}   (COOKBOOK_DATA={os.environ.get('COOKBOOK_DATA', '')})")
    out(f"data dir    {course.data_dir} ({'exists' if course.data_dir.is_dir() else 'not created yet'}; "
        "COOKBOOK_DATA_DIR changes it)")
    out(f"data sets   {_datasets(course.data_dir)}")
    if kind == "checkout":
        out(f"course      checkout {where}: chapters {', '.join(found) or 'none'}")
        unreleased = [c for c in found if c not in chapters(where, "notebooks")]
        out("released    " + (f"notebooks/ lacks {', '.join(unreleased)}: run `cookbook release`" if unreleased
                              else "notebooks/ has every chapter"))
    elif kind:
        out(f"course      student edition {where}: chapters {', '.join(found)}")
    else:
        out(f"course      no notebooks/ folder in {Path.cwd()} or above: run `cookbook doctor` in the folder "
            "you unpacked the course into (or set COOKBOOK_ROOT to a course checkout)")
    return 1 if missing else 0
