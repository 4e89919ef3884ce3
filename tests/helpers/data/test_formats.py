"""The real file formats: what the stand-ins and unpackers write is what torchvision and the loaders read."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch
import torchvision

from helpers.data import CIFAR10, formats
from tests.helpers.data.realfiles import write_cifar_fixture, write_idx_fixture


def test_idx_files_round_trip_through_torchvision(tmp_path):
    arrays = write_idx_fixture(tmp_path)
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz") as handle:
        assert struct.unpack(">IIII", handle.read(16)) == (2051, 30, 28, 28)
    formats.write_idx(tmp_path / "labels", arrays["test_labels"], compress=False)
    assert (tmp_path / "labels").read_bytes()[:8] == struct.pack(">II", 2049, 10)
    labels = torchvision.datasets.mnist.read_label_file(str(tmp_path / "labels"))
    assert labels.tolist() == arrays["test_labels"].tolist()


def test_idx_set_writes_compressed_and_plain_copies(tmp_path):
    arrays = {key: np.full((2, 28, 28) if "images" in key else (2,), i, np.uint8)
              for i, key in enumerate(formats.IDX_FILES)}
    formats.write_idx_set(tmp_path / "raw", arrays)
    for key, base in formats.IDX_FILES.items():
        assert gzip.decompress((tmp_path / "raw" / f"{base}.gz").read_bytes()) == (tmp_path / "raw" / base).read_bytes()
    images = torchvision.datasets.mnist.read_image_file(str(tmp_path / "raw" / "t10k-images-idx3-ubyte"))
    assert images.shape == (2, 28, 28) and int(images[0, 0, 0]) == 2


def test_cifar_batches_read_by_torchvision(tmp_path):
    x_train, y_train = write_cifar_fixture(tmp_path / "cifar-10-batches-py", n_train=23)
    ds = CIFAR10(tmp_path, train=True)
    assert len(ds) == 23 and ds.targets == y_train and ds.classes[0] == "airplane"
    np.testing.assert_array_equal(ds.data, x_train)


def test_news_csv_round_trip_and_format(tmp_path):
    classes = ["Business", "SciTech", "Sports", "World"]
    rows = [{"id": 0, "content": 'a "quoted", comma', "Business": 0, "SciTech": 0, "Sports": 1, "World": 0}]
    path = formats.write_news_csv(tmp_path / "x.csv", rows, classes)
    assert path.read_bytes() == b'id,content,Business,SciTech,Sports,World\r\n0,"a ""quoted"", comma",0,0,1,0\r\n'
    assert formats.read_news_csv(path) == (['a "quoted", comma'], [2], classes)
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"], "no temporary file left"


def test_news_csv_errors_name_the_problem(tmp_path):
    (tmp_path / "no_content.csv").write_text("id,text,A\n0,x,1\n")
    with pytest.raises(ValueError, match="expected columns id, content"):
        formats.read_news_csv(tmp_path / "no_content.csv")
    (tmp_path / "two.csv").write_text("id,content,A,B\n7,x,1,1\n")
    with pytest.raises(ValueError, match="id=7 has 2 class columns"):
        formats.read_news_csv(tmp_path / "two.csv")


def test_glove_text_round_trip(tmp_path):
    vectors = torch.tensor([[0.1, -0.25], [1.0, 0.333333]])
    path = formats.write_glove(tmp_path / "g.txt", ["the", "king"], vectors)
    assert path.read_text().splitlines() == ["the 0.10000 -0.25000", "king 1.00000 0.33333"]
    words, read = formats.read_glove(path)
    assert words == ["the", "king"] and read.dtype == torch.float32
    torch.testing.assert_close(read, vectors, atol=1e-5, rtol=0)


def test_image_folder_read_by_torchvision(tmp_path):
    images = np.stack([np.full((6, 8), v, np.uint8) for v in (10, 20, 30)])
    formats.write_image_folder(tmp_path / "train", images[:2], [0, 1], ["A", "B"])
    formats.write_image_folder(tmp_path / "train", images[2:], [1], ["A", "B"], start=2)
    assert sorted(p.name for p in (tmp_path / "train" / "B").iterdir()) == ["B-00001.png", "B-00002.png"]
    ds = torchvision.datasets.ImageFolder(tmp_path / "train")
    assert ds.classes == ["A", "B"] and ds.targets == [0, 1, 1]
    assert ds[2][0].size == (8, 6) and ds[2][0].getpixel((0, 0)) == (30, 30, 30)


def test_idx_resources_list_every_mirror_in_order():
    resources = formats.idx_resources(["https://a/", "https://b/"], [1, 2, 3, 4], ["w", "x", "y", "z"])
    assert [r.filename for r in resources] == [f"{b}.gz" for b in formats.IDX_FILES.values()]
    assert resources[0].urls == ("https://a/train-images-idx3-ubyte.gz", "https://b/train-images-idx3-ubyte.gz")
    assert (resources[2].size, resources[2].md5) == (3, "y")
