"""Plotting boilerplate: image grids, curves, confusion matrices (matplotlib)."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch


def _to_hwc(image: torch.Tensor, mean: Sequence[float] | None, std: Sequence[float] | None) -> torch.Tensor:
    img = image.detach().cpu().float()
    if img.dim() == 2:
        img = img.unsqueeze(0)
    if mean is not None and std is not None:  # undo Normalize(mean, std)
        m = torch.tensor(mean, dtype=img.dtype).view(-1, 1, 1)
        s = torch.tensor(std, dtype=img.dtype).view(-1, 1, 1)
        img = img * s + m
    return img.clamp(0, 1).permute(1, 2, 0)


def show_images(images: torch.Tensor | Sequence[torch.Tensor], labels: Sequence[int | str] | None = None,
                class_names: Sequence[str] | None = None, ncols: int = 8, mean: Sequence[float] | None = None,
                std: Sequence[float] | None = None, title: str | None = None, size: float = 1.5,
                colors: Sequence[str] | None = None):
    """Plot a grid of CHW (or HW) images with optional captions; returns the figure.

    ``mean``/``std`` undo a ``Normalize`` so images display in their natural colours.
    Integer labels are mapped through ``class_names`` when given; ``colors`` colours each caption
    (e.g. ``"green"``/``"red"`` for right and wrong predictions).
    """
    images = list(images)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=(size * ncols, (size + 0.35) * nrows + (0.4 if title else 0)))
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes.flat, images)):
        hwc = _to_hwc(img, mean, std)
        ax.imshow((hwc.squeeze(-1) if hwc.shape[-1] == 1 else hwc).numpy(), cmap="gray" if hwc.shape[-1] == 1 else None)
        if labels is not None:
            lab = labels[i]
            lab = lab.item() if isinstance(lab, torch.Tensor) else lab
            ax.set_title(class_names[lab] if class_names is not None and isinstance(lab, int) else str(lab),
                         fontsize=8, **({"color": colors[i]} if colors is not None else {}))
    if title:
        fig.suptitle(title)
    plt.show()
    return fig


def plot_curves(curves: Mapping[str, Sequence[float]], xlabel: str = "epoch", ylabel: str = "loss",
                title: str | None = None, logy: bool = False, start: int = 1):
    """Plot named series against a shared x axis (``start``, ``start``+1, ...); returns the figure."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in curves.items():
        values = [float(v) for v in values]
        ax.plot(list(range(start, start + len(values))), values, marker="o" if len(values) < 30 else None,
                label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    plt.show()
    return fig


def confusion_matrix(targets: torch.Tensor, predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts ``cm[true, predicted]`` as an int64 tensor of shape (num_classes, num_classes)."""
    t = targets.detach().cpu().long().view(-1)
    p = predictions.detach().cpu().long().view(-1)
    return torch.bincount(t * num_classes + p, minlength=num_classes ** 2).view(num_classes, num_classes)


def plot_confusion_matrix(cm: torch.Tensor, class_names: Sequence[str], title: str = "Confusion matrix"):
    """Show a confusion matrix (rows: true class, columns: predicted class) with counts."""
    cm = torch.as_tensor(cm).cpu()
    k = len(class_names)
    fig, ax = plt.subplots(figsize=(0.55 * k + 2.5, 0.55 * k + 2))
    ax.imshow(cm.numpy(), cmap="Blues")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), class_names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = cm.max().item() or 1
    for i in range(k):
        for j in range(k):
            v = cm[i, j].item()
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > top / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    plt.show()
    return fig
