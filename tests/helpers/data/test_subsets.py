"""helpers.data.subsets: take, a deterministic, class-balanced subset that keeps the data set's metadata."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import data
from tests.helpers.data.realfiles import course, write_idx_fixture

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_take_is_balanced_spread_and_keeps_metadata(tmp_path):
    write_idx_fixture(tmp_path / "FashionMNIST" / "raw", n_train=100)
    ds = data.fashion_mnist(course(tmp_path))
    subset = data.take(ds, 20)
    assert len(subset) == 20 and subset.classes == FASHION
    assert np.bincount(subset.targets, minlength=10).tolist() == [2] * 10
    assert subset.indices == data.take(ds, 20).indices, "deterministic"
    assert min(subset.indices) < 10 and max(subset.indices) > 90, "spread over the whole data set"
    assert subset.data.shape == (20, 28, 28) and subset[0][1] == subset.targets[0]
    assert data.take(ds, None) is ds and data.take(ds, 1000) is ds
    with pytest.raises(ValueError, match=">= 0"):
        data.take(ds, -1)


def test_take_without_targets():
    ds = torch.utils.data.TensorDataset(torch.arange(10))
    assert data.take(ds, 3).indices == [0, 4, 9]
    assert len(data.take(ds, 0)) == 0


def test_take_gives_small_classes_what_they_have():
    ds = torch.utils.data.TensorDataset(torch.arange(12))
    ds.targets = [0] * 9 + [1] * 2 + [2]
    subset = data.take(ds, 6)
    assert np.bincount(subset.targets).tolist() == [3, 2, 1], "the rest of the quota goes to the larger classes"
