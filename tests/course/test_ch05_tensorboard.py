"""Chapter 5's TensorBoard logging, through the notebooks' own code: the `train` and `test` functions of
03_training_and_finetuning.ipynb (5.2, 5.3) and the writer cells of 02_data_and_tensorboard.ipynb (5.5) write
event files, and the scalars and images are read back from those files with TensorBoard's EventAccumulator."""
from __future__ import annotations

import copy
import io
import math
import os
import types
from datetime import datetime

import matplotlib
import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset
from torch.utils.tensorboard import SummaryWriter
from torchvision import transforms as T
from torchvision.utils import make_grid
from tqdm.auto import tqdm

from helpers.tensorboard import InlineWriter
from helpers.transfer import IMAGENET_MEAN, IMAGENET_STD, INV_NORMALIZE, LABEL
from tests.course import ROOT

matplotlib.use("agg")
CHAPTER = ROOT / "solutions" / "ch05_transfer_learning"


def cell(notebook: str, starts: str) -> str:
    sources = [c.source for c in nbformat.read(CHAPTER / notebook, as_version=4).cells
               if c.cell_type == "code" and c.source.startswith(starts)]
    assert len(sources) == 1, f"{notebook}: one code cell must start with {starts!r}, found {len(sources)}"
    return sources[0]


def run(notebook: str, starts: str, namespace: dict) -> dict:
    exec(compile(cell(notebook, starts), f"{notebook}: {starts}", "exec"), namespace)
    return namespace


def read(log_dir) -> EventAccumulator:
    return EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0}).Reload()


def png(event) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))


@pytest.fixture
def lesson():
    """The notebook's train and test functions, defined by executing their cells."""
    namespace = {"torch": torch, "nn": nn, "tqdm": tqdm, "LABEL": LABEL, "INV_NORMALIZE": INV_NORMALIZE}
    run("03_training_and_finetuning.ipynb", "def train(", namespace)
    run("03_training_and_finetuning.ipynb", "def test(", namespace)
    return namespace


def tiny_task(n: int = 22, seed: int = 0):
    """Normalised 3x8x8 'X-rays' whose label is the brightness of the left half, and a small classifier."""
    g = torch.Generator().manual_seed(seed)
    raw = torch.rand(n, 3, 8, 8, generator=g)
    labels = (raw[:, :, :, :4].mean(dim=(1, 2, 3)) > raw[:, :, :, 4:].mean(dim=(1, 2, 3))).long()
    images = T.Normalize(IMAGENET_MEAN, IMAGENET_STD)(raw)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(192, 16), nn.ReLU(), nn.Linear(16, 2), nn.LogSoftmax(dim=1))
    return TensorDataset(images, labels), raw, model


def test_train_logs_every_batch_at_its_global_step(lesson, tmp_path):
    dataset, _, model = tiny_task()
    reference = copy.deepcopy(model)
    loader = DataLoader(dataset, batch_size=8)                               # batches of 8, 8, 6
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with SummaryWriter(tmp_path) as writer:
        means = [lesson["train"](model, "cpu", loader, nn.NLLLoss(), optimizer, epoch, writer) for epoch in (1, 2)]
    points = read(tmp_path).Scalars("Train Loss")
    assert [p.step for p in points] == list(range(6)), "epochs 1 and 2, three batches each: global steps 0..5"
    expected, reference_optimizer = [], torch.optim.Adam(reference.parameters(), lr=0.01)
    for _ in range(2):
        for images, labels in loader:
            reference_optimizer.zero_grad()
            loss = nn.NLLLoss()(reference(images), labels)
            loss.backward()
            reference_optimizer.step()
            expected.append(loss.item())
    assert np.allclose([p.value for p in points], expected, rtol=1e-5), "the logged values are the batch losses"
    assert math.isclose(means[1], (8 * expected[3] + 8 * expected[4] + 6 * expected[5]) / 22, rel_tol=1e-5)
    assert model.training and torch.allclose(model[1].weight, reference[1].weight)


def test_test_logs_loss_accuracy_and_the_misclassified_images(lesson, tmp_path):
    dataset, raw, model = tiny_task(n=20, seed=1)
    loader = DataLoader(dataset, batch_size=7)
    with InlineWriter(tmp_path) as writer:
        loss, accuracy = lesson["test"](model, "cpu", loader, nn.NLLLoss(), 4, writer, max_images=5)
    with torch.no_grad():
        log_probs = model(dataset.tensors[0])
    predicted, labels = log_probs.argmax(dim=1), dataset.tensors[1]
    assert math.isclose(loss, nn.NLLLoss()(log_probs, labels).item(), rel_tol=1e-5)
    assert math.isclose(accuracy, (predicted == labels).sum().item() / len(labels))
    events = read(tmp_path)
    assert [(e.step, round(e.value, 5)) for e in events.Scalars("Test Loss")] == [(4, round(loss, 5))]
    assert [(e.step, round(e.value, 5)) for e in events.Scalars("Accuracy")] == [(4, round(accuracy, 5))]
    wrong = (predicted != labels).nonzero().flatten().tolist()
    assert len(wrong) >= 5, "the untrained model gets several images wrong"
    tags = events.Tags()["images"]
    assert len(tags) == 5, "at most max_images images"
    for k, index in enumerate(wrong[:5]):
        tag = f"misclassified/{k}: predicted {LABEL[predicted[index].item()]}, actual {LABEL[labels[index].item()]}"
        assert tag in tags, (tag, tags)
        [event] = events.Images(tag)
        assert event.step == 4 and (event.width, event.height) == (8, 8)
        expected = (raw[index].permute(1, 2, 0).numpy() * 255).round()
        assert np.abs(png(event)[..., :3].astype(float) - expected).max() <= 1, "logged un-normalised (std 0.225)"


def test_the_writer_cells_of_notebook_02_write_a_grid_and_a_curve(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_RUNS_DIR", str(tmp_path))
    from helpers.transfer import runs_folder

    g = torch.Generator().manual_seed(2)
    raw = torch.rand(16, 3, 20, 20, generator=g)
    plt = types.SimpleNamespace(figure=lambda **k: None, imshow=lambda *a: None, title=lambda *a: None,
                                axis=lambda *a: None, show=lambda: None, plot=lambda *a, **k: None,
                                axhline=lambda *a, **k: None, xlabel=lambda *a: None, ylabel=lambda *a: None,
                                legend=lambda: None)
    namespace = {"torch": torch, "runs_folder": runs_folder, "datetime": datetime, "SummaryWriter": SummaryWriter,
                 "T": T, "make_grid": make_grid, "plt": plt, "MEAN": IMAGENET_MEAN, "STD": IMAGENET_STD,
                 "images": T.Normalize(IMAGENET_MEAN, IMAGENET_STD)(raw), "BatchSampler": BatchSampler,
                 "RandomSampler": RandomSampler, "SEED": 0, "batch_size": 4, "train_targets": [0, 1, 1, 1] * 5,
                 "train_part": types.SimpleNamespace(indices=list(range(20)))}
    for starts in ("def run_dir(", "inv_normalize = ", "part_targets = "):
        run("02_data_and_tensorboard.ipynb", starts, namespace)
    namespace["writer"].close()
    log_dir = namespace["log_dir"]
    assert log_dir.parent == tmp_path / "ch05_transfer_learning" and list(log_dir.glob("events.out.tfevents.*"))
    events = read(log_dir)
    [grid] = events.Images("chest X-rays/a training batch")
    assert (grid.width, grid.height) == (2 + 8 * 22, 2 + 2 * 22), "8 images per row, padding 2"
    first = png(grid)[2:22, 2:22, :3].astype(float)
    assert np.abs(first - (raw[0].permute(1, 2, 0).numpy() * 255).round()).max() <= 1
    shares = [(e.step, e.value) for e in events.Scalars("data/pneumonia share per batch")]
    assert [s for s, _ in shares] == list(range(5)) and all(0 <= v <= 1 for _, v in shares)
    assert math.isclose(sum(v for _, v in shares) / 5, 0.75), "equal batches of 4: their mean share is the overall 75%"
    assert os.path.commonpath([log_dir, tmp_path]) == str(tmp_path)
