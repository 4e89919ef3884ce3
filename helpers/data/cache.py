"""The stand-in build cache: build a folder once, atomically, and rebuild it only when its version changes.

A stand-in is generated once per data set and profile and kept under
``<data_dir>/standin/<name>/<profile>/``. It is written to a temporary sibling folder and renamed
into place when complete, so concurrent notebooks never see a half-written stand-in; a
``standin.json`` manifest, written last, records the generator ``version`` it was built with.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MANIFEST = "standin.json"


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
