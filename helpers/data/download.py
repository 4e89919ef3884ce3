"""Verified downloads of the real data sets, driven by their registry entries.

A :class:`Resource` says where a file comes from (mirrors tried in order) and how to recognise
a good copy (size, md5 and/or sha256). :func:`fetch` streams it into a temporary file beside
its destination with a progress bar and renames it into place only after its size and
checksum match, so a partial or corrupt download is never used and never left behind.
Connections time out quickly, so an offline machine fails in well under a second per mirror
instead of hanging. :func:`download_dataset`, :func:`verify_dataset` and :func:`present` work
on any :class:`~helpers.data.dataset.DataSet`; what is specific to a data set (its files,
checksums, unpacking) comes from its entry.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

if TYPE_CHECKING:
    from .dataset import DataSet

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


# --------------------------------------------------------------------------- data sets
def present(data_dir: Path, entry: DataSet) -> bool:
    """True when the real files of data set ``entry`` (its ``expect`` paths) are in ``data_dir``."""
    return all((Path(data_dir) / entry.folder / path).exists() for path in entry.expect)


def download_dataset(data_dir: Path, entry: DataSet) -> Path:
    """Download, verify and unpack the real data set ``entry`` into ``data_dir``; return its folder.

    Raises :class:`DownloadError` when no mirror delivers verified files, or, for a data set that
    cannot be downloaded automatically, says how to get it by hand.
    """
    folder = Path(data_dir) / entry.folder
    if present(data_dir, entry):
        return folder
    if not entry.resources:
        raise DownloadError(f"{entry.title} cannot be downloaded automatically: {entry.how_to_get}")
    files = [fetch(resource, folder) for resource in entry.resources]
    if entry.unpack is not None:
        entry.unpack(folder, files)
    return folder


def verify_dataset(data_dir: Path, entry: DataSet) -> list[tuple[Path, str | None]]:
    """Check every present real file with a known checksum: ``[(path, None or the problem)]``."""
    folder = Path(data_dir) / entry.folder
    return [(folder / r.filename, check_file(folder / r.filename, r))
            for r in entry.resources + entry.unpacked if (folder / r.filename).is_file()]


# --------------------------------------------------------------------------- unpacking archives
def unpack_tar(folder: Path, files: list[Path]) -> None:
    """Extract tar archives into ``folder``; each top-level entry replaces its old copy as a whole.

    The archive is extracted into a temporary folder first, so an interrupted extraction never
    leaves a half-filled data folder behind.
    """
    for archive_path in files:
        tmp = Path(tempfile.mkdtemp(prefix=".extract.", dir=folder))
        try:
            with tarfile.open(archive_path) as archive:
                archive.extractall(tmp, filter="data")
            for item in sorted(tmp.iterdir()):
                target = folder / item.name
                if target.is_dir():
                    shutil.rmtree(target)
                os.replace(item, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def unpack_zip(folder: Path, files: list[Path]) -> None:
    """Extract the files of zip archives into ``folder``, each atomically; files already there are kept."""
    partial = folder / ".partial"
    try:
        for archive_path in files:
            with zipfile.ZipFile(archive_path) as archive:
                for member in archive.namelist():
                    if not member.endswith("/") and not (folder / member).is_file():
                        archive.extract(member, partial)
                        (folder / member).parent.mkdir(parents=True, exist_ok=True)
                        os.replace(partial / member, folder / member)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
