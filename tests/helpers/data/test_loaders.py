"""helpers.data.loaders: real-format files through the real code paths, data policies, bad directories."""
from __future__ import annotations

import dataclasses
import gzip
import struct
import tarfile

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from helpers import data
from helpers.data import download, formats, policy
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import (course, mirrored, write_cifar_fixture, write_idx_fixture,
                                          write_imagefolder_fixture)

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# --------------------------------------------------------------------------- real files through the loaders
def test_fashion_mnist_real_idx_files(tmp_path):
    arrays = write_idx_fixture(tmp_path / "FashionMNIST" / "raw")
    train = data.fashion_mnist(course(tmp_path), train=True)
    test = data.fashion_mnist(course(tmp_path), train=False, transform=torchvision.transforms.ToTensor())
    assert isinstance(train, torchvision.datasets.FashionMNIST) and train.standin is False
    assert train.classes == FASHION and len(train) == 30 and len(test) == 10
    image, label = train[3]
    assert isinstance(image, Image.Image) and image.size == (28, 28) and label == 3
    np.testing.assert_array_equal(train.data.numpy(), arrays["train_images"])
    assert test[0][0].shape == (1, 28, 28)


def test_mnist_idx_files_from_real_files(tmp_path):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    c = course(tmp_path)
    files = data.mnist_idx_files(c)
    assert set(files) == {"train_images", "train_labels", "test_images", "test_labels"} and files.standin is False
    assert files["train_images"] == tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    assert (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file(), "decompressed for torchvision"
    assert data.mnist(c).classes[0] == "0 - zero"


def test_standin_idx_files_use_the_real_header_format(tmp_path):
    files = data.mnist_idx_files(course(tmp_path, "synthetic"))
    with gzip.open(files["train_images"]) as handle:
        magic, n, rows, cols = struct.unpack(">IIII", handle.read(16))
    with gzip.open(files["test_labels"]) as handle:
        magic_labels, n_labels = struct.unpack(">II", handle.read(8))
    assert (magic, n, rows, cols) == (2051, 2000, 28, 28) and (magic_labels, n_labels) == (2049, 500)
    assert files["train_images"].parent == tmp_path / "standin" / "mnist" / "smoke" / "MNIST" / "raw"
    assert files.standin is True


def test_cifar10_real_pickle_batches(tmp_path):
    x_train, y_train = write_cifar_fixture(tmp_path / "cifar-10-batches-py")
    train = data.cifar10(course(tmp_path), train=True)
    assert isinstance(train, torchvision.datasets.CIFAR10) and train.standin is False
    assert train.classes == list(REGISTRY["cifar10"].classes) and train.targets == y_train
    np.testing.assert_array_equal(train.data, x_train)
    image, label = train[5]
    assert image.mode == "RGB" and image.size == (32, 32) and label == 5
    assert len(data.cifar10(course(tmp_path), train=False)) == 10


def test_cifar10_download_unpacks_a_verified_archive(tmp_path, monkeypatch):
    write_cifar_fixture(tmp_path / "build" / "cifar-10-batches-py")
    archive = tmp_path / "mirror" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "build" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setitem(REGISTRY, "cifar10", dataclasses.replace(REGISTRY["cifar10"], resources=(mirrored(archive),)))
    data_dir = tmp_path / "data"
    ds = data.cifar10(course(data_dir, "auto"))
    assert ds.standin is False and len(ds) == 20
    assert sorted(p.name for p in data_dir.iterdir()) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]


def test_news_real_csv(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    rows = [{"id": i, "content": f"article number {i}, about {c}", **{k: int(k == c) for k in data.NEWS_CLASSES}}
            for i, c in enumerate(data.NEWS_CLASSES * 2)]
    for split in ("train", "valid", "test"):
        formats.write_news_csv(folder / f"{split}.csv", rows, data.NEWS_CLASSES)
    paths = data.news(course(tmp_path))
    assert paths == {s: folder / f"{s}.csv" for s in ("train", "valid", "test")} and paths.standin is False
    texts, labels, classes = formats.read_news_csv(paths["train"])
    assert classes == ["Business", "SciTech", "Sports", "World"] and labels == [0, 1, 2, 3] * 2
    assert texts[0] == "article number 0, about Business"


def test_news_download_converts_ag_news(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    raw = {"train": "".join(f'"{1 + i % 4}","Title {i}","Text\\\\with break {i}"\n' for i in range(40)),
           "test": '"3","Stocks rise","Markets up"\n"2","Team wins","Final score"\n'}
    resources = []
    for split, content in raw.items():
        (mirror / f"ag_news_{split}.csv").write_text(content)
        resources.append(mirrored(mirror / f"ag_news_{split}.csv"))
    monkeypatch.setitem(REGISTRY, "news", dataclasses.replace(REGISTRY["news"], resources=tuple(resources)))
    paths = data.news(course(tmp_path / "data"))
    train, valid, test = (formats.read_news_csv(paths[s]) for s in ("train", "valid", "test"))
    assert len(train[0]) == 38 and len(valid[0]) == 2 and test[0] == ["Stocks rise Markets up", "Team wins Final score"]
    assert test[1] == [0, 2]  # Business, Sports in the course's column order
    assert train[0][0] == "Title 0 Text with break 0"
    assert valid[0] == ["Title 19 Text with break 19", "Title 39 Text with break 39"], "every 20th article"


def test_chest_xray_real_imagefolder(tmp_path):
    write_imagefolder_fixture(tmp_path / "chest_xray")
    ds = data.chest_xray(course(tmp_path), "val", transform=torchvision.transforms.ToTensor())
    assert isinstance(ds, torchvision.datasets.ImageFolder) and ds.classes == ["NORMAL", "PNEUMONIA"]
    assert ds.standin is False and len(ds) == 6 and ds[0][0].shape == (3, 40, 50)
    with pytest.raises(ValueError, match="split"):
        data.chest_xray(course(tmp_path), "validation")


def test_glove_real_text_file(tmp_path):
    (tmp_path / "glove").mkdir()
    (tmp_path / "glove" / "glove.6B.50d.txt").write_text("the " + " ".join(["0.5"] * 50) + "\n"
                                                        "king " + " ".join(["-1"] * 50) + "\n")
    words, vectors = data.glove(course(tmp_path), dim=50)
    assert words == ["the", "king"] and vectors.shape == (2, 50) and vectors.dtype == torch.float32
    with pytest.raises(ValueError, match="50, 100, 200, 300"):
        data.glove(course(tmp_path), dim=64)


# --------------------------------------------------------------------------- policies
def test_real_policy_fails_with_instructions(tmp_path, offline):
    with pytest.raises(data.DataUnavailable) as info:
        data.fashion_mnist(course(tmp_path, "real"))
    message = str(info.value)
    assert "cookbook data download fashion_mnist" in message and "fashion-mnist.s3" in message
    with pytest.raises(data.DataUnavailable, match="kaggle"):
        data.chest_xray(course(tmp_path, "real"), "train")
    with pytest.raises(data.DataUnavailable, match="glove.6B.zip"):
        data.glove(course(tmp_path, "real"))


def test_real_policy_does_not_retry_a_failed_download(tmp_path, monkeypatch):
    calls = []

    def fail(resource, *args, **kwargs):
        calls.append(resource.filename)
        raise download.DownloadError("no network (test)")
    monkeypatch.setattr(download, "fetch", fail)
    for _ in range(2):
        with pytest.raises(data.DataUnavailable):
            data.mnist(course(tmp_path, "real"))
    assert calls == ["train-images-idx3-ubyte.gz"], "the second call must not try the network again"


def test_auto_offline_falls_back_with_one_banner(tmp_path, offline, capsys):
    c = course(tmp_path, "auto")
    train = data.fashion_mnist(c)
    test = data.fashion_mnist(c, train=False)
    out = capsys.readouterr().out
    assert train.standin and test.standin and train.classes == FASHION
    assert out.count("STAND-IN DATA for Fashion-MNIST") == 1
    assert "cookbook data download fashion_mnist" in out


def test_auto_does_not_download_glove_implicitly(tmp_path, no_network, capsys):
    words, _ = data.glove(course(tmp_path, "auto"), dim=50)
    assert "queen" in words and "STAND-IN DATA for GloVe" in capsys.readouterr().out


def test_synthetic_never_touches_the_network(tmp_path, no_network):
    c = course(tmp_path, "synthetic")
    assert data.mnist(c).standin and data.cifar10(c, train=False).standin
    assert data.news(c)["train"].is_file() and data.news(c).standin
    assert data.chest_xray(c, "val").standin


def test_auto_uses_real_files_when_present(tmp_path, no_network):
    write_idx_fixture(tmp_path / "FashionMNIST" / "raw")
    assert data.fashion_mnist(course(tmp_path, "auto")).standin is False
    assert data.real_present(course(tmp_path, "auto"), "fashion_mnist")
    assert not data.real_present(course(tmp_path, "auto"), "mnist")


def test_banner_is_an_html_box_in_a_notebook(monkeypatch, capsys):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    data.banner("cifar10", "testing")
    data.banner("cifar10", "testing again")
    assert len(shown) == 1 and "Stand-in data: CIFAR-10" in shown[0].data and "border:2px solid" in shown[0].data
    out = capsys.readouterr().out
    assert out.count("STAND-IN DATA for CIFAR-10 (testing)") == 1 and "testing again" not in out


# --------------------------------------------------------------------------- bad data directories
def test_data_dir_that_is_a_file(tmp_path):
    bad = tmp_path / "data"
    bad.write_text("not a folder")
    with pytest.raises(data.DataError, match="is a file, not a folder"):
        data.mnist(course(bad, "synthetic"))


def test_dataset_folder_that_is_a_file(tmp_path):
    (tmp_path / "FashionMNIST").mkdir()
    (tmp_path / "FashionMNIST" / "raw").write_text("oops")
    with pytest.raises(data.DataError, match="should be a folder"):
        data.fashion_mnist(course(tmp_path, "auto"))


def test_unreadable_folder(tmp_path, monkeypatch):
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    monkeypatch.setattr(policy.os, "access", lambda path, mode: False)
    with pytest.raises(data.DataError, match="not readable"):
        data.mnist(course(tmp_path, "auto"))


def test_unwritable_standin_folder(tmp_path, monkeypatch):
    def refuse(root, build, version, describe=None):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(policy, "cached", refuse)
    with pytest.raises(data.DataError, match="COOKBOOK_DATA_DIR to a writable folder"):
        data.news(course(tmp_path, "synthetic"))
