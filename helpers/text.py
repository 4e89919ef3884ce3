"""Small text utilities for the NLP chapter: tokenising, reading news CSVs, word vectors.

They replace what the retired ``torchtext`` legacy API did where it is not the lesson.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def basic_english(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words and single punctuation marks.

    >>> basic_english("This is a test, for tokenizer!")
    ['this', 'is', 'a', 'test', ',', 'for', 'tokenizer', '!']
    """
    return _TOKEN.findall(text.lower())


def read_news_csv(path: str | Path) -> tuple[list[str], list[int], list[str]]:
    """Read a news CSV (``id, content`` and one 0/1 column per class) into (texts, labels, class names)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if "content" not in fields:
            raise ValueError(f"{path}: expected columns id, content, <one per class>; got {fields}")
        classes = [f for f in fields if f not in ("id", "content")]
        texts, labels = [], []
        for row in reader:
            hot = [int(row[c]) for c in classes]
            if sum(hot) != 1:
                raise ValueError(f"{path}: row id={row.get('id')} has {sum(hot)} class columns set (expected 1)")
            texts.append(row["content"])
            labels.append(hot.index(1))
    return texts, labels, classes


def cooccurrence_vectors(sentences: Iterable[list[str]], dim: int = 100, window: int = 4,
                         min_count: int = 2) -> tuple[list[str], torch.Tensor]:
    """Word vectors learnt from a corpus: positive PMI of co-occurrence counts, reduced by SVD.

    A fast, deterministic stand-in for GloVe (which factorises the same statistics). Returns
    the words, most frequent first, and a (len(words), dim) float tensor of unit-length rows.
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
    k = min(dim, len(words))
    vectors = np.zeros((len(words), dim), dtype=np.float32)
    vectors[:, :k] = u[:, :k] * np.sqrt(s[:k])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    return words, torch.from_numpy(vectors)


def read_glove(path: str | Path) -> tuple[list[str], torch.Tensor]:
    """Read a GloVe text file (``word v1 v2 ...`` per line) into (words, (N, dim) float tensor)."""
    words, rows = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip().split(" ")
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    return words, torch.from_numpy(np.stack(rows))


def write_glove(path: str | Path, words: list[str], vectors: torch.Tensor) -> Path:
    """Write word vectors in GloVe's text format (``word v1 v2 ...``, one word per line)."""
    with open(path, "w", encoding="utf-8") as handle:
        for word, row in zip(words, vectors.tolist()):
            handle.write(word + " " + " ".join(f"{v:.5f}" for v in row) + "\n")
    return Path(path)
