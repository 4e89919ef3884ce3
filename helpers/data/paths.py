"""Paths that the loaders return, which remember whether they belong to a stand-in.

A loader that returns paths instead of a data set keeps the data policy's answer with them, so a
caller never asks the policy again: :class:`DataFiles` (a ``dict`` of paths by role) and
:class:`DataPath` (one path) have ``standin``, like the data sets the other loaders return.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class DataFiles(dict):
    """A data set's files by role (a ``dict`` of paths) and ``standin``: whether they are its stand-in's.

    >>> files = DataFiles({"train": Path("train.csv")}, standin=True)
    >>> files["train"].name, files.standin
    ('train.csv', True)
    """

    def __init__(self, paths: Mapping[str, Path], standin: bool) -> None:
        super().__init__(paths)
        self.standin = standin


class DataPath(type(Path())):  # PosixPath or WindowsPath: Path itself cannot be subclassed before Python 3.12
    """A path to a data file with ``standin``: whether the file is a stand-in's (paths derived from it lack it).

    >>> path = data_path(Path("data") / "mnist.npz", standin=False)
    >>> path.name, path.standin, path == Path("data/mnist.npz")
    ('mnist.npz', False, True)
    """

    standin: bool


def data_path(path: Path, standin: bool) -> DataPath:
    """``path`` as a :class:`DataPath` with ``standin``."""
    marked = DataPath(path)
    marked.standin = standin
    return marked
