"""helpers.data.conversions: decompressed idx files and mnist.npz, derived once, next to the data or privately."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data.conversions import idx_files
from tests.helpers.data.realfiles import course, write_idx_fixture


def test_mnist_npz_from_real_files(tmp_path):
    arrays = write_idx_fixture(tmp_path / "MNIST" / "raw")
    path = data.mnist_npz(course(tmp_path))
    assert path == tmp_path / "MNIST" / "raw" / "mnist.npz" and path.standin is False
    npz = np.load(path)
    assert sorted(npz.files) == ["x_test", "x_train", "y_test", "y_train"]
    np.testing.assert_array_equal(npz["x_train"], arrays["train_images"])
    np.testing.assert_array_equal(npz["y_test"], arrays["test_labels"])
    assert npz["x_train"].dtype == np.uint8 and npz["y_train"].dtype == np.uint8


def test_mnist_npz_of_the_standin_says_so(tmp_path):
    path = data.mnist_npz(course(tmp_path, "synthetic"))
    assert path.standin is True and np.load(path)["x_train"].shape == (2000, 28, 28)
    assert data.mnist_npz(course(tmp_path, "synthetic")).standin is True, "also when it exists already"


def test_idx_files_decompress_only_real_files(tmp_path):
    write_idx_fixture(tmp_path / "FashionMNIST" / "raw")
    files = idx_files(course(tmp_path), "fashion_mnist")
    assert files.standin is False and all(path.with_suffix("").is_file() for path in files.values())


def test_mnist_npz_prefers_an_existing_file(tmp_path):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    keras = tmp_path / "MNIST" / "raw" / "mnist.npz"
    np.savez(keras, x_train=np.zeros((1, 28, 28), np.uint8))
    assert data.mnist_npz(course(tmp_path)) == keras
    assert np.load(keras)["x_train"].shape == (1, 28, 28), "left as it was"


def test_corrupt_real_gzip_gives_actionable_error(tmp_path):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(data.DataError, match="delete it and download it again"):
        data.mnist(course(tmp_path))
    assert not (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_derived_files_go_to_a_private_folder_when_the_data_is_read_only(tmp_path, monkeypatch):
    """A grading sandbox (or a class's shared data folder) mounts the data read-only: the .npz and the
    decompressed idx files are then written to a private temporary folder, never next to the data."""
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    c = course(tmp_path)
    raw = data.mnist_idx_files(c)["train_images"].parent
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: (False if Path(p) == raw and mode == os.W_OK
                                                           else real_access(p, mode, **kw)))
    (tmp_path / "private").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "private"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    npz = data.mnist_npz(c)
    assert npz.parent != raw and str(npz).startswith(str(tmp_path / "private"))
    assert not (raw / "mnist.npz").exists() and set(np.load(npz)) == {"x_train", "y_train", "x_test", "y_test"}
