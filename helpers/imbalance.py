"""A rare-class problem and what a sampler does to it (chapter 7, 7.4 Samplers and class balance).

The section writes both functions out in its demo cells; its test cells import them from here, so that
the grading code is not something a student's notebook can redefine.
"""
from __future__ import annotations

from itertools import chain, islice, repeat

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

__all__ = ["recalls_after_training", "two_classes"]


def two_classes(dataset, common: int, rare: int, rare_share: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened images in [0, 1] and 0/1 labels (1 = ``rare``) of two classes of an MNIST-style data set.

    ``dataset`` has ``data`` (uint8 images, N x H x W) and ``targets``. With ``rare_share``, only the first
    ``max(1, int(rare_share * number of common images))`` rare images are kept. The common images come first.

    Taught in: ch07_data_pipelines/03_samplers_and_collation.ipynb, 7.4.
    """
    first = torch.nonzero(dataset.targets == common).flatten()
    second = torch.nonzero(dataset.targets == rare).flatten()
    if rare_share is not None:
        second = second[: max(1, int(rare_share * len(first)))]
    index = torch.cat([first, second])
    return dataset.data[index].flatten(1).float() / 255, (dataset.targets[index] == rare).long()


def recalls_after_training(sampler: Sampler | None, x: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor,
                           y_test: torch.Tensor, steps: int = 150, seed: int = 0) -> list[float]:
    """Train ``nn.Linear(x.shape[1], 2)`` (seeded with ``seed``) for exactly ``steps`` SGD steps (lr 0.1) on
    batches of 32 drawn by ``sampler`` (``None``: ``shuffle=True``); return the recall of class 0 and of class 1
    on ``(x_test, y_test)``. Their mean is the balanced accuracy.

    Taught in: ch07_data_pipelines/03_samplers_and_collation.ipynb, 7.4.
    """
    torch.manual_seed(seed)
    model = nn.Linear(x.shape[1], 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=sampler is None, sampler=sampler)
    for xb, yb in islice(chain.from_iterable(repeat(loader, steps)), steps):   # exactly `steps` batches
        optimizer.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    with torch.no_grad():
        predicted = model(x_test).argmax(dim=1)
    return [((predicted == c) & (y_test == c)).sum().item() / (y_test == c).sum().item() for c in (0, 1)]
