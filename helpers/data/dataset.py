"""One data set's entry: :class:`DataSet` holds every fact about one data set of the course.

Where the real files come from and how to check and unpack them, where they live, how to get
them by hand, what the stand-in means, and how the stand-in is generated (generator, sizes per
profile, seed, version) and sampled. Each module of :mod:`helpers.data.sets` defines its
``DATASET``; :mod:`helpers.data.registry` collects them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .download import Resource

#: ``generate(folder, sizes, rng)``: write the stand-in for one profile's ``sizes`` into ``folder``.
Generator = Callable[[Path, Any, np.random.Generator], None]
#: ``sampler(n, rng)``: ``n`` new examples and their uint8 labels, classes balanced; the examples are uint8
#: images as in the real files (an ``(n, ...)`` array) or article texts (a list of ``n`` strings).
Sampler = Callable[[int, np.random.Generator], tuple[Any, np.ndarray]]
#: ``sample_entropy(seed)``: the entropy of the random stream that ``sampler`` draws from for a caller's ``seed``.
SampleEntropy = Callable[[int], tuple[int, ...]]
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
    * ``seed``: seeds the ``rng`` that ``generate`` draws from;
    * ``version``: the generator's version; bump it when the generator's output changes, so cached
      stand-ins of this data set (only) are rebuilt;
    * ``standin_folder``: where, inside the stand-in's cache folder, ``generate`` writes (``"."`` or
      a path such as ``MNIST/raw`` when a reader expects the real data directory's layout);
    * ``sampler(n, rng)``: draws new examples from the stand-in's distribution (None: not supported);
    * ``sample_entropy(seed)``: what seeds ``sampler``'s stream for a caller's ``seed`` (None: ``(seed field,
      seed)``); a data set sets it only to keep the streams that earlier samples were drawn from.
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
    sample_entropy: SampleEntropy | None = None
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

    def sample(self, n: int, seed: int) -> tuple[Any, np.ndarray]:
        """``n`` new stand-in examples drawn with ``seed`` (>= 0): ``(examples, uint8 labels)``, classes balanced.

        The examples are what ``sampler`` draws (uint8 images as in the real files, or article texts). They come
        from the same generator as the stand-in's files but from another random stream, seeded with
        ``sample_entropy(seed)`` (by default the data set's seed, then ``seed``), so they are not in those
        files; a ``seed`` whose stream is the files' own is refused (with the default entropy: ``seed`` 0, since
        NumPy pads entropy with zeros).
        """
        if self.sampler is None:
            raise ValueError(f"the {self.name} stand-in cannot draw new samples")
        if seed < 0:
            raise ValueError(f"the seed of a sample must be >= 0, got {seed}")
        entropy = self.sample_entropy(seed) if self.sample_entropy is not None else (self.seed, seed)
        stream = np.random.SeedSequence(entropy)
        if np.array_equal(stream.generate_state(4), np.random.SeedSequence(self.seed).generate_state(4)):
            raise ValueError(f"seed {seed} would draw from the random stream of the {self.name} stand-in's own files "
                             f"(the new examples could be theirs): choose another seed")
        return self.sampler(n, np.random.default_rng(stream))
