"""helpers.data.dataset: a data set's entry writes its stand-in and draws new examples from fresh random streams."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import data
from helpers.data.dataset import DataSet
from helpers.data.registry import REGISTRY
from helpers.data.sets import chest_xray, news


@pytest.mark.parametrize("name", ["fashion_mnist", "mnist", "cifar10"])
def test_sample_draws_new_balanced_examples_like_the_files(smoke, name):
    images, labels = REGISTRY[name].sample(20, seed=3)
    train = getattr(data, name)(smoke)
    assert images.dtype == np.uint8 and images.shape[1:] == np.asarray(train.data).shape[1:]
    assert labels.dtype == np.uint8 and np.bincount(labels, minlength=10).tolist() == [2] * 10


def test_sample_of_texts_and_of_xrays():
    texts, labels = REGISTRY["news"].sample(8, seed=3)
    assert len(texts) == 8 and all(isinstance(t, str) for t in texts) and np.bincount(labels).tolist() == [2] * 4
    images, labels = REGISTRY["chest_xray"].sample(4, seed=3)
    assert images.shape == (4, chest_xray.PIXELS, chest_xray.PIXELS) and images.dtype == np.uint8
    assert labels.dtype == np.uint8 and sorted(labels.tolist()) == [0, 0, 1, 1]


def test_sample_streams_come_from_sample_entropy():
    """By default the data set's seed, then the caller's; an entry may keep the streams of earlier samples."""
    images, labels = REGISTRY["mnist"].sample(6, seed=3)
    again = REGISTRY["mnist"].sampler(6, np.random.default_rng((REGISTRY["mnist"].seed, 3)))
    assert np.array_equal(images, again[0]) and np.array_equal(labels, again[1])
    assert REGISTRY["news"].sample(5, seed=9)[0] == news.articles(5, np.random.default_rng(9))[0]
    xrays = REGISTRY["chest_xray"].sample(2, seed=9)[0]
    assert np.array_equal(xrays, chest_xray.sample(2, np.random.default_rng((chest_xray.SEED, 1_000_003, 9)))[0])


def test_sample_refuses_the_stream_of_the_files_and_negative_seeds():
    for name, seed in (("mnist", 0), ("news", REGISTRY["news"].seed)):
        with pytest.raises(ValueError, match="stream of the .* stand-in's own files"):
            REGISTRY[name].sample(5, seed)
    with pytest.raises(ValueError, match=">= 0"):
        REGISTRY["mnist"].sample(5, -1)


def test_sample_needs_a_sampler():
    with pytest.raises(ValueError, match="glove"):
        REGISTRY["glove"].sample(5, 1)


def test_write_standin_depends_only_on_the_profile(tmp_path):
    a = REGISTRY["news"].write_standin(tmp_path / "a", "smoke")
    b = REGISTRY["news"].write_standin(tmp_path / "b", "smoke")
    assert (a / "test.csv").read_bytes() == (b / "test.csv").read_bytes()
    entry: DataSet = dataclasses.replace(REGISTRY["news"], standin_folder="deep/er")
    assert entry.write_standin(tmp_path / "c", "smoke") == tmp_path / "c" / "deep" / "er"
