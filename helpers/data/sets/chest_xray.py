"""Chest X-rays (Kermany et al., Kaggle "chest-xray-pneumonia"), NORMAL vs PNEUMONIA, and its stand-in.

The real data cannot be downloaded automatically (Kaggle needs an account). The stand-in renders
synthetic frontal radiographs (ribcage, lungs, heart shadow, diaphragm; pneumonia as patchy
opacities) in the Kaggle layout ``{train,val,test}/{NORMAL,PNEUMONIA}/*.png`` at about 1:3
NORMAL:PNEUMONIA, read with torchvision's ``ImageFolder``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import DataSet
from ..draw import balanced_labels, grid, smooth_noise, uniform, upsample
from ..formats import write_image_folder

CLASSES = ("NORMAL", "PNEUMONIA")
SPLITS = ("train", "val", "test")
#: Seeds the stand-in's generator.
SEED = 4_000
#: Side of the stand-in's square images, in pixels.
PIXELS = 256


def images(pneumonia: np.ndarray, rng: np.random.Generator, size: int = PIXELS) -> np.ndarray:
    """Render (N, size, size) uint8 frontal chest radiographs; ``pneumonia`` marks opacities.

    Each image has a body outline, two dark lung fields with curved ribs, clavicles, spine,
    a heart shadow and diaphragm domes, with per-patient anatomy, exposure and noise. Pneumonia
    adds soft patchy opacities in one or both lungs (mostly lower zones), of varying density,
    some of them subtle.
    """
    n, half_size = len(pneumonia), size // 2  # anatomy is smooth: render at half size, upsample, add grain
    x, y = grid(n, half_size, rng, shift=0.05, scale=(0.9, 1.05), rotate=0.05)
    ax = np.abs(x)
    shoulders = uniform(rng, -0.8, -0.65, n)
    half = 0.28 + (uniform(rng, 0.8, 0.92, n) - 0.28) * np.sqrt(np.clip((y - shoulders + 0.3) / 0.3, 0, 1))
    body = np.clip((half - ax) * 15, 0, 1)
    cx, rx = uniform(rng, 0.33, 0.4, n), uniform(rng, 0.22, 0.28, n)
    top, dome = uniform(rng, -0.72, -0.6, n), uniform(rng, 0.3, 0.45, n)
    lungs = np.zeros_like(x)
    for side in (-1, 1):
        off = (x - side * cx) / rx
        width = np.sqrt(np.clip((y - top) / 0.45, 0, 1))
        base = dome - 0.12 * (1 - np.clip(off ** 2, 0, 1))  # diaphragm dome
        inside = np.clip((width - np.abs(off)) * 4, 0, 1) * np.clip((base - y) * 15, 0, 1)
        lungs = np.maximum(lungs, inside)
    heart = np.clip((1 - ((x - 0.1) / uniform(rng, 0.26, 0.33, n)) ** 2 - ((y - 0.28) / 0.25) ** 2) * 4, 0, 1)
    mediastinum = np.clip((0.13 - ax) * 20, 0, 1) * (y > top - 0.1)
    thorax = np.clip((dome + 0.1 - y) * 8, 0, 1) * (y > shoulders)
    rib_phase = ((y + 0.5 * x ** 2) * uniform(rng, 5.5, 7.0, n) + uniform(rng, 0, 1, n)) % 1.0
    ribs = np.clip(1 - np.abs(rib_phase - 0.5) * 7, 0, 1) * (ax > 0.1) * thorax
    clavicle = np.clip(1 - np.abs(y - shoulders - 0.12 - 0.2 * ax) * 22, 0, 1) * (ax < 0.75) * (ax > 0.05)
    markings = 0.06 * smooth_noise(rng, n, half_size, 24)[..., 0] * (1 - ax)
    soft = np.maximum(heart, mediastinum)
    tissue = body * (0.5 + 0.1 * np.clip((y - dome) * 6, 0, 1)) - 0.36 * lungs * (1 - soft) + 0.1 * soft * body \
        + 0.16 * ribs * body + 0.22 * clavicle + markings * lungs
    patches = np.clip(smooth_noise(rng, n, half_size, 8)[..., 0] * 2.5 - uniform(rng, -1.2, 0.3, n), 0, 1)
    side = rng.integers(0, 3, (n, 1, 1))  # 0 left lung, 1 right lung, 2 both
    where = np.where(side == 2, 1.0, (np.sign(x) == np.where(side == 0, -1, 1)).astype(np.float32))
    lower = np.clip(0.5 + y, 0.3, 1.0)
    opacity = uniform(rng, 0.45, 0.85, n) * patches * lungs * (1 - soft) * where * lower
    exposure, contrast = uniform(rng, -0.06, 0.06, n), uniform(rng, 0.85, 1.15, n)
    img = (tissue + opacity * pneumonia[:, None, None]) * contrast + 0.05 + exposure
    img = upsample(img.astype(np.float32), size) + rng.normal(0, 0.02, (n, size, size)).astype(np.float32)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new radiographs, half NORMAL and half PNEUMONIA (in random order): ``(N, 256, 256)`` uint8 and labels."""
    labels = balanced_labels(n, 2, rng)
    return images(labels.astype(np.float32), rng), labels


def generate(folder: Path, sizes: dict[str, tuple[int, int]], rng: np.random.Generator) -> None:
    """Write ``sizes`` = {split: (normal, pneumonia)} stand-in radiographs as PNGs into ``folder/<split>/<class>/``."""
    for split, (normal, sick) in sizes.items():
        labels = np.array([0] * normal + [1] * sick)
        for start in range(0, len(labels), 50):
            part = labels[start:start + 50]
            write_image_folder(folder / split, images(part.astype(np.float32), rng), part, CLASSES, start)


DATASET = DataSet(
    name="chest_xray",
    title="Chest X-ray pneumonia (Kermany et al.)",
    folder="chest_xray",
    expect=tuple(f"{split}/{cls}" for split in SPLITS for cls in CLASSES),
    resources=(),
    unpack=None,
    homepage="https://www.kaggle.com/datasets/paultimothymooney/chest-xray-pneumonia",
    how_to_get="download the Kaggle data set chest-xray-pneumonia (a free Kaggle account is needed; or "
               "https://data.mendeley.com/datasets/rscbjbr9sj/2) and unzip it so that "
               "<data_dir>/chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}/ hold the images",
    standin_note="synthetic radiographs (ribcage, lungs, heart shadow; pneumonia as patchy opacities), 1:3 "
                 "NORMAL:PNEUMONIA; accuracies are not comparable with the source's",
    classes=CLASSES,
    generate=generate,
    sizes={  # images per split and class (NORMAL, PNEUMONIA); full is the Kaggle data set's split
        "smoke": {"train": (40, 120), "val": (8, 8), "test": (30, 50)},
        "quick": {"train": (200, 600), "val": (8, 8), "test": (117, 195)},
        "full": {"train": (1341, 3875), "val": (8, 8), "test": (234, 390)},
    },
    seed=SEED,
    version=4,
    sampler=sample,
    # the held-out X-rays of challenge 5.6c, on which its bars were measured, were drawn from this stream
    sample_entropy=lambda seed: (SEED, 1_000_003, seed),
)
