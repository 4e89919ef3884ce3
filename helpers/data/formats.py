"""The real data sets' file formats, written by the stand-in generators and the unpackers, read by the loaders.

* idx (``.gz``): (Fashion-)MNIST's images and labels (:func:`write_idx`, :func:`write_idx_set`);
* CIFAR-10 python pickle batches (:func:`write_cifar_batches`);
* the course's news CSV: ``id, content`` and one 0/1 column per class (:func:`write_news_csv`,
  :func:`read_news_csv`), written for AG News when it is downloaded and for the stand-in;
* GloVe's text format, one ``word v1 v2 ...`` line per word (:func:`write_glove`, :func:`read_glove`);
* ``ImageFolder`` trees of PNG files, ``<split>/<class>/<file>.png`` (:func:`write_image_folder`).

Readers for idx files, pickle batches and image folders are torchvision's own.
"""
from __future__ import annotations

import csv
import gzip
import os
import pickle
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .download import Resource

#: The four files of an idx data set ((Fashion-)MNIST), by role; each is also served as ``<name>.gz``.
IDX_FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    """Write a uint8 array in the idx format of (Fashion-)MNIST (gzip-compressed by default).

    The header is big-endian: magic ``0x00000800 | ndim`` (2049 for labels, 2051 for images)
    followed by one 32-bit size per dimension, then the raw bytes.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with (gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) if compress else open(path, "wb")) as handle:
        handle.write(header + array.tobytes())
    return Path(path)


def write_idx_set(folder: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write the four idx files (keys of :data:`IDX_FILES`) into ``folder``, gzipped and decompressed."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, base in IDX_FILES.items():
        write_idx(folder / f"{base}.gz", arrays[key])
        write_idx(folder / base, arrays[key], compress=False)
    return folder


def idx_resources(mirrors: Sequence[str], sizes: Sequence[int], md5s: Sequence[str]) -> tuple[Resource, ...]:
    """The four idx ``.gz`` files as downloadable resources, each tried at every mirror (a URL prefix) in order.

    >>> idx_resources(["https://example.org/"], [1, 2, 3, 4], ["a", "b", "c", "d"])[3].urls
    ('https://example.org/t10k-labels-idx1-ubyte.gz',)
    """
    return tuple(Resource(f"{base}.gz", tuple(f"{m}{base}.gz" for m in mirrors), size, md5)
                 for base, size, md5 in zip(IDX_FILES.values(), sizes, md5s))


def write_cifar_batches(folder: Path, x_train: np.ndarray, y_train: np.ndarray,
                        x_test: np.ndarray, y_test: np.ndarray, classes: Sequence[str]) -> Path:
    """Write CIFAR-10 python pickle batches (``data_batch_1..5``, ``test_batch``, ``batches.meta``).

    ``x_*`` are (N, 32, 32, 3) uint8 images; each batch stores ``data`` as (n, 3072) uint8 rows
    in channel-major order, ``labels`` as a list of ints, plus ``batch_label`` and ``filenames``.
    """
    folder.mkdir(parents=True, exist_ok=True)

    def dump(name: str, label: str, x: np.ndarray, y: np.ndarray, start: int) -> None:
        entry = {"batch_label": label, "labels": [int(v) for v in y],
                 "data": np.ascontiguousarray(x.transpose(0, 3, 1, 2).reshape(len(x), -1), dtype=np.uint8),
                 "filenames": [f"standin_{start + i:05d}.png" for i in range(len(x))]}
        with open(folder / name, "wb") as handle:
            pickle.dump(entry, handle, protocol=2)

    for i, part in enumerate(np.array_split(np.arange(len(x_train)), 5), start=1):
        first = int(part[0]) if len(part) else 0
        dump(f"data_batch_{i}", f"training batch {i} of 5", x_train[part], y_train[part], first)
    dump("test_batch", "testing batch 1 of 1", x_test, y_test, 0)
    meta = {"num_cases_per_batch": int(np.ceil(len(x_train) / 5)), "label_names": list(classes), "num_vis": 3072}
    with open(folder / "batches.meta", "wb") as handle:
        pickle.dump(meta, handle, protocol=2)
    return folder


def write_news_csv(path: Path, rows: Sequence[dict[str, str | int]], classes: Sequence[str]) -> Path:
    """Write news articles as a CSV with the columns ``id, content`` and one 0/1 column per class.

    Each row is a dict with those keys. The file is written beside ``path`` and renamed into
    place, so a reader never sees half of it.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "content", *classes])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return path


def read_news_csv(path: str | Path) -> tuple[list[str], list[int], list[str]]:
    """Read a news CSV (``id, content`` and one 0/1 column per class) into (texts, labels, class names)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if "content" not in fields:
            raise ValueError(f"{path}: expected columns id, content, <one per class>; got {fields}")
        classes = [f for f in fields if f not in ("id", "content")]
        texts, labels = [], []
        for row in reader:
            hot = [int(row[c]) for c in classes]
            if sum(hot) != 1:
                raise ValueError(f"{path}: row id={row.get('id')} has {sum(hot)} class columns set (expected 1)")
            texts.append(row["content"])
            labels.append(hot.index(1))
    return texts, labels, classes


def read_glove(path: str | Path) -> tuple[list[str], torch.Tensor]:
    """Read a GloVe text file (``word v1 v2 ...`` per line) into (words, (N, dim) float tensor)."""
    words, rows = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip().split(" ")
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    return words, torch.from_numpy(np.stack(rows))


def write_glove(path: str | Path, words: Sequence[str], vectors: torch.Tensor) -> Path:
    """Write word vectors in GloVe's text format (``word v1 v2 ...``, one word per line, 5 decimals)."""
    with open(path, "w", encoding="utf-8") as handle:
        for word, row in zip(words, vectors.tolist()):
            handle.write(word + " " + " ".join(f"{v:.5f}" for v in row) + "\n")
    return Path(path)


def write_image_folder(folder: Path, images: np.ndarray, labels: Sequence[int], classes: Sequence[str],
                       start: int = 0) -> Path:
    """Write grey (N, H, W) uint8 images as ``folder/<class>/<class>-<number>.png`` (an ``ImageFolder`` split).

    Image ``i`` is numbered ``start + i`` (five digits), so several calls can fill one split.
    """
    for offset, (label, image) in enumerate(zip(labels, images)):
        target = Path(folder) / classes[label]
        target.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(target / f"{classes[label]}-{start + offset:05d}.png", compress_level=1)
    return Path(folder)
