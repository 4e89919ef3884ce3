"""Drawing primitives shared by the stand-in generators: jittered coordinate grids, shapes, resampling, noise.

Everything works on whole batches at once (NumPy arrays of shape ``(n, H, W)``), and every random
draw comes from the ``numpy.random.Generator`` passed in, so a generator seeded the same way
always renders the same images. Coordinates are in ``[-1, 1]`` with x to the right and y
downwards; per-sample parameters have shape ``(n, 1, 1)`` so they broadcast over the pixels.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def balanced_labels(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uint8 labels with every class equally frequent (within one), in random order.

    >>> np.bincount(balanced_labels(10, 5, np.random.default_rng(0))).tolist()
    [2, 2, 2, 2, 2]
    """
    return rng.permutation(np.arange(n) % n_classes).astype(np.uint8)


def class_chunks(labels: np.ndarray, size: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(label, indices)`` for each class 0-9, in chunks of about ``size`` (bounds peak memory).

    >>> [(label, chunk.tolist()) for label, chunk in class_chunks(np.array([1, 0, 1]), 10)]
    [(0, [1]), (1, [0, 2])]
    """
    for label in range(10):
        idx = np.flatnonzero(labels == label)
        for chunk in np.array_split(idx, max(1, len(idx) // size)):
            if len(chunk):
                yield label, chunk


def grid(n: int, size: int, rng: np.random.Generator, shift: float, scale: tuple[float, float],
         rotate: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample jittered coordinates in [-1, 1]: x to the right, y downwards, shape (n, size, size).

    Each sample is shifted by up to ``shift``, scaled by a factor drawn from ``scale`` (with a
    slightly different factor along y) and rotated by up to ``rotate`` radians.
    """
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    y, x = np.meshgrid(axis, axis, indexing="ij")
    tx, ty = (rng.uniform(-shift, shift, (2, n, 1, 1))).astype(np.float32)
    sx = rng.uniform(*scale, (n, 1, 1)).astype(np.float32)
    sy = sx * rng.uniform(0.92, 1.08, (n, 1, 1)).astype(np.float32)
    theta = rng.uniform(-rotate, rotate, (n, 1, 1)).astype(np.float32)
    c, s = np.cos(theta), np.sin(theta)
    dx, dy = x - tx, y - ty
    return (c * dx + s * dy) / sx, (-s * dx + c * dy) / sy


def uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """Per-sample uniform float32 parameter in ``[low, high)``, shaped ``(n, 1, 1)`` to broadcast over (n, H, W)."""
    return rng.uniform(low, high, (n, 1, 1)).astype(np.float32)


def box(x: np.ndarray, y: np.ndarray, x0, x1, y0, y1) -> np.ndarray:
    """Mask of the points with ``x0 <= x <= x1`` and ``y0 <= y <= y1`` (bounds may be per-sample arrays)."""
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def ellipse(x: np.ndarray, y: np.ndarray, cx, cy, rx, ry) -> np.ndarray:
    """Mask of the points inside the axis-aligned ellipse with centre ``(cx, cy)`` and radii ``rx``, ``ry``."""
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def downsample(a: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks of axes 1 and 2 of ``(n, H, W, ...)`` (anti-aliasing).

    >>> downsample(np.arange(16, dtype=float).reshape(1, 4, 4), 2)[0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    n, h, w = a.shape[:3]
    return a.reshape(n, h // factor, factor, w // factor, factor, *a.shape[3:]).mean(axis=(2, 4))


def interp_matrix(size: int, cells: int) -> np.ndarray:
    """(size, cells) linear-interpolation weights from a coarse grid of ``cells`` to ``size`` pixels."""
    pos = np.clip((np.arange(size) + 0.5) * cells / size - 0.5, 0, cells - 1)
    low = np.minimum(np.floor(pos).astype(int), cells - 2)
    weights = np.zeros((size, cells), np.float32)
    weights[np.arange(size), low] = 1 - (pos - low)
    weights[np.arange(size), low + 1] = pos - low
    return weights


def upsample(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (n, h, h) images to (n, size, size), as two large matrix products."""
    n, h = images.shape[:2]
    weights = interp_matrix(size, h)
    rows = (images.reshape(n * h, h) @ weights.T).reshape(n, h, size)          # resize along x
    return (rows.transpose(0, 2, 1).reshape(n * size, h) @ weights.T).reshape(n, size, size).transpose(0, 2, 1)


def smooth_noise(rng: np.random.Generator, n: int, size: int, cells: int, channels: int = 1) -> np.ndarray:
    """Smooth random field in [-1, 1] of shape (n, size, size, channels), bilinear from a coarse grid."""
    coarse = rng.uniform(-1, 1, (n, channels, cells, cells)).astype(np.float32)
    weights = interp_matrix(size, cells)
    return (weights @ coarse @ weights.T).transpose(0, 2, 3, 1)
