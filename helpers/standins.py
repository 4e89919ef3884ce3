"""Deterministic stand-ins for the course data sets, written in the real file formats.

A stand-in has the real data set's shapes, dtypes, value ranges, class names and train/test
structure, is learnable with an honest difficulty (chance < linear model < small CNN), and
looks like the real thing when plotted. It is written to disk in the real format (idx ``.gz``,
CIFAR-10 pickle batches, PNG ``ImageFolder``, CSV) and loaded by the same code as real data.

Generation is vectorised NumPy/PyTorch and seeded with a fixed per-data-set seed, so every run
(and every machine) sees the same stand-in; it happens once per profile and is cached under
``<data_dir>/standin/<name>/<profile>/`` (written to a temporary folder and renamed into place,
so concurrent notebooks never see a half-written stand-in).
"""
from __future__ import annotations

import gzip
import json
import os
import pickle
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

VERSION = 4

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                 "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]

#: (train, test) sizes per profile; ``full`` is the real data set's size.
SIZES = {
    "fashion_mnist": {"smoke": (2000, 500), "quick": (12000, 2000), "full": (60000, 10000)},
    "mnist": {"smoke": (2000, 500), "quick": (12000, 2000), "full": (60000, 10000)},
    "cifar10": {"smoke": (2000, 500), "quick": (12000, 2000), "full": (50000, 10000)},
}
IDX_FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
SEEDS = {"fashion_mnist": 1_000, "mnist": 2_000, "cifar10": 3_000, "chest_xray": 4_000, "news": 5_000}


# --------------------------------------------------------------------------- file formats
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


def write_cifar_batches(folder: Path, x_train: np.ndarray, y_train: np.ndarray,
                        x_test: np.ndarray, y_test: np.ndarray, classes: list[str]) -> Path:
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


# --------------------------------------------------------------------------- caching
def _complete(root: Path) -> bool:
    """True if ``root`` holds a finished build of this generator ``VERSION``."""
    try:
        return json.loads((root / "standin.json").read_text()).get("version") == VERSION
    except (OSError, ValueError):
        return False


def cached(root: Path, build: Callable[[Path], None], describe: dict) -> Path:
    """Return ``root``, building it first with ``build(tmp_folder)`` unless a complete copy exists.

    The build happens in a temporary sibling folder renamed into place when complete; a
    ``standin.json`` manifest (written last) marks a complete build of this generator ``VERSION``.
    When several processes build at once, the first to finish wins and the others discard
    their copy; a complete copy is never removed while others may be reading it.
    """
    if _complete(root):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        build(tmp)
        (tmp / "standin.json").write_text(json.dumps({"version": VERSION, **describe}, indent=1))
        if _complete(root):  # another process finished first
            return root
        if root.exists():  # an older version or an interrupted copy: move it aside, then replace
            stale = Path(tempfile.mkdtemp(prefix=f".{root.name}.stale.", dir=root.parent))
            os.replace(root, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(tmp, root)
        except OSError:
            if not _complete(root):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def balanced_labels(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels with every class equally frequent (within one), in random order."""
    return rng.permutation(np.arange(n) % n_classes).astype(np.uint8)


# --------------------------------------------------------------------------- drawing primitives
def _grid(n: int, size: int, rng: np.random.Generator, shift: float, scale: tuple[float, float],
          rotate: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample jittered coordinates in [-1, 1]: x to the right, y downwards, shape (n, size, size)."""
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    y, x = np.meshgrid(axis, axis, indexing="ij")
    tx, ty = (rng.uniform(-shift, shift, (2, n, 1, 1))).astype(np.float32)
    sx = rng.uniform(*scale, (n, 1, 1)).astype(np.float32)
    sy = sx * rng.uniform(0.92, 1.08, (n, 1, 1)).astype(np.float32)
    theta = rng.uniform(-rotate, rotate, (n, 1, 1)).astype(np.float32)
    c, s = np.cos(theta), np.sin(theta)
    dx, dy = x - tx, y - ty
    return (c * dx + s * dy) / sx, (-s * dx + c * dy) / sy


def _u(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """Per-sample uniform parameter, shaped to broadcast over (n, H, W)."""
    return rng.uniform(low, high, (n, 1, 1)).astype(np.float32)


def _box(x, y, x0, x1, y0, y1) -> np.ndarray:
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _ellipse(x, y, cx, cy, rx, ry) -> np.ndarray:
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def _downsample(a: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks of the last two axes (anti-aliasing)."""
    n, h, w = a.shape[:3]
    return a.reshape(n, h // factor, factor, w // factor, factor, *a.shape[3:]).mean(axis=(2, 4))


def _interp_matrix(size: int, cells: int) -> np.ndarray:
    """(size, cells) linear-interpolation weights from a coarse grid of ``cells`` to ``size`` pixels."""
    pos = np.clip((np.arange(size) + 0.5) * cells / size - 0.5, 0, cells - 1)
    low = np.minimum(np.floor(pos).astype(int), cells - 2)
    weights = np.zeros((size, cells), np.float32)
    weights[np.arange(size), low] = 1 - (pos - low)
    weights[np.arange(size), low + 1] = pos - low
    return weights


def _upsample(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (n, h, h) images to (n, size, size), as two large matrix products."""
    n, h = images.shape[:2]
    weights = _interp_matrix(size, h)
    rows = (images.reshape(n * h, h) @ weights.T).reshape(n, h, size)          # resize along x
    return (rows.transpose(0, 2, 1).reshape(n * size, h) @ weights.T).reshape(n, size, size).transpose(0, 2, 1)


def _smooth_noise(rng: np.random.Generator, n: int, size: int, cells: int, channels: int = 1) -> np.ndarray:
    """Smooth random field in [-1, 1] of shape (n, size, size, channels), bilinear from a coarse grid."""
    coarse = rng.uniform(-1, 1, (n, channels, cells, cells)).astype(np.float32)
    weights = _interp_matrix(size, cells)
    return (weights @ coarse @ weights.T).transpose(0, 2, 3, 1)


# --------------------------------------------------------------------------- Fashion-MNIST
def _garment_top(x, y, rng, n, sleeve: str, length: float) -> np.ndarray:
    """Torso with short or long sleeves, as on a flat-lay product photo."""
    half = _u(rng, 0.42, 0.55, n)
    top, bottom = -0.72, _u(rng, length - 0.1, length + 0.06, n)
    body = (np.abs(x) <= half) & (y >= top) & (y <= bottom)
    ax = np.abs(x) - half
    if sleeve == "short":
        reach, width, slope = _u(rng, 0.25, 0.45, n), _u(rng, 0.35, 0.5, n), _u(rng, 0.4, 0.9, n)
    else:
        reach, width, slope = _u(rng, 0.3, 0.42, n), _u(rng, 0.32, 0.42, n), _u(rng, 2.2, 3.0, n)
    upper = top + ax * slope
    arms = (ax > 0) & (ax <= reach) & (y >= upper) & (y <= upper + width + ax * 0.2)
    if sleeve == "long":
        arms &= y <= bottom + 0.05
    neck = _ellipse(x, y, 0, top, _u(rng, 0.14, 0.22, n), _u(rng, 0.08, 0.16, n))
    return (body | arms) & ~neck


def _fashion_masks(label: int, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(silhouette, darker detail lines) of one Fashion-MNIST class, canonical coordinates."""
    n = x.shape[0]
    lines = np.zeros_like(x, dtype=bool)
    if label in (0, 6):  # T-shirt/top, shirt: shirts have collars, buttons, often long sleeves
        short_mask = _garment_top(x, y, rng, n, "short", 0.86)
        if label == 0:
            return short_mask, lines
        long_mask = _garment_top(x, y, rng, n, "long", 0.9)
        use_long = rng.random((n, 1, 1)) < 0.65
        shape = np.where(use_long, long_mask, short_mask)
        collar = ((np.abs(x) <= 0.2) & (y >= -0.78) & (y <= -0.55) & (np.abs(x) >= (y + 0.78) * 0.6)
                  & (rng.random((n, 1, 1)) < 0.7))
        buttons = (np.abs(x) <= 0.035) & (y > -0.55) & (rng.random((n, 1, 1)) < 0.6)
        return shape | collar, buttons
    if label in (2, 4):  # pullover, coat: long sleeves; coats are longer and open in front
        shape = _garment_top(x, y, rng, n, "long", 0.84 if label == 2 else 0.94)
        if label == 2:
            band = (y >= 0.7) & (y <= 0.78) & (rng.random((n, 1, 1)) < 0.6)
            return shape, band
        zipper = (np.abs(x) <= 0.03) & (y > -0.6) & (rng.random((n, 1, 1)) < 0.5)
        lapel = (np.abs(np.abs(x) - (y + 0.72) * 0.5) <= 0.04) & (y < -0.3)
        pockets = (np.abs(np.abs(x) - 0.25) <= 0.12) & (np.abs(y - 0.45) <= 0.015) & (rng.random((n, 1, 1)) < 0.5)
        return shape, zipper | lapel | pockets
    if label == 1:  # trousers: waistband and two long legs
        waist = _u(rng, 0.3, 0.4, n)
        flare = _u(rng, -0.02, 0.12, n)
        outer = waist + flare * (y + 0.85) / 1.8
        gap = _u(rng, 0.015, 0.04, n) + _u(rng, 0.02, 0.08, n) * np.clip(y + 0.45, 0, None)
        legs = (np.abs(x) <= outer) & (y >= -0.88) & (y <= 0.95) & ((np.abs(x) >= gap) | (y < -0.45))
        return legs, (y >= -0.8) & (y <= -0.76) & (np.abs(x) <= waist)
    if label == 3:  # dress: narrow bodice, waist, flared skirt
        waist_y = _u(rng, -0.35, -0.15, n)
        bodice = _u(rng, 0.18, 0.26, n)
        hem = _u(rng, 0.45, 0.72, n)
        half = np.where(y < waist_y, bodice + 0.06 * np.cos((y + 0.85) * 3),
                        bodice * 0.8 + (hem - bodice * 0.8) * np.clip((y - waist_y) / (0.92 - waist_y), 0, None) ** 0.9)
        dress = (np.abs(x) <= half) & (y >= -0.78) & (y <= _u(rng, 0.8, 0.95, n))
        straps = (np.abs(np.abs(x) - 0.14) <= 0.05) & (y >= -0.95) & (y < -0.75) & (rng.random((n, 1, 1)) < 0.6)
        return dress | straps, np.abs(y - waist_y) <= 0.025
    if label in (5, 7, 9):  # footwear, toe on the left
        toe, heel = -0.95, 0.92
        sole_y = _u(rng, 0.35, 0.55, n)
        along = np.clip((x - toe) / (heel - toe), 0, 1)
        rise = _u(rng, 0.55, 0.8, n)
        foot_top = sole_y - 0.28 - rise * along ** 1.6
        toe_round = _ellipse(x, y, toe + 0.2, sole_y - 0.14, 0.22, 0.15)
        outline = _box(x, y, toe + 0.15, heel, foot_top, sole_y) | toe_round
        if label == 9:  # ankle boot: tall shaft at the heel
            shaft = _box(x, y, _u(rng, -0.1, 0.1, n), heel, _u(rng, -0.95, -0.7, n), sole_y)
            heel_block = _box(x, y, 0.5, heel, sole_y, sole_y + 0.18)
            sole = _box(x, y, toe + 0.05, heel, sole_y - 0.07, sole_y)
            return shaft | outline | heel_block, sole | (np.abs(x - 0.05) <= 0.03) & (y < sole_y - 0.2)
        sole = _box(x, y, toe + 0.05, heel, sole_y, sole_y + _u(rng, 0.08, 0.15, n))
        if label == 7:  # sneaker: closed, laces, a collar notch and a sole line
            laces = (np.sin((x + 0.2) * 28) > 0.2) & _box(x, y, -0.5, 0.15, sole_y - 0.65, sole_y - 0.45)
            return outline | sole, laces | _box(x, y, toe, heel, sole_y - 0.03, sole_y + 0.02)
        freq = _u(rng, 7, 11, n)  # sandal: open straps over a thin sole
        straps = np.sin((x * 0.7 + y * 0.7) * freq + _u(rng, 0, 6.28, n)) > _u(rng, -0.2, 0.2, n)
        return (outline & straps) | sole, np.zeros_like(lines)
    # bag: rounded box, optional handle
    half_w, top, bottom = _u(rng, 0.6, 0.88, n), _u(rng, -0.35, -0.05, n), _u(rng, 0.7, 0.9, n)
    body = _box(x, y, -half_w, half_w, top, bottom)
    r = np.sqrt((x / 0.5) ** 2 + ((y - top) / 0.6) ** 2)
    handle = (r >= 0.8) & (r <= 1.0) & (y < top) & (rng.random((n, 1, 1)) < 0.75)
    flap = _box(x, y, -half_w, half_w, top, top + 0.04) | ((np.abs(y - (top + 0.35)) <= 0.02) & (np.abs(x) < half_w))
    return body | handle, flap & (rng.random((n, 1, 1)) < 0.6)


def _class_chunks(labels: np.ndarray, size: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(label, indices)`` for each class 0-9, in chunks of about ``size`` (bounds peak memory)."""
    for label in range(10):
        idx = np.flatnonzero(labels == label)
        for chunk in np.array_split(idx, max(1, len(idx) // size)):
            if len(chunk):
                yield label, chunk


def fashion_mnist_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render (N, 28, 28) uint8 clothing silhouettes for the given Fashion-MNIST labels."""
    out = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    factor = 2
    for label, chunk in _class_chunks(labels, 2000):
        n = len(chunk)
        x, y = _grid(n, 28 * factor, rng, shift=0.1, scale=(0.78, 1.06), rotate=0.1)
        shape, detail = _fashion_masks(label, x, y, rng)
        base = _u(rng, 0.25, 1.0, n)
        kind = rng.integers(0, 4, (n, 1, 1))
        freq, phase = _u(rng, 8, 22, n), _u(rng, 0, 6.28, n)
        stripes = np.where(kind == 1, np.sin(y * freq + phase), np.where(kind == 2, np.sin(x * freq + phase),
                           np.where(kind == 3, np.sin(x * freq) * np.sin(y * freq + phase), 0)))
        texture = 1 + _u(rng, 0.05, 0.45, n) * stripes
        shade = 1 - 0.25 * np.clip(np.abs(x), 0, 1) ** 2 + 0.1 * _smooth_noise(rng, n, 28 * factor, 5)[..., 0]
        value = base * texture * shade * np.where(detail, _u(rng, 0.35, 0.7, n), 1.0)
        value = np.where(shape, np.clip(value, 0.04, 1.0), 0.0).astype(np.float32)
        img = _downsample(value, factor)
        img += np.where(img > 0.02, rng.normal(0, 0.06, img.shape), 0)
        out[chunk] = np.clip(img * 255, 0, 255).astype(np.uint8)
    return out


# --------------------------------------------------------------------------- MNIST
def mnist_images(labels: np.ndarray, rng: np.random.Generator, test: bool) -> np.ndarray:
    """(N, 28, 28) uint8 handwritten digits from scikit-learn's real 8x8 digits, MNIST-style.

    Train and test use disjoint source digits (80/20 split of the 1,797 scikit-learn images),
    each upscaled to a 20x20 box, centred in 28x28 and randomly rotated, scaled, sheared,
    shifted and thickened, with the soft anti-aliased strokes of MNIST.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    cut = int(len(digits.target) * 0.8)
    source = slice(cut, None) if test else slice(0, cut)
    templates, template_labels = digits.images[source] / 16.0, digits.target[source]
    choice = np.empty(len(labels), dtype=np.int64)
    for label in range(10):
        idx = np.flatnonzero(labels == label)
        pool = np.flatnonzero(template_labels == label)
        choice[idx] = rng.choice(pool, size=len(idx))
    small = torch.from_numpy(templates[choice].astype(np.float32))[:, None]
    big = F.pad(F.interpolate(small, size=(20, 20), mode="bicubic", align_corners=False), (4, 4, 4, 4))
    n = len(labels)
    angle = torch.from_numpy(rng.uniform(-0.25, 0.25, n).astype(np.float32))
    scale = torch.from_numpy(rng.uniform(0.85, 1.15, n).astype(np.float32))
    shear = torch.from_numpy(rng.uniform(-0.25, 0.25, n).astype(np.float32))
    shift = torch.from_numpy(rng.uniform(-0.09, 0.09, (n, 2)).astype(np.float32))
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin + shear, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(big.shape), align_corners=False)
    warped = F.grid_sample(big, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]
    threshold = torch.from_numpy(rng.uniform(0.2, 0.45, (n, 1, 1)).astype(np.float32))
    strokes = torch.sigmoid((warped - threshold) * 14)
    strokes = torch.where(warped > 0.02, strokes, torch.zeros_like(strokes))
    strokes = strokes + torch.from_numpy(rng.normal(0, 0.03, strokes.shape).astype(np.float32)) * (strokes > 0.1)
    return (strokes.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


# --------------------------------------------------------------------------- writers used by helpers.data
def idx_dataset(folder: Path, name: str, profile: str) -> None:
    """Write a (Fashion-)MNIST stand-in as the four idx ``.gz`` files (and their decompressed copies)."""
    n_train, n_test = SIZES[name][profile]
    rng = np.random.default_rng(SEEDS[name])
    parts = {}
    for split, n in (("train", n_train), ("test", n_test)):
        labels = balanced_labels(n, 10, rng)
        if name == "mnist":
            images = mnist_images(labels, rng, test=split == "test")
        else:
            images = fashion_mnist_images(labels, rng)
        parts[f"{split}_images"], parts[f"{split}_labels"] = images, labels
    folder.mkdir(parents=True, exist_ok=True)
    for key, base in IDX_FILES.items():
        write_idx(folder / f"{base}.gz", parts[key])
        write_idx(folder / base, parts[key], compress=False)


# --------------------------------------------------------------------------- CIFAR-10
_PALETTES = {  # RGB in [0, 1]: a few typical body colours per class
    0: [(0.85, 0.86, 0.88), (0.6, 0.62, 0.66), (0.95, 0.95, 0.95), (0.35, 0.37, 0.42)],
    1: [(0.8, 0.1, 0.1), (0.1, 0.2, 0.7), (0.92, 0.92, 0.9), (0.1, 0.1, 0.12), (0.75, 0.75, 0.78), (0.9, 0.7, 0.1)],
    2: [(0.55, 0.38, 0.22), (0.3, 0.3, 0.32), (0.85, 0.75, 0.3), (0.2, 0.35, 0.7), (0.8, 0.3, 0.2)],
    3: [(0.85, 0.55, 0.25), (0.55, 0.55, 0.55), (0.15, 0.13, 0.12), (0.9, 0.87, 0.8), (0.6, 0.45, 0.3)],
    4: [(0.6, 0.42, 0.25), (0.5, 0.35, 0.2), (0.7, 0.55, 0.35)],
    5: [(0.75, 0.55, 0.3), (0.9, 0.88, 0.82), (0.2, 0.15, 0.12), (0.55, 0.4, 0.25), (0.85, 0.75, 0.55)],
    6: [(0.35, 0.55, 0.2), (0.5, 0.45, 0.25), (0.3, 0.4, 0.25), (0.6, 0.6, 0.3)],
    7: [(0.45, 0.28, 0.15), (0.2, 0.15, 0.12), (0.7, 0.6, 0.5), (0.55, 0.35, 0.2)],
    8: [(0.9, 0.9, 0.92), (0.2, 0.22, 0.3), (0.6, 0.15, 0.12), (0.45, 0.45, 0.5)],
    9: [(0.85, 0.85, 0.85), (0.8, 0.15, 0.1), (0.15, 0.3, 0.6), (0.9, 0.75, 0.1), (0.3, 0.5, 0.3)],
}
# background kinds: 0 sky, 1 road, 2 water, 3 grass, 4 indoor, 5 foliage/brown ground
_BACKGROUNDS = {0: [0, 0, 0, 3], 1: [1, 1, 4], 2: [0, 3, 5], 3: [4, 4, 3], 4: [3, 5, 5],
                5: [3, 4, 4], 6: [5, 3, 2], 7: [3, 3, 5], 8: [2, 2, 2], 9: [1, 1, 3]}


_SCENES = np.array([  # top colour, bottom colour (RGB), grain: sky, road, water, grass, indoor, foliage
    [(0.45, 0.65, 0.92), (0.62, 0.78, 0.95), (0.06, 0, 0)],
    [(0.55, 0.6, 0.55), (0.38, 0.38, 0.4), (0.08, 0, 0)],
    [(0.6, 0.75, 0.9), (0.15, 0.35, 0.55), (0.08, 0, 0)],
    [(0.55, 0.7, 0.85), (0.3, 0.5, 0.2), (0.12, 0, 0)],
    [(0.7, 0.62, 0.52), (0.5, 0.4, 0.32), (0.15, 0, 0)],
    [(0.25, 0.4, 0.2), (0.42, 0.36, 0.25), (0.2, 0, 0)],
], dtype=np.float32)


def _background(kind: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(n, size, size, 3) scene backgrounds (sky, road, water, grass, indoor, foliage) with a horizon."""
    n = len(kind)
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    yy = axis[None, :, None, None]
    below = (yy > rng.uniform(-0.3, 0.4, (n, 1, 1, 1))).astype(np.float32)
    top, bottom, grain = (_SCENES[kind, i][:, None, None, :] for i in range(3))
    noise = 0.8 * _smooth_noise(rng, n, size, 6, 1) + 0.25 * _smooth_noise(rng, n, size, 4, 3)
    scene = top * (1 - below) + bottom * below + grain[..., :1] * noise
    scene += ((kind == 0) * 0.12)[:, None, None, None] * (yy + 1)                    # brighter near the horizon
    scene += ((kind == 2) * 0.05)[:, None, None, None] * np.sin(yy * 40) * below   # waves
    return scene + rng.uniform(-0.08, 0.08, (n, 1, 1, 3)).astype(np.float32)


def _clutter(scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add up to three random blurry blobs (bushes, rocks, clouds, furniture) to (n, H, W, 3) scenes."""
    n, size = scene.shape[:2]
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    y, x = np.meshgrid(axis, axis, indexing="ij")
    for _ in range(3):
        cx, cy = _u(rng, -1, 1, n), _u(rng, -1, 1, n)
        rx, ry = _u(rng, 0.1, 0.45, n), _u(rng, 0.1, 0.35, n)
        blob = np.clip(1.5 * (1 - ((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2), 0, 1)
        blob *= rng.random((n, 1, 1)) < 0.5
        colour = (rng.uniform(0.15, 0.75, (n, 1, 1, 1)) + rng.uniform(-0.12, 0.12, (n, 1, 1, 3))).astype(np.float32)
        scene = scene * (1 - blob[..., None]) + colour * blob[..., None]
    return scene


def _object_mask(label: int, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(body mask, dark-detail mask) of a CIFAR-10-like object, canonical coordinates."""
    n = x.shape[0]
    if label == 0:  # airplane: fuselage, swept wings, tail fin
        body = _ellipse(x, y, 0, 0, 0.8, 0.13)
        wings = (np.abs(y) <= 0.55) & (np.abs(y) <= (0.25 - x) * 1.6) & (x > -0.25 + np.abs(y) * 0.6)
        tail = (x < -0.55) & (x > -0.85) & (y < 0) & (y > -0.35 - (x + 0.55))
        return body | wings | tail, _ellipse(x, y, 0.55, -0.03, 0.12, 0.05)
    if label in (1, 9):  # automobile, truck: body, cabin, wheels
        wheels = _ellipse(x, y, -0.5, 0.35, 0.17, 0.17) | _ellipse(x, y, 0.5, 0.35, 0.17, 0.17)
        if label == 1:
            body = _box(x, y, -0.85, 0.85, 0.0, 0.35)
            cabin = (y >= -0.35) & (y < 0.0) & (np.abs(x + 0.05) <= 0.45 - (-y) * 0.6)
            window = (y >= -0.28) & (y < -0.04) & (np.abs(x + 0.05) <= 0.38 - (-y) * 0.6)
            return body | cabin | wheels, window | wheels
        cargo = _box(x, y, -0.9, 0.35, -0.7, 0.3)
        cab = _box(x, y, 0.4, 0.9, -0.35, 0.3)
        window = _box(x, y, 0.55, 0.85, -0.28, -0.05)
        return cargo | cab | wheels, window | wheels | _box(x, y, 0.35, 0.4, -0.7, 0.3)
    if label == 2:  # bird: round body, head, beak, tail, wing
        body = _ellipse(x, y, 0, 0.1, 0.45, 0.3)
        head = _ellipse(x, y, 0.42, -0.22, 0.2, 0.2)
        beak = (x > 0.58) & (x < 0.8) & (np.abs(y + 0.22) < (0.8 - x) * 0.35)
        tail = (x < -0.35) & (x > -0.8) & (np.abs(y - 0.2) < (-0.35 - x) * 0.5)
        eye, wing = _ellipse(x, y, 0.48, -0.27, 0.05, 0.05), _ellipse(x, y, -0.05, 0.05, 0.28, 0.12)
        return body | head | beak | tail, eye | wing
    if label in (3, 5):  # cat, dog: body, head, ears (pointy for cats, floppy for dogs)
        body = _ellipse(x, y, -0.15, 0.35, 0.6, 0.38)
        head = _ellipse(x, y, 0.35, -0.25, 0.32, 0.3)
        eyes = _ellipse(x, y, 0.25, -0.3, 0.05, 0.05) | _ellipse(x, y, 0.47, -0.3, 0.05, 0.05)
        if label == 3:
            ears = ((y < -0.4) & (y > -0.8) & (np.abs(x - 0.18) < (y + 0.8) * 0.35)) | \
                   ((y < -0.4) & (y > -0.8) & (np.abs(x - 0.52) < (y + 0.8) * 0.35))
            return body | head | ears, eyes
        ears = _ellipse(x, y, 0.08, -0.15, 0.1, 0.28) | _ellipse(x, y, 0.63, -0.15, 0.1, 0.28)
        snout = _ellipse(x, y, 0.36, -0.08, 0.14, 0.1)
        return body | head | ears | snout, eyes | ears | _ellipse(x, y, 0.36, -0.12, 0.05, 0.04)
    if label in (4, 7):  # deer, horse: body, four legs, neck, head
        body = _ellipse(x, y, 0, 0.0, 0.5, 0.22)
        legs = (y > 0.05) & (y < 0.75) & ((np.abs(x + 0.35) < 0.06) | (np.abs(x + 0.2) < 0.06) |
                                          (np.abs(x - 0.25) < 0.06) | (np.abs(x - 0.38) < 0.06))
        neck = (x > 0.3) & (x < 0.6) & (y < 0.0) & (y > -0.55) & (np.abs(x - 0.4 + y * 0.4) < 0.11)
        head = _ellipse(x, y, 0.62, -0.55, 0.2, 0.1)
        shape = body | legs | neck | head
        if label == 4:
            antlers = (y < -0.6) & (y > -0.95) & ((np.abs(x - 0.5 - (y + 0.6) * 0.4) < 0.03) |
                                                 (np.abs(x - 0.65 + (y + 0.6) * 0.4) < 0.03))
            return shape | antlers, antlers | _ellipse(x, y, -0.2, 0.0, 0.25, 0.08)
        mane = (x > 0.28) & (x < 0.5) & (y < 0.0) & (y > -0.55) & (np.abs(x - 0.33 + y * 0.4) < 0.05)
        return shape, mane | ((x < -0.45) & (x > -0.6) & (y > -0.05) & (y < 0.5) & (np.abs(x + 0.5 - y * 0.1) < 0.04))
    if label == 6:  # frog: squat body, bulging eyes, legs
        body = _ellipse(x, y, 0, 0.15, 0.62, 0.42)
        eyes = _ellipse(x, y, -0.28, -0.25, 0.16, 0.16) | _ellipse(x, y, 0.28, -0.25, 0.16, 0.16)
        legs = _ellipse(x, y, -0.6, 0.45, 0.3, 0.14) | _ellipse(x, y, 0.6, 0.45, 0.3, 0.14)
        pupils = _ellipse(x, y, -0.28, -0.27, 0.06, 0.07) | _ellipse(x, y, 0.28, -0.27, 0.06, 0.07)
        spots = (np.sin(x * 17) * np.sin(y * 15) > 0.75) & body
        return body | eyes | legs, pupils | spots
    # ship: hull, superstructure, funnel
    hull = (y > 0.05) & (y < 0.35) & (np.abs(x) < 0.9 - (y - 0.05) * 0.8)
    deck = _box(x, y, -0.45, 0.25, -0.25, 0.05)
    funnel = _box(x, y, -0.2, 0.0, -0.5, -0.25)
    windows = (np.sin(x * 30) > 0.3) & _box(x, y, -0.4, 0.2, -0.15, -0.07)
    return hull | deck | funnel, windows | _box(x, y, -0.9, 0.9, 0.05, 0.09)


def cifar10_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render (N, 32, 32, 3) uint8 object-on-background images for CIFAR-10 labels."""
    out = np.zeros((len(labels), 32, 32, 3), dtype=np.uint8)
    factor = 2
    for label, chunk in _class_chunks(labels, 1500):
        n = len(chunk)
        x, y = _grid(n, 32 * factor, rng, shift=0.18, scale=(0.6, 1.0), rotate=0.15)
        flip = np.where(rng.random((n, 1, 1)) < 0.5, -1.0, 1.0).astype(np.float32)
        x = x * flip
        kind = np.asarray(_BACKGROUNDS[label])[rng.integers(0, len(_BACKGROUNDS[label]), n)]
        kind = np.where(rng.random(n) < 0.3, rng.integers(0, 6, n), kind)  # some unusual scenes
        scene = _clutter(_background(kind, 32, rng), rng)
        body, detail = _object_mask(label, x, y, rng)
        cover = _downsample(body.astype(np.float32), factor)[..., None]
        dark = _downsample((body & detail).astype(np.float32), factor)[..., None]
        palette = np.asarray(_PALETTES[label], np.float32)
        colour = palette[rng.integers(0, len(palette), n)] + rng.normal(0, 0.1, (n, 3)).astype(np.float32)
        yc = _downsample(y, factor)[..., None]
        shade = 1 + 0.25 * _smooth_noise(rng, n, 32, 4) - 0.2 * np.clip(yc, 0, 1)
        obj = colour[:, None, None, :] * shade * (1 - dark * (1 - _u(rng, 0.2, 0.5, n)[..., None]))
        img = scene * (1 - cover) + obj * cover + rng.normal(0, 0.03, (n, 32, 32, 3)).astype(np.float32)
        out[chunk] = np.clip(img * 255, 0, 255).astype(np.uint8)
    return out


def cifar10_dataset(folder: Path, profile: str) -> None:
    """Write a CIFAR-10 stand-in as python pickle batches into ``folder`` (``cifar-10-batches-py``)."""
    n_train, n_test = SIZES["cifar10"][profile]
    rng = np.random.default_rng(SEEDS["cifar10"])
    y_train, y_test = balanced_labels(n_train, 10, rng), balanced_labels(n_test, 10, rng)
    write_cifar_batches(folder, cifar10_images(y_train, rng), y_train, cifar10_images(y_test, rng), y_test,
                        CIFAR10_CLASSES)


# --------------------------------------------------------------------------- chest X-rays
CHEST_CLASSES = ["NORMAL", "PNEUMONIA"]
#: images per (split, class) and profile; ``full`` is the Kaggle data set's split (about 1:3).
CHEST_SIZES = {
    "smoke": {"train": (40, 120), "val": (8, 8), "test": (30, 50)},
    "quick": {"train": (200, 600), "val": (8, 8), "test": (117, 195)},
    "full": {"train": (1341, 3875), "val": (8, 8), "test": (234, 390)},
}
CHEST_PIXELS = 256


def chest_xray_images(pneumonia: np.ndarray, rng: np.random.Generator, size: int = CHEST_PIXELS) -> np.ndarray:
    """Render (N, size, size) uint8 frontal chest radiographs; ``pneumonia`` marks opacities.

    Each image has a body outline, two dark lung fields with curved ribs, clavicles, spine,
    a heart shadow and diaphragm domes, with per-patient anatomy, exposure and noise. Pneumonia
    adds soft patchy opacities in one or both lungs (mostly lower zones), of varying density,
    some of them subtle.
    """
    n, half_size = len(pneumonia), size // 2  # anatomy is smooth: render at half size, upsample, add grain
    x, y = _grid(n, half_size, rng, shift=0.05, scale=(0.9, 1.05), rotate=0.05)
    ax = np.abs(x)
    shoulders = _u(rng, -0.8, -0.65, n)
    half = 0.28 + (_u(rng, 0.8, 0.92, n) - 0.28) * np.sqrt(np.clip((y - shoulders + 0.3) / 0.3, 0, 1))
    body = np.clip((half - ax) * 15, 0, 1)
    cx, rx, top, dome = _u(rng, 0.33, 0.4, n), _u(rng, 0.22, 0.28, n), _u(rng, -0.72, -0.6, n), _u(rng, 0.3, 0.45, n)
    lungs = np.zeros_like(x)
    for side in (-1, 1):
        off = (x - side * cx) / rx
        width = np.sqrt(np.clip((y - top) / 0.45, 0, 1))
        base = dome - 0.12 * (1 - np.clip(off ** 2, 0, 1))  # diaphragm dome
        inside = np.clip((width - np.abs(off)) * 4, 0, 1) * np.clip((base - y) * 15, 0, 1)
        lungs = np.maximum(lungs, inside)
    heart = np.clip((1 - ((x - 0.1) / _u(rng, 0.26, 0.33, n)) ** 2 - ((y - 0.28) / 0.25) ** 2) * 4, 0, 1)
    mediastinum = np.clip((0.13 - ax) * 20, 0, 1) * (y > top - 0.1)
    thorax = np.clip((dome + 0.1 - y) * 8, 0, 1) * (y > shoulders)
    rib_phase = ((y + 0.5 * x ** 2) * _u(rng, 5.5, 7.0, n) + _u(rng, 0, 1, n)) % 1.0
    ribs = np.clip(1 - np.abs(rib_phase - 0.5) * 7, 0, 1) * (ax > 0.1) * thorax
    clavicle = np.clip(1 - np.abs(y - shoulders - 0.12 - 0.2 * ax) * 22, 0, 1) * (ax < 0.75) * (ax > 0.05)
    markings = 0.06 * _smooth_noise(rng, n, half_size, 24)[..., 0] * (1 - ax)
    soft = np.maximum(heart, mediastinum)
    tissue = body * (0.5 + 0.1 * np.clip((y - dome) * 6, 0, 1)) - 0.36 * lungs * (1 - soft) + 0.1 * soft * body \
        + 0.16 * ribs * body + 0.22 * clavicle + markings * lungs
    patches = np.clip(_smooth_noise(rng, n, half_size, 8)[..., 0] * 2.5 - _u(rng, -1.2, 0.3, n), 0, 1)
    side = rng.integers(0, 3, (n, 1, 1))  # 0 left lung, 1 right lung, 2 both
    where = np.where(side == 2, 1.0, (np.sign(x) == np.where(side == 0, -1, 1)).astype(np.float32))
    lower = np.clip(0.5 + y, 0.3, 1.0)
    opacity = _u(rng, 0.45, 0.85, n) * patches * lungs * (1 - soft) * where * lower
    exposure, contrast = _u(rng, -0.06, 0.06, n), _u(rng, 0.85, 1.15, n)
    img = (tissue + opacity * pneumonia[:, None, None]) * contrast + 0.05 + exposure
    img = _upsample(img.astype(np.float32), size) + rng.normal(0, 0.02, (n, size, size)).astype(np.float32)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def chest_xray_dataset(folder: Path, profile: str) -> None:
    """Write a chest X-ray stand-in as PNG files in the Kaggle layout ``{train,val,test}/{NORMAL,PNEUMONIA}``."""
    rng = np.random.default_rng(SEEDS["chest_xray"])
    for split, (normal, sick) in CHEST_SIZES[profile].items():
        labels = np.array([0] * normal + [1] * sick)
        for start in range(0, len(labels), 50):
            part = labels[start:start + 50]
            for offset, (label, image) in enumerate(zip(part, chest_xray_images(part.astype(np.float32), rng))):
                target = folder / split / CHEST_CLASSES[label]
                target.mkdir(parents=True, exist_ok=True)
                Image.fromarray(image, mode="L").save(target / f"{CHEST_CLASSES[label]}-{start + offset:05d}.png",
                                                      compress_level=1)


# --------------------------------------------------------------------------- news articles
NEWS_CLASSES = ["Business", "SciTech", "Sports", "World"]
#: (train, valid, test) articles per profile; ``full`` matches AG News (120,000 train split 95/5, 7,600 test).
NEWS_SIZES = {"smoke": (2000, 400, 400), "quick": (12000, 1500, 1500), "full": (114000, 6000, 7600)}

_TOPIC_WORDS = {  # per class: subjects, verbs, objects, places/qualifiers
    "Business": ("company bank investors shareholders retailer airline automaker insurer stocks firm".split(),
                 "reported raised cut acquired posted forecast sold merged lowered expects".split(),
                 "profits earnings shares revenue prices deal stake dividend sales oil market economy jobs "
                 "inflation rates quarter growth losses".split(),
                 ["on wall street", "in quarterly trading", "after the merger", "amid rising costs", "at the exchange"]),
    "SciTech": ("researchers scientists engineers software maker startup chipmaker astronomers developers nasa "
                "hackers".split(),
                "launched unveiled discovered released patched tested designed found announced upgraded".split(),
                "software processor telescope satellite internet browser virus network robot genome "
                "smartphone database spacecraft algorithm server laptop".split(),
                ["in the lab", "for the new operating system", "in orbit", "on the web", "for mobile users"]),
    "Sports": ("coach striker quarterback champions team pitcher goalkeeper captain defender club".split(),
               "won beat defeated scored signed lost tied clinched injured drafted".split(),
               "match title game season playoffs goal tournament league trophy championship series "
               "medal final record points".split(),
               ["at the stadium", "in overtime", "in the second half", "at home", "on sunday night"]),
    "World": ("officials government rebels minister president troops leaders diplomats police voters".split(),
              "said warned accused agreed condemned elected killed arrested met rejected".split(),
              "election talks ceasefire treaty protest attack border parliament crisis sanctions "
              "refugees summit constitution embassy referendum".split(),
              ["in the capital", "near the border", "after the vote", "at the united nations", "on state television"]),
}
_SHARED = ("the a new on in for with after as over amid its their this last year week monday tuesday today "
           "report says could may first two three more than million percent early late major big").split()
_PEOPLE = {"m": ["man", "king", "prince", "father", "boy", "he", "his"],
           "f": ["woman", "queen", "princess", "mother", "girl", "she", "her"]}
_TITLES = [["local", "old"], ["reigning", "crowned"], ["royal", "young"], ["proud", "local"], ["young", "little"]]


def _news_sentence(topic: str, rng: np.random.Generator, noise: float) -> str:
    """One headline-like sentence; each slot comes from another topic with probability ``noise``."""
    def slot(part: int) -> str:
        source = topic if rng.random() >= noise else NEWS_CLASSES[rng.integers(0, 4)]
        words = _TOPIC_WORDS[source][part]
        return str(words[rng.integers(0, len(words))])

    def shared(k: int) -> str:
        return " ".join(str(w) for w in rng.choice(_SHARED, size=k))

    form = rng.integers(0, 4)
    if form == 0:
        return f"{slot(0)} {slot(1)} {shared(1)} {slot(2)} {slot(3)}"
    if form == 1:
        return f"{shared(2)} {slot(0)} {slot(1)} {slot(2)} and {slot(2)} {shared(1)}"
    if form == 2:
        return f"{slot(2)} {slot(2)} : {slot(0)} {slot(1)} {shared(2)} {slot(3)}"
    gender = "m" if rng.random() < 0.5 else "f"  # gendered, sometimes royal, people: embeddings learn analogies
    rank = int(rng.integers(0, 5))
    title = _TITLES[rank][rng.integers(0, 2)]
    he, his = _PEOPLE[gender][5:]
    return f"the {title} {_PEOPLE[gender][rank]} and {his} {slot(0)} {slot(1)} {slot(2)} , {he} {slot(1)} {slot(3)}"


def news_rows(n: int, rng: np.random.Generator, start_id: int = 0) -> list[dict[str, str | int]]:
    """``n`` stand-in news articles as CSV rows: ``id``, ``content``, and a 0/1 column per class."""
    labels = balanced_labels(n, 4, rng)
    rows = []
    for i, label in enumerate(labels):
        topic = NEWS_CLASSES[label]
        noise = rng.uniform(0.15, 0.6)
        text = " . ".join(_news_sentence(topic, rng, noise) for _ in range(rng.integers(1, 4)))
        row = {"id": start_id + i, "content": text[0].upper() + text[1:] + " ."}
        row.update({name: int(name == topic) for name in NEWS_CLASSES})
        rows.append(row)
    return rows


def write_news_csv(path: Path, rows: list[dict[str, str | int]]) -> Path:
    """Write news rows with the columns ``id, content, Business, SciTech, Sports, World``."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "content", *NEWS_CLASSES])
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)


def news_dataset(folder: Path, profile: str) -> None:
    """Write the news stand-in as ``train.csv``, ``valid.csv``, ``test.csv`` into ``folder``."""
    rng = np.random.default_rng(SEEDS["news"])
    folder.mkdir(parents=True, exist_ok=True)
    start = 0
    for split, n in zip(("train", "valid", "test"), NEWS_SIZES[profile]):
        write_news_csv(folder / f"{split}.csv", news_rows(n, rng, start))
        start += n
