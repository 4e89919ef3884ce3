"""helpers.data.heldout: fresh, balanced, deterministic examples for outcome-graded challenges."""
from __future__ import annotations

import importlib
from collections import Counter

import numpy as np
import pytest
import torch
from torchvision import transforms as T

from helpers import data, transfer
from helpers.data import formats
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import (course, write_cifar_fixture, write_idx_fixture,
                                          write_imagefolder_fixture)

_balanced_indices = importlib.import_module("helpers.data.heldout")._balanced_indices  # the function hides the module

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
    for seed in (1, REGISTRY[name].seed):  # even the data set's own seed gives new images
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
    everything, labels = data.heldout(c, "mnist", 60, seed=0)
    assert len(everything) == 40 and torch.bincount(labels).tolist() == [4] * 10, "never more than the split holds"


def test_balanced_indices_need_enough_examples_of_each_class():
    labels = np.array([0, 0, 1, 1, 2, 2])
    index = _balanced_indices(labels, 3, 6, seed=1)
    assert sorted(index.tolist()) == list(range(6))
    assert sorted(labels[_balanced_indices(labels, 3, 3, seed=1)].tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="only 1 examples of class 2"):
        _balanced_indices(np.array([0, 0, 0, 0, 1, 1, 2]), 3, 6, seed=0)


def test_real_cifar_heldout_is_channels_first(tmp_path, no_network):
    write_cifar_fixture(tmp_path / "cifar-10-batches-py", n_test=30)
    x, y = data.heldout(course(tmp_path, "real"), "cifar10", 10, seed=0)
    test = data.cifar10(course(tmp_path, "real"), train=False)
    first = int(np.flatnonzero(np.all(test.data == (x[0].permute(1, 2, 0) * 255).round().byte().numpy(),
                                      axis=(1, 2, 3)))[0])
    assert test.targets[first] == int(y[0]) and sorted(y.tolist()) == list(range(10))


# --------------------------------------------------------------------------- chest X-rays
def test_standin_xrays_are_new_balanced_repeatable_and_transformed(tmp_path):
    c = course(tmp_path, "synthetic")
    _, evaluation = transfer.chest_xray_transforms(32)
    images, labels = data.heldout(c, "chest_xray", 20, seed=3, transform=evaluation)
    assert images.shape == (20, 3, 32, 32) and labels.dtype == torch.int64 and Counter(labels.tolist()) == {0: 10, 1: 10}
    assert not (tmp_path / "standin").exists(), "fresh X-rays need no stand-in files"
    again, _ = data.heldout(c, "chest_xray", 20, seed=3, transform=evaluation)
    other, _ = data.heldout(c, "chest_xray", 20, seed=4, transform=evaluation)
    assert torch.equal(images, again) and not torch.equal(images, other)
    files, _ = transfer.stack_dataset(data.chest_xray(c, "train", evaluation))
    nearest = torch.cdist(images.flatten(1), files.flatten(1)).min(dim=1).values
    assert (nearest > 1.0).all(), "held-out X-rays are not copies of the stand-in's files"
    plain, _ = data.heldout(c, "chest_xray", 2, seed=3)
    assert plain.shape == (2, 3, 256, 256) and 0 <= plain.min() and plain.max() <= 1, "ToTensor() by default"


def test_real_xrays_come_from_val_at_most_all_of_them(tmp_path, no_network):
    write_imagefolder_fixture(tmp_path / "chest_xray", per_class=4)
    c = course(tmp_path, "real")
    images, labels = data.heldout(c, "chest_xray", 200, seed=0, transform=T.ToTensor())
    assert images.shape == (8, 3, 40, 50) and Counter(labels.tolist()) == {0: 4, 1: 4}
    val = transfer.stack_dataset(data.chest_xray(c, "val", T.ToTensor()))[0]
    assert sorted(float(x.mean()) for x in images) == sorted(float(x.mean()) for x in val), "the val/ images"
    two, two_labels = data.heldout(c, "chest_xray", 2, seed=0, transform=T.ToTensor())
    assert len(two) == 2 and sorted(two_labels.tolist()) == [0, 1]


# --------------------------------------------------------------------------- news
def test_standin_articles_are_new_balanced_and_repeatable(smoke):
    texts, labels = data.heldout(smoke, "news", 40, seed=7)
    assert len(texts) == 40 and all(isinstance(t, str) and t for t in texts)
    assert labels.dtype == torch.int64 and torch.bincount(labels).tolist() == [10] * 4
    assert data.heldout(smoke, "news", 40, seed=7)[0] == texts and data.heldout(smoke, "news", 40, seed=8)[0] != texts
    in_files = {text for split in data.news(smoke).values() for text in formats.read_news_csv(split)[0]}
    assert not in_files & set(texts), "fresh articles are in none of the stand-in's files"
    with pytest.raises(ValueError, match="stream of the news stand-in's own files"):
        data.heldout(smoke, "news", 5, seed=REGISTRY["news"].seed)


def test_real_articles_are_a_balanced_seeded_subset_of_the_validation_split(tmp_path, no_network):
    folder = tmp_path / "news"
    folder.mkdir()
    for split, count in (("train", 4), ("valid", 12), ("test", 4)):
        rows = [{"id": i, "content": f"{split} {i}", **{k: int(k == data.NEWS_CLASSES[i % 4]) for k in data.NEWS_CLASSES}}
                for i in range(count)]
        formats.write_news_csv(folder / f"{split}.csv", rows, data.NEWS_CLASSES)
    c = course(tmp_path, "real")
    texts, labels = data.heldout(c, "news", 8, seed=2)
    assert len(set(texts)) == 8 and all(t.startswith("valid ") for t in texts)
    assert [int(t.split()[1]) % 4 for t in texts] == labels.tolist() and torch.bincount(labels).tolist() == [2] * 4
    again_texts, again_labels = data.heldout(c, "news", 8, seed=2)
    assert again_texts == texts and torch.equal(again_labels, labels)
    assert len(data.heldout(c, "news", 100, seed=2)[0]) == 12


# --------------------------------------------------------------------------- arguments
def test_heldout_rejects_other_data_sets_sizes_and_transforms_of_texts(tmp_path):
    with pytest.raises(ValueError, match="fashion_mnist, mnist, cifar10, chest_xray, news"):
        data.heldout(course(tmp_path, "synthetic"), "glove", 5, seed=0)
    with pytest.raises(ValueError, match=">= 1"):
        data.heldout(course(tmp_path, "synthetic"), "mnist", 0, seed=0)
    with pytest.raises(ValueError, match="texts"):
        data.heldout(course(tmp_path, "synthetic"), "news", 5, seed=0, transform=T.ToTensor())
    with pytest.raises(ValueError, match=">= 0"):
        data.heldout(course(tmp_path, "synthetic"), "mnist", 5, seed=-1)
