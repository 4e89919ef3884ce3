"""Fashion-MNIST: Zalando's 28x28 grey product images of ten clothing classes, and its stand-in.

The stand-in renders clothing silhouettes of the same ten classes (flat-lay tops with short or
long sleeves, trousers, dresses, coats, footwear, bags) with per-sample shape, texture, shading
and noise, anti-aliased from twice the resolution, and writes them as the four idx ``.gz``
files torchvision's ``FashionMNIST`` reads.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import DataSet
from ..draw import balanced_labels, box, class_chunks, downsample, ellipse, grid, smooth_noise, uniform
from ..formats import IDX_FILES, idx_resources, write_idx_set

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


def _garment_top(x, y, rng, n, sleeve: str, length: float) -> np.ndarray:
    """Torso with short or long sleeves, as on a flat-lay product photo."""
    half = uniform(rng, 0.42, 0.55, n)
    top, bottom = -0.72, uniform(rng, length - 0.1, length + 0.06, n)
    body = (np.abs(x) <= half) & (y >= top) & (y <= bottom)
    ax = np.abs(x) - half
    if sleeve == "short":
        reach, width, slope = uniform(rng, 0.25, 0.45, n), uniform(rng, 0.35, 0.5, n), uniform(rng, 0.4, 0.9, n)
    else:
        reach, width, slope = uniform(rng, 0.3, 0.42, n), uniform(rng, 0.32, 0.42, n), uniform(rng, 2.2, 3.0, n)
    upper = top + ax * slope
    arms = (ax > 0) & (ax <= reach) & (y >= upper) & (y <= upper + width + ax * 0.2)
    if sleeve == "long":
        arms &= y <= bottom + 0.05
    neck = ellipse(x, y, 0, top, uniform(rng, 0.14, 0.22, n), uniform(rng, 0.08, 0.16, n))
    return (body | arms) & ~neck


def _masks(label: int, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
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
        waist = uniform(rng, 0.3, 0.4, n)
        flare = uniform(rng, -0.02, 0.12, n)
        outer = waist + flare * (y + 0.85) / 1.8
        gap = uniform(rng, 0.015, 0.04, n) + uniform(rng, 0.02, 0.08, n) * np.clip(y + 0.45, 0, None)
        legs = (np.abs(x) <= outer) & (y >= -0.88) & (y <= 0.95) & ((np.abs(x) >= gap) | (y < -0.45))
        return legs, (y >= -0.8) & (y <= -0.76) & (np.abs(x) <= waist)
    if label == 3:  # dress: narrow bodice, waist, flared skirt
        waist_y = uniform(rng, -0.35, -0.15, n)
        bodice = uniform(rng, 0.18, 0.26, n)
        hem = uniform(rng, 0.45, 0.72, n)
        half = np.where(y < waist_y, bodice + 0.06 * np.cos((y + 0.85) * 3),
                        bodice * 0.8 + (hem - bodice * 0.8) * np.clip((y - waist_y) / (0.92 - waist_y), 0, None) ** 0.9)
        dress = (np.abs(x) <= half) & (y >= -0.78) & (y <= uniform(rng, 0.8, 0.95, n))
        straps = (np.abs(np.abs(x) - 0.14) <= 0.05) & (y >= -0.95) & (y < -0.75) & (rng.random((n, 1, 1)) < 0.6)
        return dress | straps, np.abs(y - waist_y) <= 0.025
    if label in (5, 7, 9):  # footwear, toe on the left
        toe, heel = -0.95, 0.92
        sole_y = uniform(rng, 0.35, 0.55, n)
        along = np.clip((x - toe) / (heel - toe), 0, 1)
        rise = uniform(rng, 0.55, 0.8, n)
        foot_top = sole_y - 0.28 - rise * along ** 1.6
        toe_round = ellipse(x, y, toe + 0.2, sole_y - 0.14, 0.22, 0.15)
        outline = box(x, y, toe + 0.15, heel, foot_top, sole_y) | toe_round
        if label == 9:  # ankle boot: tall shaft at the heel
            shaft = box(x, y, uniform(rng, -0.1, 0.1, n), heel, uniform(rng, -0.95, -0.7, n), sole_y)
            heel_block = box(x, y, 0.5, heel, sole_y, sole_y + 0.18)
            sole = box(x, y, toe + 0.05, heel, sole_y - 0.07, sole_y)
            return shaft | outline | heel_block, sole | (np.abs(x - 0.05) <= 0.03) & (y < sole_y - 0.2)
        sole = box(x, y, toe + 0.05, heel, sole_y, sole_y + uniform(rng, 0.08, 0.15, n))
        if label == 7:  # sneaker: closed, laces, a collar notch and a sole line
            laces = (np.sin((x + 0.2) * 28) > 0.2) & box(x, y, -0.5, 0.15, sole_y - 0.65, sole_y - 0.45)
            return outline | sole, laces | box(x, y, toe, heel, sole_y - 0.03, sole_y + 0.02)
        freq = uniform(rng, 7, 11, n)  # sandal: open straps over a thin sole
        straps = np.sin((x * 0.7 + y * 0.7) * freq + uniform(rng, 0, 6.28, n)) > uniform(rng, -0.2, 0.2, n)
        return (outline & straps) | sole, np.zeros_like(lines)
    # bag: rounded box, optional handle
    half_w, top, bottom = uniform(rng, 0.6, 0.88, n), uniform(rng, -0.35, -0.05, n), uniform(rng, 0.7, 0.9, n)
    body = box(x, y, -half_w, half_w, top, bottom)
    r = np.sqrt((x / 0.5) ** 2 + ((y - top) / 0.6) ** 2)
    handle = (r >= 0.8) & (r <= 1.0) & (y < top) & (rng.random((n, 1, 1)) < 0.75)
    flap = box(x, y, -half_w, half_w, top, top + 0.04) | ((np.abs(y - (top + 0.35)) <= 0.02) & (np.abs(x) < half_w))
    return body | handle, flap & (rng.random((n, 1, 1)) < 0.6)


def images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render (N, 28, 28) uint8 clothing silhouettes for the given Fashion-MNIST labels."""
    out = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    factor = 2
    for label, chunk in class_chunks(labels, 2000):
        n = len(chunk)
        x, y = grid(n, 28 * factor, rng, shift=0.1, scale=(0.78, 1.06), rotate=0.1)
        shape, detail = _masks(label, x, y, rng)
        base = uniform(rng, 0.25, 1.0, n)
        kind = rng.integers(0, 4, (n, 1, 1))
        freq, phase = uniform(rng, 8, 22, n), uniform(rng, 0, 6.28, n)
        stripes = np.where(kind == 1, np.sin(y * freq + phase), np.where(kind == 2, np.sin(x * freq + phase),
                           np.where(kind == 3, np.sin(x * freq) * np.sin(y * freq + phase), 0)))
        texture = 1 + uniform(rng, 0.05, 0.45, n) * stripes
        shade = 1 - 0.25 * np.clip(np.abs(x), 0, 1) ** 2 + 0.1 * smooth_noise(rng, n, 28 * factor, 5)[..., 0]
        value = base * texture * shade * np.where(detail, uniform(rng, 0.35, 0.7, n), 1.0)
        value = np.where(shape, np.clip(value, 0.04, 1.0), 0.0).astype(np.float32)
        img = downsample(value, factor)
        img += np.where(img > 0.02, rng.normal(0, 0.06, img.shape), 0)
        out[chunk] = np.clip(img * 255, 0, 255).astype(np.uint8)
    return out


def generate(folder: Path, sizes: tuple[int, int], rng: np.random.Generator) -> None:
    """Write ``sizes`` = (train, test) balanced stand-in images as the four idx files into ``folder``."""
    arrays = {}
    for split, n in zip(("train", "test"), sizes):
        labels = balanced_labels(n, 10, rng)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images(labels, rng), labels
    write_idx_set(folder, arrays)


def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new (28, 28) uint8 images with balanced uint8 labels, drawn from ``rng``."""
    labels = balanced_labels(n, 10, rng)
    return images(labels, rng), labels


DATASET = DataSet(
    name="fashion_mnist",
    title="Fashion-MNIST",
    folder="FashionMNIST/raw",
    expect=tuple(f"{base}.gz" for base in IDX_FILES.values()),
    resources=idx_resources((MIRROR,), (26421880, 29515, 4422102, 5148),
                            ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                             "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")),
    unpack=None,
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    how_to_get=f"download the four idx .gz files from {MIRROR} into <data_dir>/FashionMNIST/raw/",
    standin_note="rendered clothing silhouettes of the same ten classes (28x28 grey, balanced); accuracies land "
                 "in the same range as Fashion-MNIST's but are not comparable number for number",
    classes=CLASSES,
    generate=generate,
    sizes={"smoke": (2000, 500), "quick": (12000, 2000), "full": (60000, 10000)},
    seed=1_000,
    version=4,
    standin_folder="FashionMNIST/raw",
    sampler=sample,
)
