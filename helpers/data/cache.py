"""The stand-in build cache: where built stand-ins live, and building a folder once, atomically.

A stand-in is generated once per data set and profile and kept under
``<data_dir>/standin/<name>/<profile>/`` (:func:`standin_root`; this module is the one place that knows
the layout). It is written to a temporary sibling folder and renamed into place when complete, so
concurrent notebooks never see a half-written stand-in; a ``standin.json`` manifest, written last,
records the generator ``version`` it was built with (:func:`cached_profiles` lists the built ones).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The folder of the data directory that holds the built stand-ins.
STANDINS = "standin"
#: The manifest of a complete build, written last.
MANIFEST = "standin.json"


def standins(data_dir: Path, name: str) -> Path:
    """The folder holding every profile's stand-in of data set ``name``: ``<data_dir>/standin/<name>``.

    >>> standins(Path("data"), "mnist").as_posix()
    'data/standin/mnist'
    """
    return Path(data_dir) / STANDINS / name


def standin_root(data_dir: Path, name: str, profile: str) -> Path:
    """The cache folder of data set ``name``'s stand-in for ``profile``: ``<data_dir>/standin/<name>/<profile>``.

    >>> standin_root(Path("data"), "mnist", "smoke").as_posix()
    'data/standin/mnist/smoke'
    """
    return standins(data_dir, name) / profile


def cached_profiles(data_dir: Path, name: str) -> list[str]:
    """The profiles (sorted) for which a build of data set ``name``'s stand-in is in the cache, of any version."""
    return sorted(manifest.parent.name for manifest in standins(data_dir, name).glob(f"*/{MANIFEST}")
                  if not manifest.parent.name.startswith("."))  # a dot folder is a build in progress


def _complete(root: Path, version: int) -> bool:
    """True if ``root`` holds a finished build made by generator ``version``."""
    try:
        return json.loads((root / MANIFEST).read_text()).get("version") == version
    except (OSError, ValueError, AttributeError):
        return False


def cached(root: Path, build: Callable[[Path], None], version: int, describe: dict | None = None) -> Path:
    """Return ``root``, building it first with ``build(tmp_folder)`` unless a complete copy of ``version`` exists.

    The build happens in a temporary sibling folder renamed into place when complete; the
    manifest ``standin.json`` (``{"version": version, **describe}``, written last) marks a complete
    build. A copy of another version is replaced. When several processes build at once, the
    first to finish wins and the others discard their copy; a complete copy is never removed
    while others may be reading it.
    """
    if _complete(root, version):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        build(tmp)
        (tmp / MANIFEST).write_text(json.dumps({"version": version, **(describe or {})}, indent=1))
        if _complete(root, version):  # another process finished first
            return root
        if root.exists():  # another version or an interrupted copy: move it aside, then replace
            stale = Path(tempfile.mkdtemp(prefix=f".{root.name}.stale.", dir=root.parent))
            os.replace(root, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(tmp, root)
        except OSError:
            if not _complete(root, version):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root
