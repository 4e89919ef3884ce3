"""CIFAR-10: 32x32 colour photos of ten object classes, and its cartoon stand-in.

The stand-in draws each object (airplane, car, bird, cat, ...) as a coloured silhouette with
darker details on a typical background (sky, road, water, grass, indoor, foliage) with clutter,
shading and noise, anti-aliased from twice the resolution, and writes CIFAR-10's python pickle
batches, which torchvision's ``CIFAR10`` reads.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import DataSet
from ..download import Resource, unpack_tar
from ..draw import balanced_labels, box, class_chunks, downsample, ellipse, grid, smooth_noise, uniform
from ..formats import write_cifar_batches

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
ARCHIVE = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
#: md5 sums of the files in the archive's ``cifar-10-batches-py`` folder.
BATCH_MD5 = {"data_batch_1": "c99cafc152244af753f735de768cd75f", "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
             "data_batch_3": "54ebc095f3ab1f0389bbae665268c751", "data_batch_4": "634d18415352ddfa80567beed471001a",
             "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb", "test_batch": "40351d587109b95175f43aff81a1287e",
             "batches.meta": "5ff9c542aee3614f3951f8cda6e48888"}

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
    noise = 0.8 * smooth_noise(rng, n, size, 6, 1) + 0.25 * smooth_noise(rng, n, size, 4, 3)
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
        cx, cy = uniform(rng, -1, 1, n), uniform(rng, -1, 1, n)
        rx, ry = uniform(rng, 0.1, 0.45, n), uniform(rng, 0.1, 0.35, n)
        blob = np.clip(1.5 * (1 - ((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2), 0, 1)
        blob *= rng.random((n, 1, 1)) < 0.5
        colour = (rng.uniform(0.15, 0.75, (n, 1, 1, 1)) + rng.uniform(-0.12, 0.12, (n, 1, 1, 3))).astype(np.float32)
        scene = scene * (1 - blob[..., None]) + colour * blob[..., None]
    return scene


def _object_mask(label: int, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(body mask, dark-detail mask) of a CIFAR-10-like object, canonical coordinates."""
    n = x.shape[0]
    if label == 0:  # airplane: fuselage, swept wings, tail fin
        body = ellipse(x, y, 0, 0, 0.8, 0.13)
        wings = (np.abs(y) <= 0.55) & (np.abs(y) <= (0.25 - x) * 1.6) & (x > -0.25 + np.abs(y) * 0.6)
        tail = (x < -0.55) & (x > -0.85) & (y < 0) & (y > -0.35 - (x + 0.55))
        return body | wings | tail, ellipse(x, y, 0.55, -0.03, 0.12, 0.05)
    if label in (1, 9):  # automobile, truck: body, cabin, wheels
        wheels = ellipse(x, y, -0.5, 0.35, 0.17, 0.17) | ellipse(x, y, 0.5, 0.35, 0.17, 0.17)
        if label == 1:
            body = box(x, y, -0.85, 0.85, 0.0, 0.35)
            cabin = (y >= -0.35) & (y < 0.0) & (np.abs(x + 0.05) <= 0.45 - (-y) * 0.6)
            window = (y >= -0.28) & (y < -0.04) & (np.abs(x + 0.05) <= 0.38 - (-y) * 0.6)
            return body | cabin | wheels, window | wheels
        cargo = box(x, y, -0.9, 0.35, -0.7, 0.3)
        cab = box(x, y, 0.4, 0.9, -0.35, 0.3)
        window = box(x, y, 0.55, 0.85, -0.28, -0.05)
        return cargo | cab | wheels, window | wheels | box(x, y, 0.35, 0.4, -0.7, 0.3)
    if label == 2:  # bird: round body, head, beak, tail, wing
        body = ellipse(x, y, 0, 0.1, 0.45, 0.3)
        head = ellipse(x, y, 0.42, -0.22, 0.2, 0.2)
        beak = (x > 0.58) & (x < 0.8) & (np.abs(y + 0.22) < (0.8 - x) * 0.35)
        tail = (x < -0.35) & (x > -0.8) & (np.abs(y - 0.2) < (-0.35 - x) * 0.5)
        eye, wing = ellipse(x, y, 0.48, -0.27, 0.05, 0.05), ellipse(x, y, -0.05, 0.05, 0.28, 0.12)
        return body | head | beak | tail, eye | wing
    if label in (3, 5):  # cat, dog: body, head, ears (pointy for cats, floppy for dogs)
        body = ellipse(x, y, -0.15, 0.35, 0.6, 0.38)
        head = ellipse(x, y, 0.35, -0.25, 0.32, 0.3)
        eyes = ellipse(x, y, 0.25, -0.3, 0.05, 0.05) | ellipse(x, y, 0.47, -0.3, 0.05, 0.05)
        if label == 3:
            ears = ((y < -0.4) & (y > -0.8) & (np.abs(x - 0.18) < (y + 0.8) * 0.35)) | \
                   ((y < -0.4) & (y > -0.8) & (np.abs(x - 0.52) < (y + 0.8) * 0.35))
            return body | head | ears, eyes
        ears = ellipse(x, y, 0.08, -0.15, 0.1, 0.28) | ellipse(x, y, 0.63, -0.15, 0.1, 0.28)
        snout = ellipse(x, y, 0.36, -0.08, 0.14, 0.1)
        return body | head | ears | snout, eyes | ears | ellipse(x, y, 0.36, -0.12, 0.05, 0.04)
    if label in (4, 7):  # deer, horse: body, four legs, neck, head
        body = ellipse(x, y, 0, 0.0, 0.5, 0.22)
        legs = (y > 0.05) & (y < 0.75) & ((np.abs(x + 0.35) < 0.06) | (np.abs(x + 0.2) < 0.06) |
                                          (np.abs(x - 0.25) < 0.06) | (np.abs(x - 0.38) < 0.06))
        neck = (x > 0.3) & (x < 0.6) & (y < 0.0) & (y > -0.55) & (np.abs(x - 0.4 + y * 0.4) < 0.11)
        head = ellipse(x, y, 0.62, -0.55, 0.2, 0.1)
        shape = body | legs | neck | head
        if label == 4:
            antlers = (y < -0.6) & (y > -0.95) & ((np.abs(x - 0.5 - (y + 0.6) * 0.4) < 0.03) |
                                                 (np.abs(x - 0.65 + (y + 0.6) * 0.4) < 0.03))
            return shape | antlers, antlers | ellipse(x, y, -0.2, 0.0, 0.25, 0.08)
        mane = (x > 0.28) & (x < 0.5) & (y < 0.0) & (y > -0.55) & (np.abs(x - 0.33 + y * 0.4) < 0.05)
        return shape, mane | ((x < -0.45) & (x > -0.6) & (y > -0.05) & (y < 0.5) & (np.abs(x + 0.5 - y * 0.1) < 0.04))
    if label == 6:  # frog: squat body, bulging eyes, legs
        body = ellipse(x, y, 0, 0.15, 0.62, 0.42)
        eyes = ellipse(x, y, -0.28, -0.25, 0.16, 0.16) | ellipse(x, y, 0.28, -0.25, 0.16, 0.16)
        legs = ellipse(x, y, -0.6, 0.45, 0.3, 0.14) | ellipse(x, y, 0.6, 0.45, 0.3, 0.14)
        pupils = ellipse(x, y, -0.28, -0.27, 0.06, 0.07) | ellipse(x, y, 0.28, -0.27, 0.06, 0.07)
        spots = (np.sin(x * 17) * np.sin(y * 15) > 0.75) & body
        return body | eyes | legs, pupils | spots
    # ship: hull, superstructure, funnel
    hull = (y > 0.05) & (y < 0.35) & (np.abs(x) < 0.9 - (y - 0.05) * 0.8)
    deck = box(x, y, -0.45, 0.25, -0.25, 0.05)
    funnel = box(x, y, -0.2, 0.0, -0.5, -0.25)
    windows = (np.sin(x * 30) > 0.3) & box(x, y, -0.4, 0.2, -0.15, -0.07)
    return hull | deck | funnel, windows | box(x, y, -0.9, 0.9, 0.05, 0.09)


def images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render (N, 32, 32, 3) uint8 object-on-background images for CIFAR-10 labels."""
    out = np.zeros((len(labels), 32, 32, 3), dtype=np.uint8)
    factor = 2
    for label, chunk in class_chunks(labels, 1500):
        n = len(chunk)
        x, y = grid(n, 32 * factor, rng, shift=0.18, scale=(0.6, 1.0), rotate=0.15)
        flip = np.where(rng.random((n, 1, 1)) < 0.5, -1.0, 1.0).astype(np.float32)
        x = x * flip
        kind = np.asarray(_BACKGROUNDS[label])[rng.integers(0, len(_BACKGROUNDS[label]), n)]
        kind = np.where(rng.random(n) < 0.3, rng.integers(0, 6, n), kind)  # some unusual scenes
        scene = _clutter(_background(kind, 32, rng), rng)
        body, detail = _object_mask(label, x, y, rng)
        cover = downsample(body.astype(np.float32), factor)[..., None]
        dark = downsample((body & detail).astype(np.float32), factor)[..., None]
        palette = np.asarray(_PALETTES[label], np.float32)
        colour = palette[rng.integers(0, len(palette), n)] + rng.normal(0, 0.1, (n, 3)).astype(np.float32)
        yc = downsample(y, factor)[..., None]
        shade = 1 + 0.25 * smooth_noise(rng, n, 32, 4) - 0.2 * np.clip(yc, 0, 1)
        obj = colour[:, None, None, :] * shade * (1 - dark * (1 - uniform(rng, 0.2, 0.5, n)[..., None]))
        img = scene * (1 - cover) + obj * cover + rng.normal(0, 0.03, (n, 32, 32, 3)).astype(np.float32)
        out[chunk] = np.clip(img * 255, 0, 255).astype(np.uint8)
    return out


def generate(folder: Path, sizes: tuple[int, int], rng: np.random.Generator) -> None:
    """Write ``sizes`` = (train, test) balanced stand-in images as pickle batches in ``folder/cifar-10-batches-py``."""
    n_train, n_test = sizes
    y_train, y_test = balanced_labels(n_train, 10, rng), balanced_labels(n_test, 10, rng)
    write_cifar_batches(folder / "cifar-10-batches-py", images(y_train, rng), y_train, images(y_test, rng), y_test,
                        CLASSES)


def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new (32, 32, 3) uint8 images with balanced uint8 labels, drawn from ``rng``."""
    labels = balanced_labels(n, 10, rng)
    return images(labels, rng), labels


DATASET = DataSet(
    name="cifar10",
    title="CIFAR-10",
    folder=".",
    expect=("cifar-10-batches-py/batches.meta", "cifar-10-batches-py/test_batch"),
    resources=(Resource("cifar-10-python.tar.gz", (ARCHIVE,), 170498071, "c58f30108f718f92721af3b95e74349a"),),
    unpack=unpack_tar,
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    how_to_get=f"download {ARCHIVE} and extract it into <data_dir>/ (giving <data_dir>/cifar-10-batches-py/)",
    standin_note="cartoon objects of the ten classes on typical backgrounds (32x32 colour); easier than real "
                 "CIFAR-10, so accuracies are higher than the source's",
    classes=CLASSES,
    generate=generate,
    sizes={"smoke": (2000, 500), "quick": (12000, 2000), "full": (50000, 10000)},
    seed=3_000,
    version=4,
    sampler=sample,
    unpacked=tuple(Resource(f"cifar-10-batches-py/{name}", (), None, md5) for name, md5 in BATCH_MD5.items()),
)
