"""The registry of the course data sets: one :class:`DataSet` entry holds every fact about one data set.

Where the real files come from and how to check and unpack them, where they live, how to get
them by hand, what the stand-in means, and how the stand-in is generated (generator, sizes per
profile, seed, version). Each data set is one module in :mod:`helpers.data.sets` defining
``DATASET``; :data:`REGISTRY` collects them, in the order of :data:`SETS`.

>>> list(REGISTRY)
['fashion_mnist', 'mnist', 'cifar10', 'news', 'chest_xray', 'glove']
>>> REGISTRY["mnist"].sizes["smoke"]
(2000, 500)
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import PROFILES
from .download import Resource

#: ``generate(folder, sizes, rng)``: write the stand-in for one profile's ``sizes`` into ``folder``.
Generator = Callable[[Path, Any, np.random.Generator], None]
#: ``sampler(n, rng)``: ``n`` new examples (uint8 images as in the real files, uint8 labels, balanced).
Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]
#: ``unpack(folder, downloaded_files)``: turn the downloaded files into the ``expect``-ed ones.
Unpacker = Callable[[Path, list[Path]], None]


@dataclass(frozen=True)
class DataSet:
    """Everything about one data set: the real files, how to get them, and its stand-in.

    Real data:

    * ``name``: the key used everywhere (``cookbook data download NAME``, ``standin/<name>/``);
    * ``title``: human-readable name for messages and banners;
    * ``folder``: the real files live in ``<data_dir>/<folder>``;
    * ``expect``: paths (relative to ``folder``) whose presence means "the real data is here";
    * ``resources``: the downloadable files (mirrors, size, checksums); empty: manual download only;
    * ``unpack``: turns the downloaded ``resources`` into the ``expect``-ed files (None: nothing to do);
    * ``homepage``, ``how_to_get`` (what to do by hand), ``auto_download`` (False: large, fetched only
      by ``cookbook data download NAME``), ``unpacked`` (known checksums of unpacked files, for verify);
    * ``classes``: the class names, in label order (empty for data without classes).

    Stand-in:

    * ``standin_note``: what the stand-in is and what it means for the numbers (shown in the banner);
    * ``generate(folder, sizes, rng)``: writes the stand-in, in the real file format, into ``folder``,
      which plays the part of ``<data_dir>/<folder>``;
    * ``sizes``: per profile (``smoke``, ``quick``, ``full``), the sizes ``generate`` is given;
    * ``seed``: seeds the ``rng`` that ``generate`` (and, mixed with the caller's seed, ``sampler``) draws from;
    * ``version``: the generator's version; bump it when the generator's output changes, so cached
      stand-ins of this data set (only) are rebuilt;
    * ``standin_folder``: where, inside the stand-in's cache folder, ``generate`` writes (``"."`` or
      a path such as ``MNIST/raw`` when a reader expects the real data directory's layout);
    * ``sampler(n, rng)``: draws new examples from the stand-in's distribution (None: not supported).
    """

    name: str
    title: str
    folder: str
    expect: tuple[str, ...]
    resources: tuple[Resource, ...]
    unpack: Unpacker | None
    homepage: str
    how_to_get: str
    standin_note: str
    classes: tuple[str, ...]
    generate: Generator
    sizes: Mapping[str, Any]
    seed: int
    version: int
    standin_folder: str = "."
    sampler: Sampler | None = None
    auto_download: bool = True
    unpacked: tuple[Resource, ...] = ()

    def write_standin(self, root: Path, profile: str) -> Path:
        """Generate the stand-in of ``profile`` into ``root`` (a stand-in data directory); return its folder.

        The returned folder, ``root/<standin_folder>``, holds the files in the layout of
        ``<data_dir>/<folder>``. The output depends only on the profile's sizes and the seed.
        """
        folder = Path(root) / self.standin_folder
        self.generate(folder, self.sizes[profile], np.random.default_rng(self.seed))
        return folder

    def sample(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` new stand-in examples drawn with ``seed`` (>= 0): ``(uint8 images, uint8 labels)``, balanced.

        They come from the same generator as the stand-in's files but from a random stream
        mixed from the data set's seed and ``seed``, so they are not in those files.
        """
        if self.sampler is None:
            raise ValueError(f"the {self.name} stand-in cannot draw new samples")
        return self.sampler(n, np.random.default_rng((self.seed, seed)))


#: The data set modules in :mod:`helpers.data.sets`, each defining ``DATASET``: add a new one here.
SETS = ("fashion_mnist", "mnist", "cifar10", "news", "chest_xray", "glove")


def _collect() -> dict[str, DataSet]:
    """Import every module of :data:`SETS` and index its ``DATASET`` by name."""
    entries = [importlib.import_module(f"{__package__}.sets.{module}").DATASET for module in SETS]
    return {entry.name: entry for entry in entries}


#: Every data set of the course, by name.
REGISTRY: dict[str, DataSet] = _collect()
