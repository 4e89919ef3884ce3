"""The loaders of the course data sets: each applies the data policy once and reads real data or stand-in alike.

Image data sets behave like torchvision's (``ds[i]`` is ``(PIL image after transform, int label)``;
``.classes``, ``.targets``, ``.data``) and have ``standin`` (True for stand-in data); loaders that
return paths return them with ``standin`` too (:mod:`helpers.data.paths`).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torchvision
from torch.utils.data import Dataset

from ..config import Course
from .conversions import idx_files
from .formats import read_glove
from .paths import DataFiles
from .policy import banner, data_dir, locate, standin, unavailable
from .registry import REGISTRY
from .sets.glove import DIMS as GLOVE_DIMS
from .sets.glove import filename as glove_filename

Transform = Callable | None

#: The news classes, in the order of the CSV columns (and labels).
NEWS_CLASSES = list(REGISTRY["news"].classes)


def _mark(dataset: Dataset, is_standin: bool) -> Dataset:
    dataset.standin = is_standin
    return dataset


def fashion_mnist(course: Course, train: bool = True, transform: Transform = None,
                  target_transform: Transform = None) -> torchvision.datasets.FashionMNIST:
    """Fashion-MNIST (60,000 train / 10,000 test 28x28 grey images, 10 clothing classes).

    Behaves exactly like ``torchvision.datasets.FashionMNIST``; the stand-in has
    ``course.pick(2000/500, 12000/2000, 60000/10000)`` train/test images.
    """
    files = idx_files(course, "fashion_mnist")  # torchvision reads <root>/FashionMNIST/raw
    dataset = torchvision.datasets.FashionMNIST(files["train_images"].parents[2], train=train, transform=transform,
                                                target_transform=target_transform)
    return _mark(dataset, files.standin)


def mnist(course: Course, train: bool = True, transform: Transform = None,
          target_transform: Transform = None) -> torchvision.datasets.MNIST:
    """MNIST (60,000 train / 10,000 test 28x28 grey handwritten digits), like ``torchvision.datasets.MNIST``."""
    files = idx_files(course, "mnist")  # torchvision reads <root>/MNIST/raw
    dataset = torchvision.datasets.MNIST(files["train_images"].parents[2], train=train, transform=transform,
                                         target_transform=target_transform)
    return _mark(dataset, files.standin)


def mnist_idx_files(course: Course) -> DataFiles:
    """The four MNIST idx ``.gz`` files (real, or the stand-in written in the same format), and ``.standin``.

    Keys: ``train_images``, ``train_labels``, ``test_images``, ``test_labels``. Each file is
    gzip-compressed with a big-endian header: magic 2051, count, rows, cols for images;
    magic 2049, count for labels; then one unsigned byte per pixel/label.
    """
    return idx_files(course, "mnist")


class CIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's CIFAR-10 reader for the python pickle batches under ``root/cifar-10-batches-py``.

    Checksums are verified when the archive is downloaded (and by ``cookbook data verify``),
    not on every load, so a stand-in or a test fixture in the same format loads too.
    """

    train_list = [[name, None] for name, _ in torchvision.datasets.CIFAR10.train_list]
    test_list = [[name, None] for name, _ in torchvision.datasets.CIFAR10.test_list]
    meta = {**torchvision.datasets.CIFAR10.meta, "md5": None}


def cifar10(course: Course, train: bool = True, transform: Transform = None,
            target_transform: Transform = None) -> torchvision.datasets.CIFAR10:
    """CIFAR-10 (50,000 train / 10,000 test 32x32 colour images, 10 classes), like torchvision's.

    ``.data`` is an (N, 32, 32, 3) uint8 array, ``.targets`` a list of ints.
    """
    found = locate(course, "cifar10")
    return _mark(CIFAR10(found.folder, train=train, transform=transform, target_transform=target_transform),
                 found.standin)


def news(course: Course) -> DataFiles:
    """CSV files of 4-class news articles (AG News family): ``{'train': path, 'valid': path, 'test': path}``.

    The returned ``dict`` has ``.standin`` (True for the stand-in). Each CSV has a header and the
    columns ``id, content, Business, SciTech, Sports, World``, the last four being 0/1 (exactly one 1
    per row). Read them with the ``csv`` module (or :func:`helpers.data.formats.read_news_csv`). Real
    data: AG News converted on download (120,000 train articles split 95/5 into train/valid, 7,600
    test); stand-in: ``course.pick`` 2,000/400/400, 12,000/1,500/1,500 or the real sizes.
    """
    found = locate(course, "news")
    return DataFiles({split: found.folder / f"{split}.csv" for split in ("train", "valid", "test")}, found.standin)


def chest_xray(course: Course, split: str, transform: Transform = None) -> torchvision.datasets.ImageFolder:
    """Chest X-rays (Kaggle ``chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}``) as an ``ImageFolder``.

    ``split`` is ``train``, ``val`` or ``test``; ``classes == ['NORMAL', 'PNEUMONIA']`` (about 1:3).
    Images load as RGB PIL images (the real ones are grey JPEGs of varying size; the stand-in's
    are 256x256 grey PNGs). Real: 5,216 / 16 / 624 images; stand-in: 160 / 16 / 80 (smoke),
    800 / 16 / 312 (quick) or the real counts (full).
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"chest_xray(): split must be 'train', 'val' or 'test', not {split!r}")
    found = locate(course, "chest_xray")
    return _mark(torchvision.datasets.ImageFolder(found.folder / split, transform=transform), found.standin)


def glove(course: Course, dim: int = 100) -> tuple[list[str], torch.Tensor]:
    """Pretrained word vectors: ``(words, vectors)`` with ``vectors[i]`` the ``dim``-d vector of ``words[i]``.

    Real: GloVe 6B (400,000 words; ``dim`` 50, 100, 200 or 300) read from
    ``<data_dir>/glove/glove.6B.<dim>d.txt``. It is 822 MB, so it is never downloaded
    implicitly: run ``cookbook data download glove`` once. Without it, policy ``auto`` (with a
    banner) and ``synthetic`` use vectors learnt from the stand-in news corpus (a few hundred
    words, written in the same text format); ``real`` raises :class:`~.policy.DataUnavailable`.
    """
    if dim not in GLOVE_DIMS:
        raise ValueError(f"glove(): dim must be one of {', '.join(map(str, GLOVE_DIMS))} (GloVe 6B's sizes), not {dim}")
    path = data_dir(course) / REGISTRY["glove"].folder / glove_filename(dim)  # each size is a file of its own
    if course.data != "synthetic" and path.is_file():
        return read_glove(path)
    if course.data == "real":
        raise unavailable("glove", f"{path} does not exist")
    banner("glove", "data policy 'synthetic'" if course.data == "synthetic" else f"{path} not found")
    return read_glove(standin(course, "glove") / glove_filename(dim))
