"""helpers.transfer: the chapter 5 pieces behave exactly like the notebook code that teaches them, and the
data helpers (splits, run folders) work on the stand-in and on real files."""
from __future__ import annotations

import re
import types
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import Subset
from torchvision import transforms as T

from helpers import data, transfer
from helpers.config import Course
from helpers.models import load_standin, standin_resnet
from tests.helpers.data.realfiles import write_imagefolder_fixture

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "solutions" / "ch05_transfer_learning"


def lesson_cell(notebook: str, starts: str) -> str:
    """The source of the (only) code cell of a chapter 5 solution notebook that starts with ``starts``."""
    cells = [c.source for c in nbformat.read(CHAPTER / notebook, as_version=4).cells
             if c.cell_type == "code" and c.source.startswith(starts)]
    assert len(cells) == 1, f"{notebook}: expected one code cell starting with {starts!r}, found {len(cells)}"
    return cells[0]


def run_lesson(notebook: str, starts: str, **names) -> dict:
    """Execute one lesson cell in a namespace holding ``names`` (and torch, nn); return the namespace."""
    namespace = {"torch": torch, "nn": nn, **names}
    exec(compile(lesson_cell(notebook, starts), f"{notebook}:{starts}", "exec"), namespace)
    return namespace


def synthetic(tmp_path: Path | None = None, profile: str = "smoke") -> Course:
    data_dir = tmp_path if tmp_path is not None else ROOT / "build" / "test-data"
    return Course(profile=profile, device=torch.device("cpu"), data="synthetic", seed=0, data_dir=data_dir)


# ------------------------------------------------------------------------------------ 5.1 (notebook 01)
def test_concat_pool_is_the_lessons():
    lesson = run_lesson("01_pretrained_model.ipynb", "class AdaptiveConcatPool2d", device=torch.device("cpu"),
                        shapes={"layer4": (2, 8, 3, 3)})
    ours = transfer.AdaptiveConcatPool2d()
    for shape in [(2, 8, 3, 3), (1, 5, 9, 4), (3, 2, 1, 1)]:
        x = torch.randn(shape)
        assert torch.equal(ours(x), lesson["AdaptiveConcatPool2d"]()(x))
        assert ours(x).shape == (shape[0], 2 * shape[1], 1, 1)
    x = torch.randn(2, 3, 4, 4)
    assert torch.equal(ours(x)[:, :3], x.amax(dim=(2, 3), keepdim=True)), "max first, then average"
    assert not list(ours.parameters())


@pytest.mark.parametrize("features, classes", [(2048, 2), (512, 2), (16, 5)])
def test_source_head_is_the_lessons(features, classes):
    lesson = run_lesson("01_pretrained_model.ipynb", "def make_head", backbone=types.SimpleNamespace(
        fc=types.SimpleNamespace(in_features=features)))["make_head"](features, classes)
    ours = transfer.source_head(features, classes)
    assert [type(m) for m in ours] == [type(m) for m in lesson]
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in lesson.state_dict().items()}
    ours.load_state_dict(lesson.state_dict())
    x = torch.randn(4, 2 * features, 1, 1)
    assert torch.allclose(ours.eval()(x), lesson.eval()(x))
    assert ours(x).exp().sum(dim=1).allclose(torch.ones(4))


def test_adapt_resnet_is_the_lessons(monkeypatch):
    import helpers

    monkeypatch.setattr(helpers, "record", lambda *args: None)
    lesson_head = run_lesson("01_pretrained_model.ipynb", "def make_head", backbone=types.SimpleNamespace(
        fc=types.SimpleNamespace(in_features=512)))
    pool = run_lesson("01_pretrained_model.ipynb", "class AdaptiveConcatPool2d", device=torch.device("cpu"),
                      shapes={"layer4": (1, 4, 2, 2)})
    lesson = run_lesson("01_pretrained_model.ipynb", "def adapt_resnet", make_head=lesson_head["make_head"],
                        AdaptiveConcatPool2d=pool["AdaptiveConcatPool2d"])["adapt_resnet"](load_standin("resnet18"))
    ours = transfer.adapt_resnet(load_standin("resnet18"))
    trainable = lambda m: sorted(n for n, p in m.named_parameters() if p.requires_grad)  # noqa: E731
    assert trainable(ours) == trainable(lesson) and all(n.startswith("fc.") for n in trainable(ours))
    assert list(ours.state_dict()) == list(lesson.state_dict())
    ours.load_state_dict(lesson.state_dict())
    x = torch.randn(3, 3, 48, 48)
    assert torch.allclose(ours.eval()(x), lesson.eval()(x), atol=1e-6)


def test_adapt_resnet_keeps_the_pretrained_weights_and_works_for_resnet50():
    model = standin_resnet("resnet50")
    conv = model.conv1.weight.detach().clone()
    adapted = transfer.adapt_resnet(model, num_classes=3)
    assert adapted is model and torch.equal(adapted.conv1.weight, conv)
    assert adapted.fc[1].num_features == 4096 and adapted.fc[7].out_features == 3
    assert adapted.eval()(torch.randn(2, 3, 32, 32)).shape == (2, 3)


# ------------------------------------------------------------------------------------ 5.4 / 5.5 (notebook 02)
def test_transforms_are_the_lessons():
    lesson = run_lesson("02_data_and_tensorboard.ipynb", "MEAN, STD = ", T=T)
    train, evaluation = transfer.chest_xray_transforms(256)
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (310, 270), dtype=np.uint8)).convert("RGB")
    assert torch.equal(evaluation(image), lesson["eval_transform"](image))
    torch.manual_seed(5)
    ours = train(image)
    torch.manual_seed(5)
    assert torch.equal(ours, lesson["train_transform"](image))
    assert (lesson["MEAN"], lesson["STD"]) == (transfer.IMAGENET_MEAN, transfer.IMAGENET_STD)
    small_train, small_eval = transfer.chest_xray_transforms(64)
    assert small_train(image).shape == small_eval(image).shape == (3, 64, 64)
    assert [t.size for t in small_eval.transforms[:2]] == [75, (64, 64)], "300:256 kept"


def test_inverse_normalize_undoes_normalize():
    x = torch.rand(2, 3, 5, 5)
    normalized = T.Normalize(transfer.IMAGENET_MEAN, transfer.IMAGENET_STD)(x)
    assert torch.allclose(transfer.INV_NORMALIZE(normalized), x, atol=1e-6)
    lesson = run_lesson("02_data_and_tensorboard.ipynb", "inv_normalize = ", T=T, MEAN=transfer.IMAGENET_MEAN,
                        STD=transfer.IMAGENET_STD, images=normalized.repeat(8, 1, 1, 1), make_grid=lambda x, **k: x[0],
                        writer=types.SimpleNamespace(add_image=lambda *a: None),
                        plt=types.SimpleNamespace(figure=lambda **k: None, imshow=lambda *a: None,
                                                  title=lambda *a: None, axis=lambda *a: None, show=lambda: None))
    assert torch.allclose(lesson["inv_normalize"](normalized), transfer.INV_NORMALIZE(normalized))


def test_splits_are_the_lessons():
    course = synthetic()
    train_transform, eval_transform = transfer.chest_xray_transforms(256)
    targets = data.chest_xray(course, "train").targets
    lesson = run_lesson("02_data_and_tensorboard.ipynb", "indices = list(range(len(train_targets)))", data=data,
                        course=course, train_targets=targets, train_test_split=train_test_split, Subset=Subset,
                        SEED=0, train_transform=train_transform, eval_transform=eval_transform, Counter=Counter)
    train, valid, test = transfer.chest_xray_splits(course, 256, valid_fraction=0.2, seed=0)
    assert train.indices == lesson["train_part"].indices and valid.indices == lesson["valid_part"].indices
    assert len(test) == len(lesson["test_set"])
    counts = Counter(train.targets), Counter(valid.targets)
    assert counts[0][1] == 3 * counts[0][0] and counts[1][1] == 3 * counts[1][0], "stratified: 1:3 in both parts"
    assert train.classes == ["NORMAL", "PNEUMONIA"] and not set(train.indices) & set(valid.indices)


def test_splits_on_real_files_and_a_smaller_training_set(tmp_path):
    write_imagefolder_fixture(tmp_path / "chest_xray", per_class=10)
    course = Course(profile="smoke", device=torch.device("cpu"), data="real", seed=0, data_dir=tmp_path)
    train, valid, test = transfer.chest_xray_splits(course, 32, valid_fraction=0.2, seed=1)
    assert (len(train), len(valid), len(test)) == (16, 4, 20)
    assert Counter(valid.targets) == {0: 2, 1: 2}
    image, label = train[0]
    assert image.shape == (3, 32, 32) and label in (0, 1) and test[0][0].shape == (3, 32, 32)
    fewer, _, fewer_test = transfer.chest_xray_splits(course, 32, valid_fraction=0.25, seed=1, train_images=12,
                                                      test_images=8)
    assert len(fewer) == 9 and set(fewer.indices) <= set(range(20))
    assert len(fewer_test) == 8 and Counter(fewer_test.targets) == {0: 4, 1: 4} and fewer_test[0][0].shape == (3, 32, 32)
    _, _, all_test = transfer.chest_xray_splits(course, 32, test_images=500)
    assert len(all_test) == 20, "asking for more test images than there are keeps them all"


def test_run_dir_is_timestamped_and_unique(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_RUNS_DIR", str(tmp_path))
    first, second = transfer.run_dir("ch05_transfer_learning"), transfer.run_dir("ch05_transfer_learning")
    assert first.parent == second.parent == tmp_path / "ch05_transfer_learning" and first != second
    assert first.is_dir() and second.is_dir()
    lesson = run_lesson("02_data_and_tensorboard.ipynb", "def run_dir(", runs_folder=transfer.runs_folder,
                        datetime=__import__("datetime").datetime, SummaryWriter=lambda d: types.SimpleNamespace(log_dir=d))
    again = lesson["run_dir"]("ch05_transfer_learning")
    assert lesson["log_dir"].parent == again.parent == first.parent and len({first, second, lesson["log_dir"], again}) == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d", first.name), first.name
    for folder in (second, lesson["log_dir"], again):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?", folder.name), folder.name


def test_runs_folder_is_the_checkouts_ignored_runs_folder(monkeypatch):
    monkeypatch.delenv("COOKBOOK_RUNS_DIR", raising=False)
    assert transfer.runs_folder() == ROOT / "runs"
    assert "runs/" in (ROOT / ".gitignore").read_text().splitlines()


def test_stack_dataset():
    items = [(torch.full((1, 2, 2), float(i)), i % 2) for i in range(5)]
    x, y = transfer.stack_dataset(items)
    assert x.shape == (5, 1, 2, 2) and y.tolist() == [0, 1, 0, 1, 0] and y.dtype == torch.int64
