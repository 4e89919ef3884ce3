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
transform, int label)`` and ``.classes``, ``.targets``, ``.data`` are there. Each returned data set,
and each set of paths, has a ``standin`` attribute (True for stand-in data). :func:`heldout` draws
fresh examples for outcome-graded challenges.

This module only gathers the public names. The package: :mod:`~helpers.data.loaders` (the loaders),
:mod:`~helpers.data.conversions` (files derived from the data: decompressed idx files, ``mnist.npz``),
:mod:`~helpers.data.heldout`, :mod:`~helpers.data.subsets` (:func:`take`), :mod:`~helpers.data.samples`
(:func:`sample_image`), :mod:`~helpers.data.paths` (paths with ``standin``); :mod:`~helpers.data.registry`
holds one :class:`~helpers.data.dataset.DataSet` entry per data set (one module each in
:mod:`helpers.data.sets`: sources, checksums, unpacking, stand-in generator and sampler, sizes, seed,
version); :mod:`~helpers.data.policy` applies the data policy and shows the banner;
:mod:`~helpers.data.download` fetches and verifies; :mod:`~helpers.data.formats` writes and reads the real
file formats; :mod:`~helpers.data.cache` keeps built stand-ins; :mod:`~helpers.data.draw` has the drawing
primitives of the generators.
"""
from .conversions import mnist_npz
from .heldout import heldout
from .loaders import CIFAR10, NEWS_CLASSES, chest_xray, cifar10, fashion_mnist, glove, mnist, mnist_idx_files, news
from .policy import DataError, DataUnavailable, banner, real_present
from .samples import sample_image
from .subsets import Taken, take

__all__ = ["CIFAR10", "NEWS_CLASSES", "DataError", "DataUnavailable", "Taken", "banner", "chest_xray", "cifar10",
           "fashion_mnist", "glove", "heldout", "mnist", "mnist_idx_files", "mnist_npz", "news", "real_present",
           "sample_image", "take"]
