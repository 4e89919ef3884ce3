"""helpers.mnist: the MNIST preprocessing of chapter 6 (recipe 6.3)."""
import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from helpers.mnist import to_dataset


@pytest.mark.parametrize("shape", [(4, 28, 28), (4, 784)])
def test_to_dataset_shapes_dtypes_and_values(shape):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    images.flat[0], images.flat[1] = 0, 255
    labels = np.array([3, 0, 9, 1], dtype=np.uint8)
    ds = to_dataset(images, labels)
    assert isinstance(ds, TensorDataset) and len(ds) == 4
    x, y = ds.tensors
    assert x.shape == (4, 1, 28, 28) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and y.tolist() == [3, 0, 9, 1]
    assert x.view(-1)[0].item() == 0.0 and x.view(-1)[1].item() == 1.0
    torch.testing.assert_close(x, torch.tensor(images.reshape(4, 1, 28, 28), dtype=torch.float32) / 255)


def test_to_dataset_leaves_the_arrays_alone():
    images = np.full((2, 28, 28), 7, dtype=np.uint8)
    labels = np.array([1, 2], dtype=np.uint8)
    to_dataset(images, labels)
    assert images.dtype == np.uint8 and (images == 7).all() and labels.tolist() == [1, 2]
