"""The data policy: real data or stand-in, the checks on the data directory, and the one stand-in banner.

A notebook's :class:`~helpers.config.Course` carries a data policy: ``auto`` uses real data when
present or downloadable, else the stand-in; ``real`` insists on real data; ``synthetic`` always
uses the stand-in. Looking up and acting are apart:

* :func:`find` (and :func:`real_present`) only look: what is there, as a :class:`Found`, without
  downloading, printing or building anything;
* :func:`obtain` applies the policy for one data set: it downloads missing real data where allowed,
  raises :class:`DataUnavailable` under ``real``, and announces a stand-in in its banner (:func:`banner`,
  once per data set); :func:`locate` also builds the stand-in (:func:`standin`). The loaders of
  :mod:`helpers.data.loaders` call it once per load.

What the policy remembers in a process (banners shown, downloads that failed, here and in
:mod:`helpers.models`) is one :class:`PolicyState`, :func:`state`; :func:`use_state` replaces it for a
while (tests start each test with a fresh one).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Course
from . import download
from .cache import cached, standin_root, standins
from .registry import REGISTRY


@dataclass
class PolicyState:
    """What the data policy remembers in one process.

    ``shown``: the keys of the banners already shown (a data set's name, ``"model <name>"``);
    ``unreachable``: why a data set (key: its name) or pretrained weights (key: their URL) could not be
    downloaded, so that they are not tried again.
    """

    shown: set[str] = field(default_factory=set)
    unreachable: dict[str, str] = field(default_factory=dict)


_state = PolicyState()


def state() -> PolicyState:
    """The policy state of this process (or the one :func:`use_state` put in place)."""
    return _state


@contextmanager
def use_state(replacement: PolicyState | None = None) -> Iterator[PolicyState]:
    """Use ``replacement`` (default: a fresh :class:`PolicyState`) as the policy state inside the ``with`` block.

    >>> with use_state() as fresh:
    ...     fresh is state() and not fresh.shown
    True
    """
    global _state
    previous, _state = _state, replacement if replacement is not None else PolicyState()
    try:
        yield _state
    finally:
        _state = previous


class DataError(RuntimeError):
    """A data set cannot be provided; the message says what to do."""


class DataUnavailable(DataError):
    """Real data was required (policy ``real``) but is neither present nor downloadable."""


@dataclass(frozen=True)
class Found:
    """What the data policy found for one data set.

    ``folder`` holds the data set's files in the real layout of ``<data_dir>/<folder>``: the real data, or
    (``standin`` True) the stand-in's folder in the cache, which only :func:`locate` builds. ``reason`` says
    why the stand-in replaces the real data (empty for real data).
    """

    folder: Path
    standin: bool
    reason: str = ""


def data_dir(course: Course) -> Path:
    """The data directory, checked to be usable (a folder, or creatable)."""
    root = Path(course.data_dir)
    if root.exists() and not root.is_dir():
        raise DataError(f"the data directory {root} is a file, not a folder: remove it, or point "
                        f"COOKBOOK_DATA_DIR (or setup(data_dir=...)) at a folder")
    return root


def guard(path: Path, what: str) -> None:
    """Raise an actionable error if ``path`` (expected to be a folder) is a file or not readable."""
    if path.exists() and not path.is_dir():
        raise DataError(f"{path} should be a folder holding {what} but is a file: move it away and run again")
    if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
        raise DataError(f"{path} (holding {what}) is not readable: fix its permissions "
                        f"(chmod -R u+rwX {path}) or set COOKBOOK_DATA_DIR to another folder")


def announce(key: str, heading: str, message: str) -> None:
    """Show ``message`` once per ``key`` per process: framed in the output and, in a notebook, as an orange box.

    The printed frame is what scripts, logs and graders see; the HTML box under ``heading``
    makes it hard to miss in JupyterLab.
    """
    shown = state().shown
    if key in shown:
        return
    shown.add(key)
    print("=" * 78 + "\n" + message + "\n" + "=" * 78)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML('<div style="border:2px solid #d9822b;background:#fff5e6;padding:8px;border-radius:4px">'
                     f"<b>{heading}</b><br>{message}</div>"))


def banner(name: str, reason: str) -> None:
    """Announce (once per data set per process) that a stand-in replaces the real data set ``name``, and why."""
    entry = REGISTRY[name]
    how = f"`cookbook data download {name}` (or {entry.how_to_get})" if entry.resources else entry.how_to_get
    announce(name, f"Stand-in data: {entry.title}",
             f"STAND-IN DATA for {entry.title} ({reason}): {entry.standin_note}. To use the real data: {how}.")


def unavailable(name: str, why: str) -> DataUnavailable:
    """The error for policy ``real`` when data set ``name`` cannot be had: ``why``, and how to get it."""
    entry = REGISTRY[name]
    command = f"Get it with:  cookbook data download {name}\nor by hand:   " if entry.resources else "Get it by hand: "
    return DataUnavailable(
        f"{entry.title} is required (data policy 'real') but {why}.\n"
        f"{command}{entry.how_to_get}\n"
        f"(data directory: set COOKBOOK_DATA_DIR; home page {entry.homepage}). "
        f"Or run with data policy 'auto'/'synthetic' to use the stand-in.")


def real_present(course: Course, name: str) -> bool:
    """True when the real files of data set ``name`` are in the data directory."""
    entry = REGISTRY[name]
    guard(data_dir(course) / entry.folder, entry.title)
    return download.present(data_dir(course), entry)


def _standin_folder(course: Course, name: str) -> Path:
    """Where the stand-in of data set ``name`` for the course's profile has (or will have) its files."""
    return standin_root(data_dir(course), name, course.profile) / REGISTRY[name].standin_folder


def find(course: Course, name: str) -> Found:
    """Look data set ``name`` up under the course's data policy, without downloading, printing or building.

    Real data when its files are present (and the policy is not ``synthetic``), else the stand-in's
    folder with the reason. Only an unusable data directory raises (:class:`DataError`).
    """
    if course.data == "synthetic":
        return Found(_standin_folder(course, name), True, "data policy 'synthetic'")
    folder = data_dir(course) / REGISTRY[name].folder
    if real_present(course, name):
        return Found(folder, False)
    return Found(_standin_folder(course, name), True, f"not found in {folder}")


def obtain(course: Course, name: str) -> Found:
    """Apply the data policy to data set ``name``: what :func:`find` finds, after downloading what may be.

    Missing real data is downloaded (verified) unless the policy is ``synthetic`` or the data set is
    never downloaded implicitly; a download that failed is not tried again in the same process. Under
    ``real``, data that cannot be had raises :class:`DataUnavailable`; a stand-in is announced in its
    banner. The stand-in itself is not built (:func:`locate` does that).
    """
    found = find(course, name)
    if found.standin and course.data != "synthetic":
        found = _download(course, name, found)
    if found.standin:
        banner(name, found.reason)
    return found


def _download(course: Course, name: str, missing: Found) -> Found:
    """The real data set ``name``, downloaded if the policy allows it; else ``missing`` (the stand-in), or an error
    under policy ``real``."""
    entry = REGISTRY[name]
    if not entry.resources or (course.data == "auto" and not entry.auto_download):
        if course.data == "real":
            raise unavailable(name, f"it is not in {data_dir(course) / entry.folder}")
        return missing
    unreachable = state().unreachable
    if name not in unreachable:
        try:
            return Found(download.download_dataset(data_dir(course), entry), False)
        except download.DownloadError as exc:
            unreachable[name] = str(exc)
            if course.data == "real":
                raise unavailable(name, f"it could not be downloaded:\n{exc}") from exc
    elif course.data == "real":
        raise unavailable(name, "it could not be downloaded earlier in this session")
    return dataclasses.replace(missing, reason=f"not in {course.data_dir} and the download failed: offline?")


def standin(course: Course, name: str) -> Path:
    """The folder of data set ``name``'s stand-in for the course's profile (built once, cached).

    It holds the files in the layout of ``<data_dir>/<folder>`` of the real data set. The cache
    is ``<data_dir>/standin/<name>/<profile>/``, rebuilt when the data set's ``version`` changes.
    """
    entry = REGISTRY[name]
    guard(standins(data_dir(course), name).parent, "stand-in data")
    try:
        cached(standin_root(data_dir(course), name, course.profile),
               lambda tmp: entry.write_standin(tmp, course.profile), entry.version,
               {"name": name, "profile": course.profile})
    except PermissionError as exc:
        raise DataError(f"cannot write the {name} stand-in under {course.data_dir}: {exc.strerror}. "
                        f"Set COOKBOOK_DATA_DIR to a writable folder") from exc
    return _standin_folder(course, name)


def locate(course: Course, name: str) -> Found:
    """:func:`obtain`, and the stand-in built when it is one: ``found.folder`` then holds the files to read."""
    found = obtain(course, name)
    if found.standin:
        standin(course, name)
    return found
