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
    series = {name: (list(range(start, start + len(values))), [float(v) for v in values])
              for name, values in curves.items()}
    return plot_series(series, xlabel=xlabel, ylabel=ylabel, title=title, logy=logy)


def plot_series(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str | None = None,
                title: str | None = None, logy: bool = False, vlines: Sequence[float] = ()):
    """Plot named ``(xs, ys)`` series on one axis, dashed vertical lines at ``vlines``; returns the figure."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, (xs, ys) in series.items():
        ax.plot(list(xs), list(ys), marker="o" if len(ys) < 30 else None, label=name)
    for x in vlines:
        ax.axvline(x, color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    if ylabel:
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


def draw_rnn(steps: int = 4, layers: int = 1, bidirectional: bool = False, cell: str = "LSTM",
             tokens: Sequence[str] | None = None, title: str | None = None):
    """Draw a recurrent network unrolled over ``steps`` time steps; returns the figure.

    Tokens at the bottom; one row of cells per layer and direction (the backward direction in orange,
    reading right to left); arrows for the state passed from step to step and for each layer's outputs
    feeding the layer above; the final hidden states labelled ``h_n[i]`` with PyTorch's index
    ``i = layer * directions + direction``.
    """
    from matplotlib.patches import FancyBboxPatch

    directions = 2 if bidirectional else 1
    rows = layers * directions
    tokens = list(tokens or [f"x{t + 1}" for t in range(steps)])[:steps]
    fig, ax = plt.subplots(figsize=(1.5 * steps + 3.2, 0.95 * rows + 1.7))
    fill, ink = ("#cfe2f3", "#fce5cd"), ("0.25", "#b45f06")

    def arrow(start, end, colour="0.25", bend=0.0):
        ax.annotate("", end, start, arrowprops=dict(arrowstyle="->", color=colour, lw=1.1,
                                                    connectionstyle=f"arc3,rad={bend}"))

    for t, token in enumerate(tokens):
        ax.text(2 * t, 0, token, ha="center", va="center", fontsize=10, style="italic")
    for row in range(rows):
        layer, d = divmod(row, directions)
        y = 1 + row
        for t in range(steps):
            ax.add_patch(FancyBboxPatch((2 * t - 0.55, y - 0.27), 1.1, 0.54, boxstyle="round,pad=0.02",
                                        fc=fill[d], ec=ink[d]))
            ax.text(2 * t, y, f"{cell} {'←' if d else '→'}" if bidirectional else cell,
                    ha="center", va="center", fontsize=9)
            below = 0.2 if layer == 0 else 1 + layer * directions - 1 + 0.29
            if d == 0:
                arrow((2 * t, below), (2 * t, y - 0.29))
            else:   # the backward cells read the same inputs: an arrow around the forward cell
                arrow((2 * t + 0.15, below), (2 * t + 0.5, y - 0.29), ink[1], bend=0.45)
            if t < steps - 1:
                start, end = (2 * t + 0.57, y), (2 * t + 1.43, y)
                arrow(*((start, end) if d == 0 else (end, start)), ink[d])
        side = 1 if d == 0 else -1
        edge = 2 * (steps - 1) + 0.57 if d == 0 else -0.57
        arrow((edge, y), (edge + side * 0.7, y), ink[d])
        ax.text(edge + side * 0.8, y, f"h_n[{row}]", ha="left" if d == 0 else "right", va="center",
                fontsize=9, color=ink[d], weight="bold" if layer == layers - 1 else "normal")
    ax.set_xlim(-2.4, 2 * steps + 0.4)
    ax.set_ylim(-0.4, rows + 0.6)
    ax.axis("off")
    ax.set_title(title or f"{cell}: {layers} layer{'s' if layers > 1 else ''}"
                 f"{', bidirectional' if bidirectional else ''}, unrolled over {steps} steps", fontsize=10)
    fig.tight_layout()
    plt.show()
    return fig
