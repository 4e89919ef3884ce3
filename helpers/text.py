"""Small text utilities: the tokeniser of the NLP chapter and word vectors learnt from co-occurrences.

They replace what the retired ``torchtext`` legacy API did where it is not the lesson; the GloVe
stand-in (:mod:`helpers.data.sets.glove`) is learnt with them. Chapter 4's news pipeline is in
:mod:`helpers.news`; reading and writing the news CSVs and GloVe files is in :mod:`helpers.data.formats`.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import torch

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def basic_english(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words and single punctuation marks.

    Taught in: ch04_rnn_nlp/01_tokenization_and_fields.ipynb, 4.1 (``tokenize`` there).

    >>> basic_english("This is a test, for tokenizer!")
    ['this', 'is', 'a', 'test', ',', 'for', 'tokenizer', '!']
    """
    return _TOKEN.findall(text.lower())


def cooccurrence_vectors(sentences: Iterable[list[str]], dim: int = 100, window: int = 4,
                         min_count: int = 2) -> tuple[list[str], torch.Tensor]:
    """Word vectors learnt from a corpus: positive PMI of co-occurrence counts, reduced by SVD.

    A fast, deterministic stand-in for GloVe (which factorises the same statistics). Returns
    the words, most frequent first, and a (len(words), dim) float tensor of unit-length rows.
    """
    words, components = ppmi_components(sentences, window, min_count)
    return words, unit_vectors(components, dim)


def ppmi_components(sentences: Iterable[list[str]], window: int = 4,
                    min_count: int = 2) -> tuple[list[str], np.ndarray]:
    """The words seen at least ``min_count`` times (most frequent first) and their PPMI-SVD components.

    Co-occurrences within ``window`` words are weighted by 1/distance; the positive pointwise
    mutual information matrix is factorised by SVD and row ``i`` of the returned
    (len(words), len(words)) float64 array is ``U[i] * sqrt(S)``, strongest component first.
    """
    sentences = [list(s) for s in sentences]
    counts = Counter(w for s in sentences for w in s)
    words = [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]
    index = {w: i for i, w in enumerate(words)}
    co = np.zeros((len(words), len(words)), dtype=np.float64)
    for sentence in sentences:
        ids = [index[w] for w in sentence if w in index]
        for offset in range(1, window + 1):
            if len(ids) > offset:
                np.add.at(co, (ids[:-offset], ids[offset:]), 1.0 / offset)
    co += co.T
    total = co.sum()
    row = co.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(co * total / (row @ row.T))
    ppmi = np.nan_to_num(np.maximum(pmi, 0), posinf=0.0)
    u, s, _ = np.linalg.svd(ppmi, hermitian=True)
    return words, u * np.sqrt(s)


def unit_vectors(components: np.ndarray, dim: int) -> torch.Tensor:
    """The first ``dim`` columns of ``components`` (zero-padded if fewer) as float32 rows of unit length.

    >>> unit_vectors(np.array([[3.0, 4.0, 1.0]]), 2).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    k = min(dim, components.shape[1])
    vectors = np.zeros((len(components), dim), dtype=np.float32)
    vectors[:, :k] = components[:, :k]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    return torch.from_numpy(vectors)
