"""MNIST arrays to tensors: the preprocessing taught in chapter 6, for the notebooks after it.

Chapter 6's first notebook (recipe 6.3) writes this pipeline out; the later notebooks of the chapter
import it from here so they can focus on the network.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import TensorDataset


def to_dataset(images: np.ndarray, labels: np.ndarray) -> TensorDataset:
    """MNIST-style ``uint8`` images ``(N, 28, 28)`` or ``(N, 784)`` and integer labels ``(N,)`` as a ``TensorDataset``.

    The images become ``float32`` tensors of shape ``(N, 1, 28, 28)`` with values ``pixel / 255`` in [0, 1],
    the labels ``int64`` class indices (what ``F.nll_loss`` and ``F.cross_entropy`` expect).

    Taught in: ch06_mnist_from_scratch/01_raw_files_to_tensors.ipynb, 6.3.
    """
    x = torch.from_numpy(images.reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))
