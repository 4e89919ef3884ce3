"""Tiny files in the real data sets' formats, written by the tests (no network), and a course factory."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from helpers.config import Course
from helpers.data import formats
from helpers.data.download import Resource
from helpers.data.registry import REGISTRY


def course(data_dir: Path, policy: str = "real", profile: str = "smoke") -> Course:
    """A CPU course with data policy ``policy`` reading ``data_dir``."""
    return Course(profile=profile, device=torch.device("cpu"), data=policy, seed=0, data_dir=data_dir)


def write_idx_fixture(raw: Path, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    """Random idx ``.gz`` files (labels cycling 0-9) into ``raw``; returns the arrays by role."""
    rng = np.random.default_rng(1)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
              "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "test_labels": (np.arange(n_test) % 10).astype(np.uint8)}
    raw.mkdir(parents=True, exist_ok=True)
    for key, base in formats.IDX_FILES.items():
        formats.write_idx(raw / f"{base}.gz", arrays[key])
    return arrays


def write_cifar_fixture(folder: Path, n_train: int = 20, n_test: int = 10) -> tuple[np.ndarray, list[int]]:
    """Random CIFAR-10 pickle batches (labels cycling 0-9) into ``folder``; returns (x_train, y_train)."""
    rng = np.random.default_rng(2)
    x_train, x_test = (rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8) for n in (n_train, n_test))
    y_train, y_test = np.arange(n_train) % 10, np.arange(n_test) % 10
    formats.write_cifar_batches(folder, x_train, y_train, x_test, y_test, REGISTRY["cifar10"].classes)
    return x_train, list(y_train)


def write_imagefolder_fixture(root: Path, per_class: int = 3) -> None:
    """A Kaggle-layout chest X-ray tree of (40, 50) grey PNGs, ``per_class`` per split and class."""
    classes = REGISTRY["chest_xray"].classes
    for split in ("train", "val", "test"):
        images = np.stack([np.full((40, 50), (25 * i) % 256, np.uint8) for i in range(2 * per_class)])
        formats.write_image_folder(root / split, images, [0] * per_class + [1] * per_class, classes)


def mirrored(path: Path) -> Resource:
    """A resource served from ``path`` (a ``file:`` URL) with its true size and md5."""
    return Resource(path.name, (path.as_uri(),), path.stat().st_size, hashlib.md5(path.read_bytes()).hexdigest())
