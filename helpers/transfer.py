"""Transfer learning on chest X-rays: the pieces chapter 5 teaches, packaged for its later notebooks.

Each function or class below that a notebook writes out names its lesson (``Taught in: ...``), and
``tests/course/test_lessons.py`` (with ``tests/helpers/test_transfer.py``) checks that it behaves like the
notebook's code: from ch05_transfer_learning/01_pretrained_model.ipynb, 5.1, :class:`AdaptiveConcatPool2d`,
:func:`source_head` (``make_head`` there) and :func:`adapt_resnet`; from
ch05_transfer_learning/02_data_and_tensorboard.ipynb, 5.4 and 5.5, :func:`chest_xray_transforms`,
:func:`chest_xray_splits` (the split the section does step by step) and :func:`run_dir`. The rest is plumbing
that no notebook teaches: :data:`INV_NORMALIZE` (the notebook's ``inv_normalize``), :func:`runs_folder`,
:func:`stack_dataset`. The chapter's challenge draws its fresh X-rays with :func:`helpers.data.heldout`.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, Subset
from torchvision import transforms as T

from . import data
from .config import Course

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "INV_NORMALIZE", "LABEL", "AdaptiveConcatPool2d", "adapt_resnet",
           "chest_xray_splits", "chest_xray_transforms", "run_dir", "runs_folder", "source_head",
           "stack_dataset"]

#: ImageNet's per-channel mean and standard deviation (what torchvision's pretrained weights expect).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Undoes ``Normalize(IMAGENET_MEAN, IMAGENET_STD)``: ``x * std + mean`` written as another ``Normalize``.
INV_NORMALIZE = T.Normalize(mean=[-m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)],
                            std=[1 / s for s in IMAGENET_STD])
#: The chest X-ray labels, as ``ImageFolder`` numbers the class folders.
LABEL = {0: "NORMAL", 1: "PNEUMONIA"}


class AdaptiveConcatPool2d(nn.Module):
    """Adaptive max pooling and adaptive average pooling to 1x1, concatenated: ``(N, C, H, W) -> (N, 2C, 1, 1)``.

    Taught in: ch05_transfer_learning/01_pretrained_model.ipynb, 5.1.
    """

    def __init__(self) -> None:
        super().__init__()
        self.max_pool = nn.AdaptiveMaxPool2d(1)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.max_pool(x), self.avg_pool(x)], dim=1)


def source_head(num_features: int, num_classes: int = 2) -> nn.Sequential:
    """The source's classifier head for a backbone with ``num_features`` channels (concat pooling doubles them).

    Taught in: ch05_transfer_learning/01_pretrained_model.ipynb, 5.1 (``make_head`` there).
    """
    pooled = 2 * num_features
    return nn.Sequential(
        nn.Flatten(),
        nn.BatchNorm1d(pooled), nn.Dropout(0.5), nn.Linear(pooled, 512), nn.ReLU(),
        nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, num_classes),
        nn.LogSoftmax(dim=1),
    )


def adapt_resnet(model: nn.Module, num_classes: int = 2) -> nn.Module:
    """Freeze a torchvision ResNet and give it concat pooling and the source's head (both trainable), in place.

    Taught in: ch05_transfer_learning/01_pretrained_model.ipynb, 5.1.
    """
    for param in model.parameters():
        param.requires_grad = False
    model.avgpool = AdaptiveConcatPool2d()
    model.fc = source_head(model.fc.in_features, num_classes)
    return model


def chest_xray_transforms(size: int = 256) -> tuple[T.Compose, T.Compose]:
    """``(train_transform, eval_transform)`` of the source, scaled to ``size`` (the source's 256 px crop).

    The source resizes to 300 px and crops 256 px; other sizes keep that 300:256 ratio.
    Taught in: ch05_transfer_learning/02_data_and_tensorboard.ipynb, 5.4.
    """
    resize = round(size * 300 / 256)
    train = T.Compose([
        T.RandomResizedCrop(resize, scale=(0.8, 1.0)),
        T.RandomRotation(10),
        T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4),
        T.RandomHorizontalFlip(),
        T.CenterCrop(size),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    evaluation = T.Compose([
        T.Resize(resize),
        T.CenterCrop(size),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    return train, evaluation


def chest_xray_splits(course: Course, size: int = 256, valid_fraction: float = 0.2, seed: int = 0,
                      train_images: int | None = None,
                      test_images: int | None = None) -> tuple[Dataset, Dataset, Dataset]:
    """``(train, valid, test)`` chest X-ray data sets: a stratified validation split taken from ``train/``.

    ``train`` has the training transform (augmentation), ``valid`` and ``test`` the evaluation
    transform. ``train_images`` / ``test_images`` first keep that many images of ``train/`` /
    ``test/`` (a stratified sample: classes in proportion; all of them when there are fewer).
    Taught in: ch05_transfer_learning/02_data_and_tensorboard.ipynb, 5.4.
    """
    from sklearn.model_selection import train_test_split

    train_transform, eval_transform = chest_xray_transforms(size)
    augmented = data.chest_xray(course, "train", train_transform)
    plain = data.chest_xray(course, "train", eval_transform)
    indices = np.arange(len(augmented))
    targets = np.asarray(augmented.targets)
    if train_images is not None and train_images < len(indices):
        indices, _ = train_test_split(indices, train_size=train_images, stratify=targets, random_state=seed)
    train_idx, valid_idx = train_test_split(indices, test_size=valid_fraction, stratify=targets[indices],
                                            random_state=seed)
    train, valid = Subset(augmented, sorted(train_idx.tolist())), Subset(plain, sorted(valid_idx.tolist()))
    for part in (train, valid):
        part.classes, part.targets = augmented.classes, [int(targets[i]) for i in part.indices]
    test = data.chest_xray(course, "test", eval_transform)
    if test_images is not None and test_images < len(test):
        kept, _ = train_test_split(np.arange(len(test)), train_size=test_images, stratify=test.targets,
                                   random_state=seed)
        test_targets = test.targets
        test = Subset(test, sorted(kept.tolist()))
        test.classes, test.targets = augmented.classes, [int(test_targets[i]) for i in test.indices]
    return train, valid, test


def runs_folder() -> Path:
    """The course's run folder for TensorBoard logs and checkpoints (created if needed).

    ``COOKBOOK_RUNS_DIR`` when set; else ``runs/`` at the top of the course checkout (git-ignored)
    when the notebooks run inside it; else ``runs/`` in the working folder.
    """
    from .config import _repo_root

    checkout = _repo_root()
    folder = Path(os.environ.get("COOKBOOK_RUNS_DIR") or (checkout / "runs" if checkout else Path.cwd() / "runs"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_dir(chapter: str) -> Path:
    """A new folder ``<runs folder>/<chapter>/<date_time>`` for one run's logs and checkpoints.

    Taught in: ch05_transfer_learning/02_data_and_tensorboard.ipynb, 5.5.
    """
    base = runs_folder() / chapter
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    folder, n = base / stamp, 1
    while folder.exists():  # two runs in the same second get their own folders
        n += 1
        folder = base / f"{stamp}_{n}"
    folder.mkdir(parents=True)
    return folder


def stack_dataset(dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """All ``(image, label)`` items of ``dataset`` as two tensors ``(N, C, H, W)`` and ``(N,)`` int64."""
    images, labels = zip(*(dataset[i] for i in range(len(dataset))))
    return torch.stack(images), torch.tensor(labels, dtype=torch.int64)
