"""Deterministic subsets of a data set that keep its metadata: :func:`take` and :class:`Taken`."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, Subset


class Taken(Subset):
    """A :class:`~torch.utils.data.Subset` that keeps ``classes``, ``class_to_idx``, ``targets`` and ``data``."""

    def __init__(self, dataset: Dataset, indices: list[int]) -> None:
        super().__init__(dataset, indices)
        for attr in ("classes", "class_to_idx", "standin"):
            if hasattr(dataset, attr):
                setattr(self, attr, getattr(dataset, attr))
        targets = _targets(dataset)
        if targets is not None:
            self.targets = [int(targets[i]) for i in indices]
        data = getattr(dataset, "data", None)
        if isinstance(data, (np.ndarray, torch.Tensor)):
            self.data = data[indices]


def _targets(dataset: Dataset) -> np.ndarray | None:
    targets = getattr(dataset, "targets", None)
    if targets is None:
        return None
    return targets.numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)


def take(dataset: Dataset, n: int | None) -> Dataset:
    """A deterministic subset of ``n`` items spread evenly over ``dataset``.

    Where the data set has ``targets``, every class gets an equal share (as far as its size
    allows), picked evenly along the data set; otherwise every ``len/n``-th item. ``None`` or
    ``n >= len(dataset)`` returns ``dataset`` itself. The result keeps ``classes``/``targets``.
    """
    total = len(dataset)
    if n is None or n >= total:
        return dataset
    if n < 0:
        raise ValueError(f"take(): n must be >= 0 or None, got {n}")
    targets = _targets(dataset)
    if targets is None or len(targets) != total:
        return Taken(dataset, sorted({int(i) for i in np.linspace(0, total - 1, n).round()} if n else set()))
    groups = [np.flatnonzero(targets == c) for c in np.unique(targets)]
    quota = _share(n, [len(g) for g in groups])
    picked = [g[np.linspace(0, len(g) - 1, q).round().astype(int)] for g, q in zip(groups, quota) if q]
    return Taken(dataset, sorted(int(i) for i in np.concatenate(picked)) if picked else [])


def _share(n: int, sizes: list[int]) -> list[int]:
    """Split ``n`` into per-group counts as equal as possible without exceeding any group's size.

    >>> _share(10, [2, 8, 8])
    [2, 4, 4]
    """
    quota = [0] * len(sizes)
    left, open_groups = n, [i for i, s in enumerate(sizes) if s > 0]
    while left > 0 and open_groups:
        each, extra = divmod(left, len(open_groups))
        for rank, i in enumerate(open_groups):
            quota[i] += min(each + (rank < extra), sizes[i] - quota[i])
        left = n - sum(quota)
        open_groups = [i for i in open_groups if quota[i] < sizes[i]]
    return quota
