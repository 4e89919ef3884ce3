"""helpers.pipelines: the importable copy of the dataset taught in ch07 (7.3), usable by spawned workers."""
import io
import pickle

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms.v2.functional import pil_to_tensor

from helpers.pipelines import EncodedImages
from tests.course import ROOT

LESSON = ROOT / "solutions" / "ch07_data_pipelines" / "02_loader_performance.ipynb"


def _blobs(n=5, fmt="PNG", seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (6 + i, 9, 3), dtype=np.uint8) for i in range(n)]
    blobs = []
    for i, array in enumerate(arrays):
        buffer = io.BytesIO()
        Image.fromarray(array).convert("L" if i == 1 else "RGB").save(buffer, format=fmt)
        blobs.append(buffer.getvalue())
    return arrays, blobs


def _lesson_class():
    """The class the notebook writes out, executed from the notebook's own cell."""
    cell = next(c for c in nbformat.read(LESSON, as_version=4).cells
                if c.cell_type == "code" and c.source.startswith("class EncodedImages(Dataset):"))
    namespace = {"io": io, "Image": Image, "Dataset": Dataset}
    exec(cell.source, namespace)  # noqa: S102 - the lesson's code, from the repository
    return namespace["EncodedImages"]


def test_decodes_to_rgb_and_applies_the_transform():
    arrays, blobs = _blobs()
    ds = EncodedImages(blobs, [3, 1, 4, 1, 5], transform=pil_to_tensor)
    assert len(ds) == 5
    image, label = ds[0]
    assert label == 3 and type(label) is int
    assert torch.equal(image, torch.from_numpy(arrays[0]).permute(2, 0, 1))      # PNG is lossless
    grey, _ = ds[1]
    assert grey.shape == (3, 7, 9)                                               # greyscale file -> 3 channels
    plain, _ = EncodedImages(blobs, range(5))[2]
    assert isinstance(plain, Image.Image) and plain.mode == "RGB" and plain.size == (9, 8)


def test_labels_must_match_the_images():
    _, blobs = _blobs(3)
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        EncodedImages(blobs, [0, 1])


def test_behaves_like_the_notebook_lesson():
    lesson = _lesson_class()
    _, blobs = _blobs(6, fmt="JPEG", seed=1)
    labels = np.arange(6, dtype=np.int64) % 4
    ours, theirs = EncodedImages(blobs, labels, pil_to_tensor), lesson(blobs, labels, pil_to_tensor)
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert torch.equal(a, b) and ya == yb and type(ya) is type(yb)
    for cls in (EncodedImages, lesson):
        with pytest.raises(ValueError):
            cls(blobs, labels[:2])


def test_pickles_by_reference_to_an_importable_module():
    _, blobs = _blobs(2)
    assert b"helpers.pipelines" in pickle.dumps(EncodedImages)
    copy = pickle.loads(pickle.dumps(EncodedImages(blobs, [0, 1], pil_to_tensor)))
    assert torch.equal(copy[1][0], EncodedImages(blobs, [0, 1], pil_to_tensor)[1][0])


def test_spawned_workers_can_load_it():
    """What macOS and Windows do by default: the worker imports the class by name."""
    _, blobs = _blobs(4)
    ds = EncodedImages(blobs, [0, 1, 2, 3], transform=pil_to_tensor)
    in_process = [x for x, _ in DataLoader(ds, batch_size=None)]
    spawned = DataLoader(ds, batch_size=None, num_workers=1, multiprocessing_context="spawn", timeout=120)
    got = [x for x, _ in spawned]
    assert len(got) == 4 and all(torch.equal(a, b) for a, b in zip(got, in_process))
