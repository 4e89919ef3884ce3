"""Held-out examples for the outcome-graded challenges: :func:`heldout`, for every data set a challenge uses."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms as T

from ..config import Course
from . import loaders
from .draw import balanced_labels
from .formats import read_news_csv
from .policy import obtain
from .registry import REGISTRY

ImageTransform = Callable[[Image.Image], torch.Tensor]

#: For each image data set: the split of its real data that no notebook trains on (read by its loader with a
#: transform), and the mode of the PIL images its loader gives.
_IMAGES: dict[str, tuple[Callable[[Course, ImageTransform], Dataset], str]] = {
    "fashion_mnist": (lambda course, transform: loaders.fashion_mnist(course, train=False, transform=transform), "L"),
    "mnist": (lambda course, transform: loaders.mnist(course, train=False, transform=transform), "L"),
    "cifar10": (lambda course, transform: loaders.cifar10(course, train=False, transform=transform), "RGB"),
    "chest_xray": (lambda course, transform: loaders.chest_xray(course, "val", transform), "RGB"),
}
#: The data sets :func:`heldout` serves.
NAMES = (*_IMAGES, "news")


def heldout(course: Course, name: str, n: int, seed: int,
            transform: ImageTransform | None = None) -> tuple[torch.Tensor | list[str], torch.Tensor]:
    """``n`` examples of data set ``name`` that no model has seen, for outcome-graded challenges: ``(x, labels)``.

    ``name`` is ``fashion_mnist``, ``mnist``, ``cifar10``, ``chest_xray`` or ``news``. ``labels`` is an int64
    tensor; the classes are balanced (counts differ by at most one) and the order is random. ``x`` is:

    * images: a float tensor ``(n, C, H, W)``, each image as its loader gives it (a PIL image: grey for
      (Fashion-)MNIST, RGB for CIFAR-10 and chest X-rays) after ``transform``; the default,
      ``ToTensor()``, gives values in [0, 1]. Chest X-rays need a ``transform`` that makes every image
      the same size, since the real ones vary;
    * ``news``: the article texts, a list of ``n`` strings (``transform`` is not used).

    The result depends only on ``seed`` (>= 0; with the stand-in, a seed whose random stream is that of the
    stand-in's files is refused: 0 for (Fashion-)MNIST and CIFAR-10, 5000 (its own seed) for the news) and the
    data. With the stand-in (per the data policy)
    the examples are new ones drawn by its generator (:meth:`~helpers.data.dataset.DataSet.sample`), in
    none of its files, and no stand-in file is built; with real data they are a random subset, drawn
    with ``seed``, of the split that no notebook trains on: the test split of (Fashion-)MNIST and
    CIFAR-10, ``val/`` of the chest X-rays (16 images), the validation split of the news; never more
    examples than that split holds.
    """
    if name not in NAMES:
        raise ValueError(f"heldout(): name must be one of {', '.join(NAMES)}, not {name!r}")
    if n < 1:
        raise ValueError(f"heldout(): n must be >= 1, got {n}")
    if name == "news" and transform is not None:
        raise ValueError("heldout(): a transform applies to images; the news are texts")
    standin = obtain(course, name).standin
    if name == "news":
        return _articles(course, n, seed, standin)
    return _images(course, name, n, seed, transform or T.ToTensor(), standin)


def _images(course: Course, name: str, n: int, seed: int, transform: ImageTransform,
            standin: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out images of ``name``, after ``transform``, and their labels."""
    load, mode = _IMAGES[name]
    if standin:
        images, labels = REGISTRY[name].sample(n, seed)
        pictures = [transform(Image.fromarray(image).convert(mode)) for image in images]
    else:
        split = load(course, transform)
        index = _balanced_indices(np.asarray(split.targets), len(REGISTRY[name].classes), n, seed)
        pictures, labels = [split[int(i)][0] for i in index], np.asarray(split.targets)[index]
    return torch.stack(pictures), torch.from_numpy(np.asarray(labels, dtype=np.int64))


def _articles(course: Course, n: int, seed: int, standin: bool) -> tuple[list[str], torch.Tensor]:
    """The held-out news articles: their texts and labels."""
    if standin:
        texts, labels = REGISTRY["news"].sample(n, seed)
    else:
        every_text, every_label, _ = read_news_csv(loaders.news(course)["valid"])
        index = _balanced_indices(np.asarray(every_label), len(loaders.NEWS_CLASSES), n, seed)
        texts, labels = [every_text[i] for i in index], np.asarray(every_label)[index]
    return list(texts), torch.from_numpy(np.asarray(labels, dtype=np.int64))


def _balanced_indices(labels: np.ndarray, n_classes: int, n: int, seed: int) -> np.ndarray:
    """Indices of ``min(n, len(labels))`` examples drawn without replacement with ``seed``, classes balanced
    within one, in random order.

    >>> _balanced_indices(np.array([0, 0, 1, 1, 1]), 2, 4, seed=0).size
    4
    """
    rng = np.random.default_rng(seed)
    wanted = balanced_labels(min(n, len(labels)), n_classes, rng)
    index = np.empty(len(wanted), dtype=np.int64)
    for label in np.unique(wanted):
        slots = np.flatnonzero(wanted == label)
        pool = np.flatnonzero(labels == label)
        if len(pool) < len(slots):
            raise ValueError(f"heldout(): the split has only {len(pool)} examples of class {label}, "
                             f"{len(slots)} wanted; ask for fewer")
        index[slots] = rng.choice(pool, size=len(slots), replace=False)
    return index
