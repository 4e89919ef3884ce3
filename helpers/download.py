"""Real data: where each data set comes from, and verified downloads.

Downloads try mirrors in order, show a progress bar, and check size and checksum.

A file is streamed into a temporary file beside its destination and renamed into place only
after its size and checksum match, so a partial or corrupt download is never used and never
left behind. Connections time out quickly, so an offline machine fails in well under a second
per mirror instead of hanging.
"""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

CONNECT_TIMEOUT_S = 5.0
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """No mirror delivered a file with the expected size and checksum."""


@dataclass(frozen=True)
class Resource:
    """One downloadable file: its name, where to get it, and how to recognise a good copy.

    ``urls`` are full URLs tried in order (mirrors). ``size`` is in bytes; ``md5`` and/or
    ``sha256`` are hex digests. A resource with neither checksum is verified by size only.
    """

    filename: str
    urls: tuple[str, ...]
    size: int | None = None
    md5: str | None = None
    sha256: str | None = None


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in chunks (``algorithm`` is any :mod:`hashlib` name)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: Path, resource: Resource) -> str | None:
    """Return ``None`` if ``path`` matches the resource's size and checksums, else why not."""
    path = Path(path)
    if not path.is_file():
        return f"{path} does not exist"
    size = path.stat().st_size
    if resource.size is not None and size != resource.size:
        return f"{path} has {size:,} bytes, expected {resource.size:,}"
    for algorithm in ("md5", "sha256"):
        expected = getattr(resource, algorithm)
        if expected and file_digest(path, algorithm) != expected.lower():
            return f"{path} has the wrong {algorithm} checksum (corrupt or a different version)"
    return None


def _stream(url: str, target: Path, expected_size: int | None, timeout: float) -> None:
    """Copy ``url`` into the open-able path ``target`` with a progress bar."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
        total = expected_size or int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                  desc=Path(url).name, leave=False) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))


def fetch(resource: Resource, directory: Path, timeout: float = CONNECT_TIMEOUT_S) -> Path:
    """Return ``directory/resource.filename``, downloading and verifying it if needed.

    An existing file that fails verification is replaced. Raises :class:`DownloadError`
    naming every mirror tried and why it failed.
    """
    directory = Path(directory)
    destination = directory / resource.filename
    if check_file(destination, resource) is None:
        return destination
    directory.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for url in resource.urls:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{resource.filename}.", suffix=".part", dir=directory)
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            _stream(url, tmp, resource.size, timeout)
            problem = check_file(tmp, resource)
            if problem is None:
                os.replace(tmp, destination)
                return destination
            errors.append(f"{url}: downloaded file rejected: {problem.replace(str(tmp), 'it')}")
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts are OSErrors
            errors.append(f"{url}: {exc}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DownloadError(f"could not download {resource.filename}:\n  " + "\n  ".join(errors))


# --------------------------------------------------------------------------- the course's real data sets
@dataclass(frozen=True)
class Source:
    """A real data set: where its files come from, where they live, what its stand-in means."""

    name: str
    title: str
    folder: str                       # real files live in <data_dir>/<folder>
    expect: tuple[str, ...]           # paths (relative to folder) whose presence means "real data here"
    resources: tuple[Resource, ...]   # downloadable files; empty: manual download only
    homepage: str
    how_to_get: str                   # what to do by hand
    standin_note: str                 # what the stand-in means for the numbers
    auto_download: bool = True        # False: large, fetched only by `cookbook data download NAME`
    unpacked: tuple[Resource, ...] = ()  # files made by unpacking whose checksums are known (for verify)


_IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_MNIST = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_AG = "https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/"
_CIFAR_BATCHES = {"data_batch_1": "c99cafc152244af753f735de768cd75f", "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
                  "data_batch_3": "54ebc095f3ab1f0389bbae665268c751", "data_batch_4": "634d18415352ddfa80567beed471001a",
                  "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb", "test_batch": "40351d587109b95175f43aff81a1287e",
                  "batches.meta": "5ff9c542aee3614f3951f8cda6e48888"}


def _idx(mirrors: tuple[str, ...], sizes: tuple[int, ...], md5s: tuple[str, ...]) -> tuple[Resource, ...]:
    return tuple(Resource(f"{base}.gz", tuple(f"{m}{base}.gz" for m in mirrors), size, md5)
                 for base, size, md5 in zip(_IDX, sizes, md5s))


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("fashion_mnist", "Fashion-MNIST", "FashionMNIST/raw", tuple(f"{b}.gz" for b in _IDX),
           _idx((_FASHION,), (26421880, 29515, 4422102, 5148),
                ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                 "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")),
           "https://github.com/zalandoresearch/fashion-mnist",
           f"download the four idx .gz files from {_FASHION} into <data_dir>/FashionMNIST/raw/",
           "rendered clothing silhouettes of the same ten classes (28x28 grey, balanced); accuracies land "
           "in the same range as Fashion-MNIST's but are not comparable number for number"),
    Source("mnist", "MNIST", "MNIST/raw", tuple(f"{b}.gz" for b in _IDX),
           _idx(_MNIST, (9912422, 28881, 1648877, 4542),
                ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                 "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")),
           "https://yann.lecun.com/exdb/mnist/",
           f"download the four idx .gz files from {_MNIST[0]} into <data_dir>/MNIST/raw/",
           "real handwritten digits (scikit-learn's 8x8 digits) upscaled to 28x28 with random pen "
           "thickness and affine jitter; accuracies are a little below MNIST's"),
    Source("cifar10", "CIFAR-10", ".", ("cifar-10-batches-py/batches.meta", "cifar-10-batches-py/test_batch"),
           (Resource("cifar-10-python.tar.gz", ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
                     170498071, "c58f30108f718f92721af3b95e74349a"),),
           "https://www.cs.toronto.edu/~kriz/cifar.html",
           "download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz and extract it into <data_dir>/ "
           "(giving <data_dir>/cifar-10-batches-py/)",
           "cartoon objects of the ten classes on typical backgrounds (32x32 colour); easier than real "
           "CIFAR-10, so accuracies are higher than the source's",
           unpacked=tuple(Resource(f"cifar-10-batches-py/{k}", (), None, v) for k, v in _CIFAR_BATCHES.items())),
    Source("news", "AG News (4-class news topics)", "news", ("train.csv", "valid.csv", "test.csv"),
           (Resource("ag_news_train.csv", (f"{_AG}train.csv",), None, "b1a00f826fdfbd249f79597b59e1dc12"),
            Resource("ag_news_test.csv", (f"{_AG}test.csv",), None, "d52ea96a97a2d943681189a97654912d")),
           "http://groups.di.unipi.it/~gulli/AG_corpus_of_news_articles.html",
           "put train.csv, valid.csv and test.csv (columns id, content, Business, SciTech, Sports, World) "
           "into <data_dir>/news/",
           "generated headline-like sentences from per-topic vocabularies with shared words and topic noise; "
           "a bag-of-words model reaches about 90% (AG News: about 90%), but the text is not real English"),
    Source("chest_xray", "Chest X-ray pneumonia (Kermany et al.)", "chest_xray",
           tuple(f"{split}/{cls}" for split in ("train", "val", "test") for cls in ("NORMAL", "PNEUMONIA")), (),
           "https://www.kaggle.com/datasets/paultimothymooney/chest-xray-pneumonia",
           "download the Kaggle data set chest-xray-pneumonia (a free Kaggle account is needed; or "
           "https://data.mendeley.com/datasets/rscbjbr9sj/2) and unzip it so that "
           "<data_dir>/chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}/ hold the images",
           "synthetic radiographs (ribcage, lungs, heart shadow; pneumonia as patchy opacities), 1:3 "
           "NORMAL:PNEUMONIA; accuracies are not comparable with the source's"),
    Source("glove", "GloVe 6B word vectors", "glove", ("glove.6B.100d.txt",),
           (Resource("glove.6B.zip", ("https://downloads.cs.stanford.edu/nlp/data/glove.6B.zip",
                                      "https://nlp.stanford.edu/data/glove.6B.zip"),
                     None, "056ea991adb4740ac6bf1b6d9b50408b"),),
           "https://nlp.stanford.edu/projects/glove/",
           "download https://nlp.stanford.edu/data/glove.6B.zip (822 MB) and unzip glove.6B.100d.txt "
           "into <data_dir>/glove/",
           "small vectors learnt from the stand-in news corpus (PPMI + SVD): a few hundred words, "
           "similar words and king - man + woman = queen work, nothing beyond that vocabulary",
           auto_download=False),
)}


def present(data_dir: Path, name: str) -> bool:
    """True when the real files of data set ``name`` are in ``data_dir``."""
    source = SOURCES[name]
    return all((Path(data_dir) / source.folder / path).exists() for path in source.expect)


def download_dataset(data_dir: Path, name: str) -> Path:
    """Download, verify and unpack the real data set ``name`` into ``data_dir``; return its folder.

    Raises :class:`DownloadError` when no mirror delivers verified files, or, for a data set that
    cannot be downloaded automatically, says how to get it by hand.
    """
    source = SOURCES[name]
    folder = Path(data_dir) / source.folder
    if present(data_dir, name):
        return folder
    if not source.resources:
        raise DownloadError(f"{source.title} cannot be downloaded automatically: {source.how_to_get}")
    files = [fetch(resource, folder) for resource in source.resources]
    _UNPACK.get(name, lambda *_: None)(folder, files)
    return folder


def verify_dataset(data_dir: Path, name: str) -> list[tuple[Path, str | None]]:
    """Check every present real file with a known checksum: ``[(path, None or the problem)]``."""
    folder = Path(data_dir) / SOURCES[name].folder
    return [(folder / r.filename, check_file(folder / r.filename, r))
            for r in SOURCES[name].resources + SOURCES[name].unpacked if (folder / r.filename).is_file()]


def _replace_dir(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    os.replace(source, target)


def _unpack_cifar(folder: Path, files: list[Path]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".extract.", dir=folder))
    try:
        with tarfile.open(files[0]) as archive:
            archive.extractall(tmp, filter="data")
        _replace_dir(tmp / "cifar-10-batches-py", folder / "cifar-10-batches-py")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _unpack_glove(folder: Path, files: list[Path]) -> None:
    with zipfile.ZipFile(files[0]) as archive:
        for member in archive.namelist():
            if member.endswith(".txt") and not (folder / member).is_file():
                archive.extract(member, folder / ".partial")
                os.replace(folder / ".partial" / member, folder / member)
    shutil.rmtree(folder / ".partial", ignore_errors=True)


def _unpack_news(folder: Path, files: list[Path]) -> None:
    """Convert AG News (class 1-4, title, description; no header) to the course's CSV columns.

    Every 20th training article goes to ``valid.csv`` (deterministic 95/5 split).
    """
    classes = {1: "World", 2: "Sports", 3: "Business", 4: "SciTech"}
    columns = ["id", "content", "Business", "SciTech", "Sports", "World"]
    outputs: dict[str, list[dict]] = {"train": [], "valid": [], "test": []}
    next_id = 0
    for path, split in zip(files, ("train", "test")):
        with open(path, newline="", encoding="utf-8") as handle:
            for i, (label, title, description) in enumerate(csv.reader(handle)):
                text = f"{title} {description}".replace("\\", " ")  # AG News marks line breaks with backslashes
                row = {"id": next_id, "content": " ".join(text.split())}
                row.update({c: int(c == classes[int(label)]) for c in columns[2:]})
                outputs["valid" if split == "train" and i % 20 == 19 else split].append(row)
                next_id += 1
    for split, rows in outputs.items():
        tmp = folder / f".{split}.csv.part"
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, folder / f"{split}.csv")


_UNPACK = {"cifar10": _unpack_cifar, "glove": _unpack_glove, "news": _unpack_news}
