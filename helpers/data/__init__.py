"""The course data sets: real data when present or downloadable, else a faithful stand-in.

Every loader takes the notebook's :class:`~helpers.config.Course` and follows its data policy:

* ``auto`` (default): real data found under ``course.data_dir`` (``COOKBOOK_DATA_DIR``, default
  ``data/`` in the checkout) or downloaded (verified, with a progress bar); when that is not
  possible (offline), a deterministic stand-in, announced once per data set in a visible banner;
* ``real``: real data or a clear error saying how to get it;
* ``synthetic``: always the stand-in, never touching the network (tests and CI).

Stand-ins are written in the real file format and read by the same code as real data
(torchvision's readers, ``ImageFolder``, the CSV reader), so the real code path is exercised
either way. Image data sets behave like torchvision's: ``ds[i]`` is ``(PIL image after
transform, int label)`` and ``.classes``, ``.targets``, ``.data`` are there. Each returned data set
has a ``standin`` attribute (True for stand-in data). :func:`heldout` draws fresh examples for
outcome-graded challenges.

The package: :mod:`~helpers.data.registry` holds one :class:`~helpers.data.registry.DataSet` entry
per data set (one module each in :mod:`helpers.data.sets`: sources, checksums, unpacking, stand-in
generator, sizes, seed, version); :mod:`~helpers.data.policy` applies the data policy and shows the
banner; :mod:`~helpers.data.download` fetches and verifies; :mod:`~helpers.data.formats` writes and
reads the real file formats; :mod:`~helpers.data.cache` keeps built stand-ins; :mod:`~helpers.data.draw`
has the drawing primitives of the generators.
"""
from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torch.utils.data import Dataset, Subset

from ..config import Course
from .draw import balanced_labels
from .formats import IDX_FILES, read_glove
from .policy import (DataError, DataUnavailable, banner, data_dir, locate, real_present, standin, unavailable,
                     use_real)
from .registry import REGISTRY
from .sets.glove import DIMS as GLOVE_DIMS
from .sets.glove import filename as glove_filename

__all__ = ["CIFAR10", "NEWS_CLASSES", "DataError", "DataUnavailable", "Taken", "banner", "chest_xray", "cifar10",
           "fashion_mnist", "glove", "heldout", "mnist", "mnist_idx_files", "mnist_npz", "news", "real_present",
           "sample_image", "take"]

Transform = Callable | None

#: The news classes, in the order of the CSV columns (and labels).
NEWS_CLASSES = list(REGISTRY["news"].classes)


def _mark(dataset: Dataset, is_standin: bool) -> Dataset:
    dataset.standin = is_standin
    return dataset


# --------------------------------------------------------------------------- (Fashion-)MNIST
def _idx_folder(course: Course, name: str) -> tuple[Path, bool]:
    """(folder of the idx files, is-stand-in); real ``.gz`` files are decompressed next to themselves."""
    folder, is_standin = locate(course, name)
    if not is_standin:
        for resource in REGISTRY[name].resources:
            _gunzip(folder / resource.filename)
    return folder, is_standin


def _derived(target: Path) -> Path:
    """Where a file derived from the data (a decompressed idx file, an ``.npz``) lives: next to its source, or,
    when that folder is read-only (a grading sandbox, a data folder shared by a class), in a private temporary
    folder of this user. An existing file next to the source always wins."""
    if target.is_file() or os.access(target.parent, os.W_OK):
        return target
    import hashlib

    private = Path(tempfile.gettempdir()) / "cookbook-derived" / hashlib.sha1(str(target.parent).encode()).hexdigest()[:16]
    private.mkdir(parents=True, exist_ok=True)
    return private / target.name


def _gunzip(path: Path) -> Path:
    """Decompress ``x.gz`` to ``x`` (once, atomically); return the decompressed path."""
    target = _derived(path.with_suffix(""))
    if target.is_file():
        return target
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, gzip.open(path, "rb") as source:
            shutil.copyfileobj(source, out)
        os.replace(tmp, target)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} is not a valid gzip file ({exc}); delete it and download it again "
                        f"(cookbook data download)") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def fashion_mnist(course: Course, train: bool = True, transform: Transform = None,
                  target_transform: Transform = None) -> torchvision.datasets.FashionMNIST:
    """Fashion-MNIST (60,000 train / 10,000 test 28x28 grey images, 10 clothing classes).

    Behaves exactly like ``torchvision.datasets.FashionMNIST``; the stand-in has
    ``course.pick(2000/500, 12000/2000, 60000/10000)`` train/test images.
    """
    folder, is_standin = _idx_folder(course, "fashion_mnist")  # torchvision reads <root>/FashionMNIST/raw
    dataset = torchvision.datasets.FashionMNIST(folder.parent.parent, train=train, transform=transform,
                                                target_transform=target_transform)
    return _mark(dataset, is_standin)


def mnist(course: Course, train: bool = True, transform: Transform = None,
          target_transform: Transform = None) -> torchvision.datasets.MNIST:
    """MNIST (60,000 train / 10,000 test 28x28 grey handwritten digits), like ``torchvision.datasets.MNIST``."""
    folder, is_standin = _idx_folder(course, "mnist")  # torchvision reads <root>/MNIST/raw
    dataset = torchvision.datasets.MNIST(folder.parent.parent, train=train, transform=transform,
                                         target_transform=target_transform)
    return _mark(dataset, is_standin)


def mnist_idx_files(course: Course) -> dict[str, Path]:
    """The four MNIST idx ``.gz`` files (real, or the stand-in written in the same format).

    Keys: ``train_images``, ``train_labels``, ``test_images``, ``test_labels``. Each file is
    gzip-compressed with a big-endian header: magic 2051, count, rows, cols for images;
    magic 2049, count for labels; then one unsigned byte per pixel/label.
    """
    folder, _ = _idx_folder(course, "mnist")
    return {key: folder / f"{base}.gz" for key, base in IDX_FILES.items()}


def mnist_npz(course: Course) -> Path:
    """An ``.npz`` of MNIST with keys ``x_train`` (N, 28, 28) uint8, ``y_train`` (N,) uint8, ``x_test``, ``y_test``.

    Uses ``<raw folder>/mnist.npz`` when present (e.g. Keras's ``mnist.npz``), else writes it
    once from the idx files (real or stand-in).
    """
    files = mnist_idx_files(course)
    target = _derived(files["train_images"].parent / "mnist.npz")
    if target.is_file():
        return target
    arrays = {}
    for split in ("train", "test"):
        images = torchvision.datasets.mnist.read_image_file(str(_gunzip(files[f"{split}_images"])))
        labels = torchvision.datasets.mnist.read_label_file(str(_gunzip(files[f"{split}_labels"])))
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images.numpy(), labels.numpy().astype(np.uint8)
    handle, tmp = tempfile.mkstemp(prefix=".mnist.", suffix=".npz", dir=target.parent)
    os.close(handle)
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- CIFAR-10
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
    folder, is_standin = locate(course, "cifar10")
    return _mark(CIFAR10(folder, train=train, transform=transform, target_transform=target_transform), is_standin)


# --------------------------------------------------------------------------- news, chest X-rays, GloVe
def news(course: Course) -> dict[str, Path]:
    """CSV files of 4-class news articles (AG News family): ``{'train': path, 'valid': path, 'test': path}``.

    Each CSV has a header and the columns ``id, content, Business, SciTech, Sports, World``, the
    last four being 0/1 (exactly one 1 per row). Read them with the ``csv`` module (or
    :func:`helpers.data.formats.read_news_csv`). Real data: AG News converted on download (120,000
    train articles split 95/5 into train/valid, 7,600 test); stand-in: ``course.pick`` 2,000/400/400,
    12,000/1,500/1,500 or the real sizes.
    """
    folder, _ = locate(course, "news")
    return {split: folder / f"{split}.csv" for split in ("train", "valid", "test")}


def chest_xray(course: Course, split: str, transform: Transform = None) -> torchvision.datasets.ImageFolder:
    """Chest X-rays (Kaggle ``chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}``) as an ``ImageFolder``.

    ``split`` is ``train``, ``val`` or ``test``; ``classes == ['NORMAL', 'PNEUMONIA']`` (about 1:3).
    Images load as RGB PIL images (the real ones are grey JPEGs of varying size; the stand-in's
    are 256x256 grey PNGs). Real: 5,216 / 16 / 624 images; stand-in: 160 / 16 / 80 (smoke),
    800 / 16 / 312 (quick) or the real counts (full).
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"chest_xray(): split must be 'train', 'val' or 'test', not {split!r}")
    folder, is_standin = locate(course, "chest_xray")
    return _mark(torchvision.datasets.ImageFolder(folder / split, transform=transform), is_standin)


def glove(course: Course, dim: int = 100) -> tuple[list[str], torch.Tensor]:
    """Pretrained word vectors: ``(words, vectors)`` with ``vectors[i]`` the ``dim``-d vector of ``words[i]``.

    Real: GloVe 6B (400,000 words; ``dim`` 50, 100, 200 or 300) read from
    ``<data_dir>/glove/glove.6B.<dim>d.txt``. It is 822 MB, so it is never downloaded
    implicitly: run ``cookbook data download glove`` once. Without it, policy ``auto`` (with a
    banner) and ``synthetic`` use vectors learnt from the stand-in news corpus (a few hundred
    words, written in the same text format); ``real`` raises :class:`DataUnavailable`.
    """
    if dim not in GLOVE_DIMS:
        raise ValueError(f"glove(): dim must be one of {', '.join(map(str, GLOVE_DIMS))} (GloVe 6B's sizes), not {dim}")
    path = data_dir(course) / REGISTRY["glove"].folder / glove_filename(dim)
    if course.data != "synthetic" and path.is_file():
        return read_glove(path)
    if course.data == "real":
        raise unavailable("glove", f"{path} does not exist")
    banner("glove", "data policy 'synthetic'" if course.data == "synthetic" else f"{path} not found")
    return read_glove(standin(course, "glove") / glove_filename(dim))


# --------------------------------------------------------------------------- held-out samples
_IMAGE_LOADERS: dict[str, Callable[..., Dataset]] = {"fashion_mnist": fashion_mnist, "mnist": mnist, "cifar10": cifar10}


def heldout(course: Course, name: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` fresh test examples of image data set ``name`` for outcome-graded challenges: ``(images, labels)``.

    ``name`` is ``fashion_mnist``, ``mnist`` or ``cifar10``. ``images`` is a float tensor of shape
    ``(n, C, H, W)`` (C = 1 or 3) with values in [0, 1], ``labels`` an int64 tensor; the classes
    are balanced (counts differ by at most one) and the order is random. The result depends only
    on ``seed`` (>= 0) and the data: with real data (present or downloaded, per the data policy)
    it is a random subset of the real test split; with the stand-in it is ``n`` new images drawn
    by the stand-in's generator from its distribution, which are in neither its training nor
    its test files, so a model cannot have seen them.
    """
    if name not in _IMAGE_LOADERS:
        raise ValueError(f"heldout(): name must be one of {', '.join(_IMAGE_LOADERS)}, not {name!r}")
    if n < 0:
        raise ValueError(f"heldout(): n must be >= 0, got {n}")
    if use_real(course, name):
        test = _IMAGE_LOADERS[name](course, train=False)
        images, labels = _balanced_subset(np.asarray(test.data), np.asarray(test.targets),
                                          len(REGISTRY[name].classes), n, seed)
    else:
        images, labels = REGISTRY[name].sample(n, seed)
    x = torch.from_numpy(np.ascontiguousarray(images)).float() / 255
    x = x.permute(0, 3, 1, 2) if x.dim() == 4 else x[:, None]
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


def _balanced_subset(images: np.ndarray, labels: np.ndarray, n_classes: int, n: int,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` examples drawn without replacement with ``seed``, classes balanced within one, in random order."""
    rng = np.random.default_rng(seed)
    wanted = balanced_labels(n, n_classes, rng)
    index = np.empty(n, dtype=np.int64)
    for label in np.unique(wanted):
        slots = np.flatnonzero(wanted == label)
        pool = np.flatnonzero(labels == label)
        if len(pool) < len(slots):
            raise ValueError(f"heldout(): the test split has only {len(pool)} examples of class {label}, "
                             f"{len(slots)} wanted; ask for fewer")
        index[slots] = rng.choice(pool, size=len(slots), replace=False)
    return images[index], labels[index]


# --------------------------------------------------------------------------- small utilities
def sample_image(name: str = "china.jpg") -> Image.Image:
    """A real RGB photo available offline (scikit-learn's bundled ``china.jpg`` or ``flower.jpg``, 640x427)."""
    from sklearn.datasets import load_sample_image

    return Image.fromarray(load_sample_image(name)).convert("RGB")


class Taken(Subset):
    """A :class:`~torch.utils.data.Subset` that keeps ``classes``, ``class_to_idx``, ``targets`` and ``data``."""

    def __init__(self, dataset: Dataset, indices: list[int]) -> None:
        super().__init__(dataset, indices)
        for attr in ("classes", "class_to_idx", "standin"):
            if hasattr(dataset, attr):
                setattr(self, attr, getattr(dataset, attr))
        targets = _targets(dataset)
        if targets is not None:
            self.targets = [int(targets[i]) for i in indices]
        data = getattr(dataset, "data", None)
        if isinstance(data, (np.ndarray, torch.Tensor)):
            self.data = data[indices]


def _targets(dataset: Dataset) -> np.ndarray | None:
    targets = getattr(dataset, "targets", None)
    if targets is None:
        return None
    return targets.numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)


def take(dataset: Dataset, n: int | None) -> Dataset:
    """A deterministic subset of ``n`` items spread evenly over ``dataset``.

    Where the data set has ``targets``, every class gets an equal share (as far as its size
    allows), picked evenly along the data set; otherwise every ``len/n``-th item. ``None`` or
    ``n >= len(dataset)`` returns ``dataset`` itself. The result keeps ``classes``/``targets``.
    """
    total = len(dataset)
    if n is None or n >= total:
        return dataset
    if n < 0:
        raise ValueError(f"take(): n must be >= 0 or None, got {n}")
    targets = _targets(dataset)
    if targets is None or len(targets) != total:
        return Taken(dataset, sorted({int(i) for i in np.linspace(0, total - 1, n).round()} if n else set()))
    groups = [np.flatnonzero(targets == c) for c in np.unique(targets)]
    quota = _share(n, [len(g) for g in groups])
    picked = [g[np.linspace(0, len(g) - 1, q).round().astype(int)] for g, q in zip(groups, quota) if q]
    return Taken(dataset, sorted(int(i) for i in np.concatenate(picked)) if picked else [])


def _share(n: int, sizes: list[int]) -> list[int]:
    """Split ``n`` into per-group counts as equal as possible without exceeding any group's size."""
    quota = [0] * len(sizes)
    left, open_groups = n, [i for i, s in enumerate(sizes) if s > 0]
    while left > 0 and open_groups:
        each, extra = divmod(left, len(open_groups))
        for rank, i in enumerate(open_groups):
            quota[i] += min(each + (rank < extra), sizes[i] - quota[i])
        left = n - sum(quota)
        open_groups = [i for i in open_groups if quota[i] < sizes[i]]
    return quota
