"""Chapter 4's news pipeline, once its notebooks taught it: numericalised datasets, vocabulary, batching, and
the LSTM classifier.

Each piece names the lesson that teaches it (``Taught in: ...``); ``tests/course/test_lessons.py`` checks that it
behaves like the notebook's code. The tokeniser is :func:`helpers.text.basic_english`.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import Dataset, Sampler

from . import data
from .config import Course
from .data.formats import read_news_csv
from .text import basic_english

__all__ = ["PAD_ID", "SPECIALS", "UNK_ID", "BucketBatchSampler", "EncodedTexts", "LSTMClassifier", "NewsData",
           "collate_batch", "news_data"]

#: The special tokens of chapter 4's vocabularies, in id order (legacy torchtext's order): ``<unk>`` 0, ``<pad>`` 1.
SPECIALS = ("<unk>", "<pad>")
UNK_ID, PAD_ID = 0, 1


class EncodedTexts(Dataset):
    """Numericalised texts and their labels: item ``i`` is ``(ids, label)``, an int64 tensor and a 0-d int64 tensor.

    ``lengths[i]`` is the number of ids of text ``i`` (what a bucketing sampler sorts by).

    Taught in: ch04_rnn_nlp/02_dataset_and_iterators.ipynb, 4.3 (``NewsDataset`` there).
    """

    def __init__(self, ids: list[torch.Tensor], labels: Iterable[int]) -> None:
        self.ids = list(ids)
        self.labels = torch.as_tensor(list(labels), dtype=torch.long)
        if len(self.ids) != len(self.labels):
            raise ValueError(f"EncodedTexts: {len(self.ids)} texts but {len(self.labels)} labels")
        self.lengths = [len(x) for x in self.ids]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.ids[index], self.labels[index]


@dataclass
class NewsData:
    """The news splits, numericalised with the vocabulary of the training split (made by :func:`news_data`)."""

    train: EncodedTexts
    valid: EncodedTexts
    test: EncodedTexts
    itos: list[str]
    stoi: dict[str, int]
    classes: list[str]
    standin: bool
    max_length: int | None = None
    unk_id: int = UNK_ID
    pad_id: int = PAD_ID

    def encode(self, text: str) -> torch.Tensor:
        """``text`` tokenised with :func:`basic_english` and numericalised (unknown words: ``<unk>``), as int64 ids."""
        ids = [self.stoi.get(token, self.unk_id) for token in basic_english(text)]
        return torch.tensor(ids[:self.max_length], dtype=torch.long)


def news_data(course: Course, min_freq: int = 2, max_length: int | None = None) -> NewsData:
    """The news articles of :func:`helpers.data.news` (real or stand-in), ready for a ``DataLoader``.

    Each split is read from its CSV (label = index of the class column holding the 1), tokenised with
    :func:`basic_english` and numericalised. The vocabulary (``itos`` list, ``stoi`` dict) comes from the
    training split only: :data:`SPECIALS` first, then every word seen at least ``min_freq`` times, most
    frequent first (ties in order of first appearance, as ``Counter.most_common``); other words map to
    ``<unk>``. With ``max_length``, every text keeps only its first ``max_length`` ids. ``standin`` tells
    whether the stand-in replaced the real data.

    Taught in: ch04_rnn_nlp/02_dataset_and_iterators.ipynb, 4.3.
    """
    paths = data.news(course)
    splits = {name: read_news_csv(path) for name, path in paths.items()}
    tokens = {name: [basic_english(text) for text in texts] for name, (texts, _, _) in splits.items()}
    frequencies = Counter(token for text in tokens["train"] for token in text)
    itos = list(SPECIALS) + [w for w, n in frequencies.most_common() if n >= min_freq and w not in SPECIALS]
    stoi = {token: index for index, token in enumerate(itos)}

    def encoded(name: str) -> EncodedTexts:
        ids = [torch.tensor([stoi.get(t, UNK_ID) for t in text][:max_length], dtype=torch.long)
               for text in tokens[name]]
        return EncodedTexts(ids, splits[name][1])

    return NewsData(encoded("train"), encoded("valid"), encoded("test"), itos, stoi,
                    list(splits["train"][2]), paths.standin, max_length)


def collate_batch(batch: list[tuple[torch.Tensor, torch.Tensor]], pad_id: int = PAD_ID) -> tuple[torch.Tensor, torch.Tensor]:
    """``(texts, labels)`` of a list of ``(ids, label)`` items: ids padded on the right with ``pad_id``, batch first.

    ``texts`` is an int64 ``(batch, longest)`` tensor, ``labels`` an int64 ``(batch,)`` tensor. A model finds
    each text's length as the number of ids that are not ``pad_id``.

    Taught in: ch04_rnn_nlp/02_dataset_and_iterators.ipynb, 4.4 (``collate`` there, which also returns the lengths).
    """
    sequences = [ids for ids, _ in batch]
    labels = torch.stack([torch.as_tensor(label, dtype=torch.long) for _, label in batch])
    return pad_sequence(sequences, batch_first=True, padding_value=pad_id), labels


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of indices of texts with similar lengths, what legacy torchtext's ``BucketIterator`` made.

    With ``shuffle`` (training), every epoch: shuffle all indices, cut them into pools of ``batch_size *
    pool_batches``, sort each pool by length, cut the pools into batches and shuffle the order of the batches.
    Epoch ``e`` (counting from 0) uses a generator seeded with ``seed + e``, so runs repeat. Without
    ``shuffle``: the indices sorted by length (stable), cut into batches.

    Taught in: ch04_rnn_nlp/02_dataset_and_iterators.ipynb, 4.4 (``BucketSampler`` there).
    """

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool = True, pool_batches: int = 50,
                 seed: int = 0) -> None:
        if batch_size < 1 or pool_batches < 1:
            raise ValueError(f"BucketBatchSampler needs batch_size >= 1 and pool_batches >= 1, "
                             f"got {batch_size} and {pool_batches}")
        self.lengths, self.batch_size, self.shuffle = list(lengths), batch_size, shuffle
        self.pool_batches, self.seed, self.epoch = pool_batches, seed, 0

    def __iter__(self) -> Iterator[list[int]]:
        if not self.shuffle:
            ordered = sorted(range(len(self.lengths)), key=self.lengths.__getitem__)
            yield from (ordered[i:i + self.batch_size] for i in range(0, len(ordered), self.batch_size))
            return
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        self.epoch += 1
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        pool_size = self.batch_size * self.pool_batches
        batches = []
        for start in range(0, len(order), pool_size):
            pool = sorted(order[start:start + pool_size], key=self.lengths.__getitem__)
            batches += [pool[i:i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[position]

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)


class LSTMClassifier(nn.Module):
    """Embedding -> LSTM -> dropout on the last hidden state -> Linear: chapter 4's news classifier.

    ``forward(text)`` takes right-padded int64 ids ``(batch, length)`` and returns class scores
    ``(batch, output_dim)``. Each text's length is its number of ids that are not ``pad_id``; the embedded
    batch is packed (``enforce_sorted=False``) so the LSTM stops at each text's last real token.

    Taught in: ch04_rnn_nlp/04_lstm_classifier.ipynb, 4.6.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 100, hidden_dim: int = 256, output_dim: int = 4,
                 dropout: float = 0.5, pad_id: int = PAD_ID) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        lengths = (text != self.pad_id).sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(self.embedding(text), lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        return self.fc(self.dropout(hidden[-1]))
