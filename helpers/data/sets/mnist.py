"""MNIST: LeCun's 28x28 grey handwritten digits, and its stand-in redrawn from real handwriting.

The stand-in starts from scikit-learn's bundled real 8x8 digits (1,797 images by 13 writers). The
pen path of each digit is recovered once: the image is upscaled, the narrow valleys between its
strokes (the loops of an 8, the bays of a 3) are carved out where that keeps its loops, and the
strokes are thinned to a one-pixel skeleton. Digits whose path loses its identity (a 0, 6, 8 or 9
without a loop, or a digit that its three nearest neighbours call something else) are left out;
1s, which the 8x8 digits draw as fat bars, become a single stroke, some with a flag or a foot.
Every stand-in image redraws one path the way MNIST digits look: bent a little, slanted, rotated
and stretched at random, scaled so that the ink fits a 20x20 box, centred by its centre of mass
in 28x28, and drawn with an anti-aliased pen 1.5 to 3.5 pixels wide whose pressure varies along
the stroke. Training and test images come from disjoint source digits (every fifth digit of each
class is a test digit), and they are written as the four idx ``.gz`` files torchvision's
``MNIST`` reads.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from ..dataset import DataSet
from ..draw import balanced_labels
from ..formats import IDX_FILES, idx_resources, write_idx_set

CLASSES = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
           "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine")
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
#: Side of the canvas the 8x8 source digits are upscaled to and thinned on.
CANVAS = 32
#: Pen width range in pixels at 28x28 (real MNIST strokes are about 1.5 to 3.5 pixels wide).
PEN_WIDTH = (1.5, 3.5)
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # Zhang-Suen's P2..P9
_RING = np.array([[[1, 1, 1], [1, 0, 1], [1, 1, 1]]], dtype=np.uint8)
_DISC_OFFSETS = np.stack(np.meshgrid(np.arange(-3, 4), np.arange(-3, 4), indexing="xy"), -1).reshape(-1, 2)


# --------------------------------------------------------------------------- pen paths of the source digits
def _hole_depth(images: np.ndarray) -> np.ndarray:
    """How far each pixel of (n, H, W) images lies below the level that would enclose it (grey fill-holes)."""
    cross = np.array([[[0, 1, 0], [1, 1, 1], [0, 1, 0]]], dtype=bool)
    marker = np.full_like(images, images.max())
    marker[:, [0, -1], :], marker[:, :, [0, -1]] = images[:, [0, -1], :], images[:, :, [0, -1]]
    while True:
        grown = np.maximum(ndimage.grey_erosion(marker, footprint=cross), images)
        if np.array_equal(grown, marker):
            return marker - images
        marker = grown


def _stroke_masks(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary strokes of upscaled digits, dark valleys between strokes carved out; and their number of loops.

    Enclosed dips (loops) are always opened; narrow valleys open to the outside (the bays of a 3)
    are carved out too unless that cuts a loop open. Holes of a few pixels (artefacts) are filled.
    """
    yy, xx = np.mgrid[-4:5, -4:5]
    valley = ndimage.grey_closing(images, footprint=(xx ** 2 + yy ** 2 <= 16)[None]) - images
    plain = (images > 0.3) & (_hole_depth(images) < 0.1)
    plain, plain_loops = _fill_small_holes(plain)
    carved, carved_loops = _fill_small_holes(plain & (valley < 0.12))
    use_carved = carved_loops >= plain_loops
    return np.where(use_carved[:, None, None], carved, plain), np.where(use_carved, carved_loops, plain_loops)


def _fill_small_holes(masks: np.ndarray, min_area: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Masks with enclosed holes smaller than ``min_area`` pixels filled, and the number of holes left in each."""
    filled, holes = masks.copy(), np.zeros(len(masks), dtype=np.int64)
    for i, mask in enumerate(masks):
        background, _ = ndimage.label(~mask)
        sizes = np.bincount(background.ravel())
        edge = np.concatenate([background[[0, -1], :].ravel(), background[:, [0, -1]].ravel()])
        enclosed = np.setdiff1d(np.arange(1, len(sizes)), edge)
        small = enclosed[sizes[enclosed] < min_area]
        filled[i] |= np.isin(background, small)
        holes[i] = len(enclosed) - len(small)
    return filled, holes


def _thin(masks: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of (n, H, W) binary images to one-pixel-wide, 8-connected skeletons."""
    image = np.pad(masks, ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            p = [np.roll(image, (-dy, -dx), (1, 2)) for dy, dx in _NEIGHBOURS]  # north, clockwise
            count = sum(p)
            transitions = sum((p[i] == 0) & (p[(i + 1) % 8] == 1) for i in range(8))
            north, east, south, west = p[0], p[2], p[4], p[6]
            if step == 0:
                blocked = (north * east * south == 0) & (east * south * west == 0)
            else:
                blocked = (north * east * west == 0) & (north * south * west == 0)
            remove = (image == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & blocked
            if remove.any():
                image[remove] = 0
                changed = True
    return image[:, 1:-1, 1:-1].astype(bool)


def _prune(skeletons: np.ndarray, length: int = 3) -> np.ndarray:
    """Remove side branches up to ``length`` pixels long (spurs of thinning), keeping the strokes' full length."""
    def ends(x: np.ndarray) -> np.ndarray:
        return x & (ndimage.convolve(x.astype(np.uint8), _RING, mode="constant") <= 1)

    core = skeletons.copy()
    for _ in range(length):
        core &= ~ends(core)
    regrown = ends(core)
    for _ in range(length):
        regrown = ndimage.binary_dilation(regrown, structure=np.ones((1, 3, 3), bool)) & skeletons
    return core | regrown


def _path_points(skeleton: np.ndarray) -> np.ndarray:
    """(k, 2) float32 points (x, y) along a skeleton: its pixels and the midpoints between 8-neighbours."""
    height, width = skeleton.shape
    padded = np.pad(skeleton, 1)
    ys, xs = np.nonzero(skeleton)
    points = [np.stack([xs, ys], 1)]
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ys, xs = np.nonzero(skeleton & padded[1 + dy:height + 1 + dy, 1 + dx:width + 1 + dx])
        points.append(np.stack([xs + dx / 2, ys + dy / 2], 1))
    return np.concatenate(points).astype(np.float32) - (CANVAS - 1) / 2


def _neighbour_votes(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The majority label of each image's three nearest other images (Euclidean, pixels)."""
    x = images.reshape(len(images), -1)
    squared = (x ** 2).sum(1)
    distances = squared[:, None] + squared[None] - 2 * x @ x.T
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :3]
    return np.array([np.bincount(labels[row], minlength=10).argmax() for row in nearest])


@functools.lru_cache(maxsize=1)
def pen_paths() -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """The pen paths of the usable scikit-learn digits: ``(points per digit, labels, is-test-digit)``.

    Points are (x, y) in canvas pixels around the canvas centre. Deterministic; computed once per process.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    templates, labels = digits.images / 16.0, digits.target
    upscaled = F.interpolate(torch.from_numpy(templates.astype(np.float32))[:, None], size=(CANVAS, CANVAS),
                             mode="bicubic", align_corners=False)[:, 0].numpy()
    masks, loops = _stroke_masks(upscaled)
    skeletons = _prune(_thin(masks))
    rank = np.empty(len(labels), dtype=np.int64)
    for label in range(10):
        members = np.flatnonzero(labels == label)
        rank[members] = np.arange(len(members))
    usable = (skeletons.any(axis=(1, 2)) & (~np.isin(labels, (0, 6, 8, 9)) | (loops >= 1))
              & (_neighbour_votes(templates, labels) == labels))
    paths, keep, seen = [], [], set()
    for i in np.flatnonzero(usable):  # a few digits thin to the same skeleton: keep one so no test digit is a train digit
        points = _path_points(skeletons[i])
        if points.tobytes() not in seen:
            seen.add(points.tobytes())
            paths.append(points)
            keep.append(i)
    return tuple(paths), labels[keep], rank[keep] % 5 == 4


def _one_paths(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Pen paths of ``n`` 1s like MNIST's: one upright stroke, about a third with a flag, a few with a foot."""
    stem = np.stack([np.zeros(49), np.linspace(-12, 12, 49)], 1)  # canvas pixels, points every half pixel
    flag, flag_angle, foot = rng.uniform(4, 9, n), rng.uniform(0.5, 1.0, n), rng.uniform(3, 6, n)
    has_flag, has_foot = rng.random(n) < 0.35, rng.random(n) < 0.08
    paths = []
    for i in range(n):
        parts = [stem]
        if has_flag[i]:  # from the top, down to the left
            along = np.linspace(0, flag[i], int(flag[i] * 2) + 1)[1:]
            parts.append(np.stack([-along * np.cos(flag_angle[i]), -12 + along * np.sin(flag_angle[i])], 1))
        if has_foot[i]:
            across = np.linspace(-foot[i], foot[i], int(foot[i] * 4) + 1)
            parts.append(np.stack([across, np.full_like(across, 12.0)], 1))
        paths.append(np.concatenate(parts).astype(np.float32))
    return paths


# --------------------------------------------------------------------------- drawing
def _draw(points: np.ndarray, owner: np.ndarray, radius: np.ndarray, ramp: np.ndarray, n: int) -> np.ndarray:
    """(n, 28, 28) floats: image ``owner[i]`` gets a disc of ``radius[i]`` at ``points[i]``, edges ``ramp`` wide.

    A pixel's value is the largest over the discs covering it of ``clip((r - distance) / ramp + 0.5, 0, 1)``,
    so overlapping discs along a path draw one smooth, anti-aliased stroke.
    """
    out = torch.zeros(n * 28 * 28)
    offsets = torch.from_numpy(_DISC_OFFSETS).float()
    for start in range(0, len(points), 100_000):
        p = torch.from_numpy(points[start:start + 100_000])
        o = torch.from_numpy(owner[start:start + 100_000])
        pixels = torch.round(p)[:, None, :] + offsets[None]
        distance = (pixels - p[:, None, :]).norm(dim=2)
        r = torch.from_numpy(radius[start:start + 100_000])[:, None]
        value = ((r - distance) / torch.from_numpy(ramp)[o][:, None] + 0.5).clamp(0, 1)
        inside = (pixels >= 0).all(2) & (pixels <= 27).all(2) & (value > 0)
        index = o[:, None] * 784 + pixels[..., 1].long() * 28 + pixels[..., 0].long()
        out.scatter_reduce_(0, index[inside], value[inside], reduce="amax")
    return out.reshape(n, 28, 28).numpy()


def images(labels: np.ndarray, rng: np.random.Generator, test: bool) -> np.ndarray:
    """(N, 28, 28) uint8 handwritten digits for ``labels``, redrawn MNIST-style from real pen paths.

    Test images use the test source digits, training images the others.
    """
    paths, path_labels, path_test = pen_paths()
    n = len(labels)
    chosen: list[np.ndarray] = [np.empty((0, 2), np.float32)] * n
    for label in range(10):
        idx = np.flatnonzero(labels == label)
        if label == 1:
            drawn = _one_paths(len(idx), rng)
        else:
            pool = np.flatnonzero((path_labels == label) & (path_test == test))
            drawn = [paths[i] for i in rng.choice(pool, size=len(idx))]
        for i, path in zip(idx, drawn):
            chosen[i] = path
    counts = np.array([len(path) for path in chosen])
    owner = np.repeat(np.arange(n), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    x, y = np.concatenate(chosen).T.astype(np.float64)
    for _ in range(2):  # a gentle bend: two random smooth waves per axis, up to a canvas pixel each
        for axis in (0, 1):
            amplitude, phase = rng.uniform(0, 1, n), rng.uniform(0, 2 * np.pi, n)
            fx, fy = rng.normal(0, 0.12, (2, n))
            wave = amplitude[owner] * np.sin(fx[owner] * x + fy[owner] * y + phase[owner])
            x, y = (x + wave, y) if axis == 0 else (x, y + wave)
    aspect, slant = rng.uniform(0.8, 1.15, n), rng.normal(0.08, 0.18, n)  # slant > 0 leans right, like most writing
    slant += np.where(labels == 1, rng.normal(0.08, 0.12, n), 0)  # 1s lean more
    angle = rng.uniform(-0.12, 0.12, n)
    x = x * aspect[owner] - slant[owner] * y
    cos, sin = np.cos(angle)[owner], np.sin(angle)[owner]
    x, y = cos * x - sin * y, sin * x + cos * y
    width = rng.uniform(*PEN_WIDTH, n)
    extent = np.maximum(np.maximum.reduceat(x, first) - np.minimum.reduceat(x, first),
                        np.maximum.reduceat(y, first) - np.minimum.reduceat(y, first))
    scale = (20 - width) / np.maximum(extent, 1e-6)  # the ink (path plus pen) fits a 20x20 box
    x, y = x * scale[owner], y * scale[owner]
    x += 13.5 - (np.add.reduceat(x, first) / counts)[owner]  # centre of mass at the image centre
    y += 13.5 - (np.add.reduceat(y, first) / counts)[owner]
    frequency, phase = rng.uniform(0.2, 0.6, n), rng.uniform(0, 2 * np.pi, n)
    pressure = 1 + 0.15 * np.sin(frequency[owner] * (x + y) + phase[owner])
    ramp = rng.uniform(1.0, 1.5, n).astype(np.float32)
    drawn = _draw(np.stack([x, y], 1).astype(np.float32), owner, (width[owner] / 2 * pressure).astype(np.float32),
                  ramp, n)
    return (drawn * 255).round().astype(np.uint8)


def generate(folder: Path, sizes: tuple[int, int], rng: np.random.Generator) -> None:
    """Write ``sizes`` = (train, test) balanced stand-in digits as the four idx files into ``folder``."""
    arrays = {}
    for split, n in zip(("train", "test"), sizes):
        labels = balanced_labels(n, 10, rng)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images(labels, rng, test=split == "test"), labels
    write_idx_set(folder, arrays)


def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new (28, 28) uint8 digits with balanced uint8 labels, drawn from ``rng`` (from the test writers)."""
    labels = balanced_labels(n, 10, rng)
    return images(labels, rng, test=True), labels


DATASET = DataSet(
    name="mnist",
    title="MNIST",
    folder="MNIST/raw",
    expect=tuple(f"{base}.gz" for base in IDX_FILES.values()),
    resources=idx_resources(MIRRORS, (9912422, 28881, 1648877, 4542),
                            ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                             "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")),
    unpack=None,
    homepage="https://yann.lecun.com/exdb/mnist/",
    how_to_get=f"download the four idx .gz files from {MIRRORS[0]} into <data_dir>/MNIST/raw/",
    standin_note="real handwritten digits (scikit-learn's 8x8 digits by 13 writers) redrawn MNIST-style: thin "
                 "anti-aliased strokes with random slant, bend and pen width, in a 20x20 box centred by centre of "
                 "mass; accuracies measured on it are the stand-in's, not MNIST's",
    classes=CLASSES,
    generate=generate,
    sizes={"smoke": (2000, 500), "quick": (12000, 2000), "full": (60000, 10000)},
    seed=2_000,
    version=6,
    standin_folder="MNIST/raw",
    sampler=sample,
)
