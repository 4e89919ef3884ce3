"""Files derived from the data: decompressed idx files and MNIST as an ``.npz``, written once, atomically.

A derived file lives next to its source, or, when the data folder is read-only (a grading
sandbox, a data folder shared by a class), in a private temporary folder of this user.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torchvision

from ..config import Course
from .formats import IDX_FILES
from .paths import DataFiles, DataPath, data_path
from .policy import DataError, locate


def idx_files(course: Course, name: str) -> DataFiles:
    """The four idx ``.gz`` files of ``fashion_mnist`` or ``mnist`` by role (keys of :data:`~.formats.IDX_FILES`).

    Real ``.gz`` files are decompressed next to themselves once (torchvision's readers read the
    decompressed files; the stand-in has both). ``standin`` tells which the files are.
    """
    found = locate(course, name)
    files = DataFiles({key: found.folder / f"{base}.gz" for key, base in IDX_FILES.items()}, found.standin)
    if not found.standin:
        for path in files.values():
            _gunzip(path)
    return files


def _derived(target: Path) -> Path:
    """Where a file derived from the data (a decompressed idx file, an ``.npz``) lives: next to its source, or,
    when that folder is read-only (a grading sandbox, a data folder shared by a class), in a private temporary
    folder of this user. An existing file next to the source always wins."""
    if target.is_file() or os.access(target.parent, os.W_OK):
        return target
    private = Path(tempfile.gettempdir()) / "cookbook-derived" / hashlib.sha1(str(target.parent).encode()).hexdigest()[:16]
    private.mkdir(parents=True, exist_ok=True)
    return private / target.name


def _gunzip(path: Path) -> Path:
    """Decompress ``x.gz`` to ``x`` (once, atomically); return the decompressed path."""
    target = _derived(path.with_suffix(""))
    if target.is_file():
        return target
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, gzip.open(path, "rb") as source:
            shutil.copyfileobj(source, out)
        os.replace(tmp, target)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} is not a valid gzip file ({exc}); delete it and download it again "
                        f"(cookbook data download)") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def mnist_npz(course: Course) -> DataPath:
    """An ``.npz`` of MNIST with keys ``x_train`` (N, 28, 28) uint8, ``y_train`` (N,) uint8, ``x_test``, ``y_test``.

    Uses ``<raw folder>/mnist.npz`` when present (e.g. Keras's ``mnist.npz``), else writes it
    once from the idx files (real or stand-in). The path has ``standin``: whether it holds the stand-in.
    """
    files = idx_files(course, "mnist")
    target = _derived(files["train_images"].parent / "mnist.npz")
    if target.is_file():
        return data_path(target, files.standin)
    arrays = {}
    for split in ("train", "test"):
        images = torchvision.datasets.mnist.read_image_file(str(_gunzip(files[f"{split}_images"])))
        labels = torchvision.datasets.mnist.read_label_file(str(_gunzip(files[f"{split}_labels"])))
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images.numpy(), labels.numpy().astype(np.uint8)
    handle, tmp = tempfile.mkstemp(prefix=".mnist.", suffix=".npz", dir=target.parent)
    os.close(handle)
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return data_path(target, files.standin)
