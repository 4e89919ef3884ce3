"""GloVe 6B pretrained word vectors (Stanford NLP), and a small stand-in learnt from the news stand-in.

The real archive (822 MB) holds ``glove.6B.{50,100,200,300}d.txt``, one ``word v1 v2 ...`` line
per word for 400,000 words; it is never downloaded implicitly. The stand-in writes the same four
files, with vectors learnt (PPMI + SVD, :func:`helpers.text.cooccurrence_vectors`) from the
training articles of the news stand-in: a few hundred words, enough for similar words and
king - man + woman = queen. Because it is built from the news stand-in, a change to the news
generator changes it too: bump both data sets' ``version`` then.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import DataSet
from ...text import basic_english, ppmi_components, unit_vectors
from ..download import Resource, unpack_zip
from ..formats import write_glove
from . import news

#: The vector sizes GloVe 6B comes in.
DIMS = (50, 100, 200, 300)


def filename(dim: int) -> str:
    """The name of GloVe 6B's file of ``dim``-dimensional vectors.

    >>> filename(100)
    'glove.6B.100d.txt'
    """
    return f"glove.6B.{dim}d.txt"


def generate(folder: Path, sizes: tuple[int], rng: np.random.Generator) -> None:
    """Write stand-in vectors of every size in :data:`DIMS`, learnt from the first ``sizes[0]`` news stand-in articles.

    ``rng`` must be seeded like the news stand-in's, so that the articles are its training articles.
    """
    texts, _ = news.articles(sizes[0], rng)
    words, components = ppmi_components(basic_english(text) for text in texts)
    folder.mkdir(parents=True, exist_ok=True)
    for dim in DIMS:
        write_glove(folder / filename(dim), words, unit_vectors(components, dim))


DATASET = DataSet(
    name="glove",
    title="GloVe 6B word vectors",
    folder="glove",
    expect=(filename(100),),
    resources=(Resource("glove.6B.zip", ("https://downloads.cs.stanford.edu/nlp/data/glove.6B.zip",
                                         "https://nlp.stanford.edu/data/glove.6B.zip"),
                        None, "056ea991adb4740ac6bf1b6d9b50408b"),),
    unpack=unpack_zip,
    homepage="https://nlp.stanford.edu/projects/glove/",
    how_to_get="download https://nlp.stanford.edu/data/glove.6B.zip (822 MB) and unzip glove.6B.100d.txt "
               "into <data_dir>/glove/",
    standin_note="small vectors learnt from the stand-in news corpus (PPMI + SVD): a few hundred words, "
                 "similar words and king - man + woman = queen work, nothing beyond that vocabulary",
    classes=(),
    generate=generate,
    sizes={profile: sizes[:1] for profile, sizes in news.DATASET.sizes.items()},  # news training articles
    seed=news.DATASET.seed,
    version=4,
    auto_download=False,
)
