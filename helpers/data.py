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
has a ``standin`` attribute (True for stand-in data).
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

from . import download as real
from . import standins, text
from .config import Course
from .download import SOURCES, DownloadError

Transform = Callable | None


class DataError(RuntimeError):
    """A data set cannot be provided; the message says what to do."""


class DataUnavailable(DataError):
    """Real data was required (policy ``real``) but is neither present nor downloadable."""


_BANNERS_SHOWN: set[str] = set()
_UNREACHABLE: set[str] = set()


# --------------------------------------------------------------------------- policy
def _data_dir(course: Course) -> Path:
    """The data directory, checked to be usable (a folder, or creatable)."""
    root = Path(course.data_dir)
    if root.exists() and not root.is_dir():
        raise DataError(f"the data directory {root} is a file, not a folder: remove it, or point "
                        f"COOKBOOK_DATA_DIR (or setup(data_dir=...)) at a folder")
    return root


def _guard(path: Path, what: str) -> None:
    """Raise an actionable error if ``path`` (expected to be a folder) is a file or not readable."""
    if path.exists() and not path.is_dir():
        raise DataError(f"{path} should be a folder holding {what} but is a file: move it away and run again")
    if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
        raise DataError(f"{path} (holding {what}) is not readable: fix its permissions "
                        f"(chmod -R u+rwX {path}) or set COOKBOOK_DATA_DIR to another folder")


def banner(name: str, reason: str) -> None:
    """Announce (once per data set per process) that a stand-in replaces the real data."""
    if name in _BANNERS_SHOWN:
        return
    _BANNERS_SHOWN.add(name)
    source = SOURCES[name]
    how = f"`cookbook data download {name}` (or {source.how_to_get})" if source.resources else source.how_to_get
    message = (f"STAND-IN DATA for {source.title} ({reason}): {source.standin_note}. "
               f"To use the real data: {how}.")
    print("=" * 78 + "\n" + message + "\n" + "=" * 78)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML('<div style="border:2px solid #d9822b;background:#fff5e6;padding:8px;border-radius:4px">'
                     f"<b>Stand-in data: {source.title}</b><br>{message}</div>"))


def _unavailable(name: str, why: str) -> DataUnavailable:
    source = SOURCES[name]
    command = f"Get it with:  cookbook data download {name}\nor by hand:   " if source.resources else "Get it by hand: "
    return DataUnavailable(
        f"{source.title} is required (data policy 'real') but {why}.\n"
        f"{command}{source.how_to_get}\n"
        f"(data directory: set COOKBOOK_DATA_DIR; home page {source.homepage}). "
        f"Or run with data policy 'auto'/'synthetic' to use the stand-in.")


def real_present(course: Course, name: str) -> bool:
    """True when the real files of data set ``name`` are in the data directory."""
    folder = _data_dir(course) / SOURCES[name].folder
    _guard(folder, SOURCES[name].title)
    return real.present(_data_dir(course), name)


def _use_real(course: Course, name: str) -> bool:
    """Apply the data policy: True to load real data (present or just downloaded), False for the stand-in."""
    if course.data == "synthetic":
        banner(name, "data policy 'synthetic'")
        return False
    if real_present(course, name):
        return True
    source = SOURCES[name]
    if not source.resources or (course.data == "auto" and not source.auto_download):
        if course.data == "real":
            raise _unavailable(name, f"it is not in {_data_dir(course) / source.folder}")
        banner(name, f"not found in {_data_dir(course) / source.folder}")
        return False
    if name not in _UNREACHABLE:
        try:
            real.download_dataset(_data_dir(course), name)
            return True
        except DownloadError as exc:
            _UNREACHABLE.add(name)
            if course.data == "real":
                raise _unavailable(name, f"it could not be downloaded:\n{exc}") from exc
    elif course.data == "real":
        raise _unavailable(name, "it could not be downloaded earlier in this session")
    banner(name, f"not in {course.data_dir} and the download failed: offline?")
    return False


def _standin_root(course: Course, name: str) -> Path:
    root = _data_dir(course) / "standin" / name / course.profile
    _guard(root.parent.parent, "stand-in data")
    return root


def _build_standin(course: Course, name: str, build: Callable[[Path], None]) -> Path:
    try:
        return standins.cached(_standin_root(course, name), build, {"name": name, "profile": course.profile})
    except PermissionError as exc:
        raise DataError(f"cannot write the {name} stand-in under {course.data_dir}: {exc.strerror}. "
                        f"Set COOKBOOK_DATA_DIR to a writable folder") from exc


# --------------------------------------------------------------------------- (Fashion-)MNIST
def _idx_root(course: Course, name: str) -> tuple[Path, bool]:
    """(root for torchvision's reader, is-stand-in) with the idx files unpacked next to the .gz files."""
    folder_name = {"fashion_mnist": "FashionMNIST", "mnist": "MNIST"}[name]
    if _use_real(course, name):
        raw = _data_dir(course) / SOURCES[name].folder
        for resource in SOURCES[name].resources:
            _gunzip(raw / resource.filename)
        return _data_dir(course), False
    root = _build_standin(course, name,
                          lambda tmp: standins.idx_dataset(tmp / folder_name / "raw", name, course.profile))
    return root, True


def _gunzip(path: Path) -> Path:
    """Decompress ``x.gz`` to ``x`` (once, atomically); return the decompressed path."""
    target = path.with_suffix("")
    if target.is_file():
        return target
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=path.parent)
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


def _mark(dataset: Dataset, is_standin: bool) -> Dataset:
    dataset.standin = is_standin
    return dataset


def fashion_mnist(course: Course, train: bool = True, transform: Transform = None,
                  target_transform: Transform = None) -> torchvision.datasets.FashionMNIST:
    """Fashion-MNIST (60,000 train / 10,000 test 28x28 grey images, 10 clothing classes).

    Behaves exactly like ``torchvision.datasets.FashionMNIST``; the stand-in has
    ``course.pick(2000/500, 12000/2000, 60000/10000)`` train/test images.
    """
    root, is_standin = _idx_root(course, "fashion_mnist")
    dataset = torchvision.datasets.FashionMNIST(root, train=train, transform=transform,
                                                target_transform=target_transform)
    return _mark(dataset, is_standin)


def mnist(course: Course, train: bool = True, transform: Transform = None,
          target_transform: Transform = None) -> torchvision.datasets.MNIST:
    """MNIST (60,000 train / 10,000 test 28x28 grey handwritten digits), like ``torchvision.datasets.MNIST``."""
    root, is_standin = _idx_root(course, "mnist")
    dataset = torchvision.datasets.MNIST(root, train=train, transform=transform, target_transform=target_transform)
    return _mark(dataset, is_standin)


def mnist_idx_files(course: Course) -> dict[str, Path]:
    """The four MNIST idx ``.gz`` files (real, or the stand-in written in the same format).

    Keys: ``train_images``, ``train_labels``, ``test_images``, ``test_labels``. Each file is
    gzip-compressed with a big-endian header: magic 2051, count, rows, cols for images;
    magic 2049, count for labels; then one unsigned byte per pixel/label.
    """
    root, _ = _idx_root(course, "mnist")
    raw = root / "MNIST" / "raw"
    return {key: raw / f"{base}.gz" for key, base in standins.IDX_FILES.items()}


def mnist_npz(course: Course) -> Path:
    """An ``.npz`` of MNIST with keys ``x_train`` (N, 28, 28) uint8, ``y_train`` (N,) uint8, ``x_test``, ``y_test``.

    Uses ``<raw folder>/mnist.npz`` when present (e.g. Keras's ``mnist.npz``), else writes it
    once from the idx files (real or stand-in).
    """
    files = mnist_idx_files(course)
    target = files["train_images"].parent / "mnist.npz"
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
    if _use_real(course, "cifar10"):
        root, is_standin = _data_dir(course), False
    else:
        root = _build_standin(course, "cifar10",
                              lambda tmp: standins.cifar10_dataset(tmp / "cifar-10-batches-py", course.profile))
        is_standin = True
    return _mark(CIFAR10(root, train=train, transform=transform, target_transform=target_transform), is_standin)


# --------------------------------------------------------------------------- news, chest X-rays, GloVe
NEWS_CLASSES = standins.NEWS_CLASSES


def news(course: Course) -> dict[str, Path]:
    """CSV files of 4-class news articles (AG News family): ``{'train': path, 'valid': path, 'test': path}``.

    Each CSV has a header and the columns ``id, content, Business, SciTech, Sports, World``, the
    last four being 0/1 (exactly one 1 per row). Read them with the ``csv`` module (or
    :func:`helpers.text.read_news_csv`). Real data: AG News converted on download (120,000 train
    articles split 95/5 into train/valid, 7,600 test); stand-in: ``course.pick`` 2,000/400/400,
    12,000/1,500/1,500 or the real sizes.
    """
    if _use_real(course, "news"):
        folder = _data_dir(course) / SOURCES["news"].folder
    else:
        folder = _build_standin(course, "news", lambda tmp: standins.news_dataset(tmp, course.profile))
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
    if _use_real(course, "chest_xray"):
        root, is_standin = _data_dir(course) / SOURCES["chest_xray"].folder, False
    else:
        root = _build_standin(course, "chest_xray", lambda tmp: standins.chest_xray_dataset(tmp, course.profile))
        is_standin = True
    return _mark(torchvision.datasets.ImageFolder(root / split, transform=transform), is_standin)


def glove(course: Course, dim: int = 100) -> tuple[list[str], torch.Tensor]:
    """Pretrained word vectors: ``(words, vectors)`` with ``vectors[i]`` the ``dim``-d vector of ``words[i]``.

    Real: GloVe 6B (400,000 words; ``dim`` 50, 100, 200 or 300) read from
    ``<data_dir>/glove/glove.6B.<dim>d.txt``. It is 822 MB, so it is never downloaded
    implicitly: run ``cookbook data download glove`` once. Without it, policy ``auto`` (with a
    banner) and ``synthetic`` use vectors learnt from the stand-in news corpus (a few hundred
    words, written in the same text format); ``real`` raises :class:`DataUnavailable`.
    """
    path = _data_dir(course) / SOURCES["glove"].folder / f"glove.6B.{dim}d.txt"
    if course.data != "synthetic" and path.is_file():
        return text.read_glove(path)
    if course.data == "real":
        raise _unavailable("glove", f"{path} does not exist")
    banner("glove", "data policy 'synthetic'" if course.data == "synthetic" else f"{path} not found")
    corpus = news(course)["train"]

    def build(tmp: Path) -> None:
        texts, _, _ = text.read_news_csv(corpus)
        words, vectors = text.cooccurrence_vectors((text.basic_english(t) for t in texts), dim=dim)
        text.write_glove(tmp / f"standin.{dim}d.txt", words, vectors)

    root = _build_standin(course, f"glove/{dim}d", build)
    return text.read_glove(root / f"standin.{dim}d.txt")


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
