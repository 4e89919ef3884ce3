"""helpers.data.heldout: fresh, balanced, deterministic examples for outcome-graded challenges."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import data
from tests.helpers.data.realfiles import course, write_cifar_fixture, write_idx_fixture

IMAGE_SETS = [("fashion_mnist", (1, 28, 28)), ("mnist", (1, 28, 28)), ("cifar10", (3, 32, 32))]


def as_tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """A torchvision-style data set's ``.data`` as (N, C, H, W) floats in [0, 1], and its labels."""
    x = torch.as_tensor(np.asarray(dataset.data)).float() / 255
    x = x.permute(0, 3, 1, 2) if x.dim() == 4 else x[:, None]
    return x, torch.as_tensor(np.asarray(dataset.targets)).long()


def nearest_centroid_accuracy(train: tuple[torch.Tensor, torch.Tensor],
                              test: tuple[torch.Tensor, torch.Tensor]) -> float:
    """Accuracy on ``test`` of the classifier that picks the class with the nearest mean training image."""
    (x, y), (xt, yt) = train, test
    centroids = torch.stack([x[y == c].flatten(1).mean(0) for c in range(10)])
    predicted = torch.cdist(xt.flatten(1), centroids).argmin(1)
    return (predicted == yt).float().mean().item()


@pytest.mark.parametrize("name, shape", IMAGE_SETS)
def test_standin_heldout_shapes_dtypes_and_balance(tmp_path, name, shape):
    x, y = data.heldout(course(tmp_path, "synthetic"), name, 25, seed=1)
    assert x.shape == (25, *shape) and x.dtype == torch.float32 and x.is_contiguous()
    assert y.shape == (25,) and y.dtype == torch.int64
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.9
    counts = torch.bincount(y, minlength=10)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 25
    assert not (tmp_path / "standin").exists(), "fresh samples need no stand-in files"


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_heldout_is_deterministic_per_seed(tmp_path, name):
    c = course(tmp_path, "synthetic")
    x1, y1 = data.heldout(c, name, 30, seed=5)
    x2, y2 = data.heldout(c, name, 30, seed=5)
    x3, y3 = data.heldout(c, name, 30, seed=6)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)


@pytest.mark.parametrize("name, _", IMAGE_SETS)
def test_standin_heldout_is_not_in_the_files_and_is_learnable(smoke, name, _):
    train, test = (as_tensors(getattr(data, name)(smoke, train=split)) for split in (True, False))
    for seed in (0, data.registry.REGISTRY[name].seed):  # even the data set's own seed gives new images
        x, y = data.heldout(smoke, name, 200, seed=seed)
        for files in (train, test):
            distances = torch.cdist(x.flatten(1), files[0].flatten(1)).min(1).values
            assert distances.min() > 0.5, f"a held-out {name} image is (nearly) in the stand-in files"
    on_heldout = nearest_centroid_accuracy(train, (x, y))
    on_test = nearest_centroid_accuracy(train, test)
    assert on_heldout > 0.25, f"nearest centroid on held-out {name}: {on_heldout:.3f} (chance 0.1)"
    assert abs(on_heldout - on_test) < 0.12, f"held-out {on_heldout:.3f} vs test {on_test:.3f}: same distribution"


def test_real_heldout_is_a_balanced_seeded_subset_of_the_test_split(tmp_path, no_network):
    arrays = write_idx_fixture(tmp_path / "MNIST" / "raw", n_test=40)
    c = course(tmp_path, "auto")
    x, y = data.heldout(c, "mnist", 20, seed=3)
    assert x.shape == (20, 1, 28, 28) and y.dtype == torch.int64
    assert torch.bincount(y, minlength=10).tolist() == [2] * 10
    test_images = torch.from_numpy(arrays["test_images"]).float() / 255
    for image, label in zip(x, y):
        match = [i for i in range(40) if torch.equal(test_images[i], image[0])]
        assert len(match) == 1 and arrays["test_labels"][match[0]] == label
    assert len({tuple(img.flatten()[:20].tolist()) for img in x}) == 20, "drawn without replacement"
    x2, y2 = data.heldout(c, "mnist", 20, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, data.heldout(c, "mnist", 20, seed=4)[0])
    with pytest.raises(ValueError, match="only 4 examples of class"):
        data.heldout(c, "mnist", 60, seed=0)


def test_real_cifar_heldout_is_channels_first(tmp_path, no_network):
    write_cifar_fixture(tmp_path / "cifar-10-batches-py", n_test=30)
    x, y = data.heldout(course(tmp_path, "real"), "cifar10", 10, seed=0)
    test = data.cifar10(course(tmp_path, "real"), train=False)
    first = int(np.flatnonzero(np.all(test.data == (x[0].permute(1, 2, 0) * 255).round().byte().numpy(),
                                      axis=(1, 2, 3)))[0])
    assert test.targets[first] == int(y[0]) and sorted(y.tolist()) == list(range(10))


def test_heldout_rejects_other_data_sets_and_negative_sizes(tmp_path):
    with pytest.raises(ValueError, match="fashion_mnist, mnist, cifar10"):
        data.heldout(course(tmp_path, "synthetic"), "news", 5, seed=0)
    with pytest.raises(ValueError, match=">= 0"):
        data.heldout(course(tmp_path, "synthetic"), "mnist", -1, seed=0)
