"""TensorBoard plumbing: a ``SummaryWriter`` that also keeps its scalars, so every curve can be drawn inline.

TensorBoard needs a browser and a running server; a notebook run headless (CI, grading) has neither.
:class:`InlineWriter` writes the same event files as ``torch.utils.tensorboard.SummaryWriter`` and keeps
each ``add_scalar`` point in memory as well, and :func:`plot_scalars` draws them with matplotlib. The
writer calls themselves (``add_scalar``, ``add_image``, ``add_histogram``, ...) are the lesson of
ch05_transfer_learning/02_data_and_tensorboard.ipynb, 5.5; this module only adds the inline copy.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch.utils.tensorboard import SummaryWriter

from helpers.plots import plot_series

__all__ = ["InlineWriter", "plot_scalars"]

Points = list[tuple[int, float]]


class InlineWriter(SummaryWriter):
    """``SummaryWriter`` whose ``scalars`` attribute maps each tag to its logged ``(step, value)`` points.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder, InlineWriter(folder) as w:
    ...     w.add_scalar("loss", 0.5, 3)
    >>> w.scalars
    {'loss': [(3, 0.5)]}
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scalars: dict[str, Points] = {}

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None, walltime: float | None = None,
                   **kwargs) -> None:
        super().add_scalar(tag, scalar_value, global_step, walltime, **kwargs)
        points = self.scalars.setdefault(tag, [])
        value = scalar_value.item() if isinstance(scalar_value, torch.Tensor) else scalar_value
        points.append((len(points) if global_step is None else int(global_step), float(value)))


def plot_scalars(scalars: Mapping[str, Points] | InlineWriter, tags: Sequence[str] | None = None,
                 title: str | None = None, xlabel: str = "step", ylabel: str | None = None,
                 vlines: Sequence[float] = ()):
    """Plot logged curves (all tags, or ``tags``) against their steps, on one axis; returns the figure.

    ``scalars`` is an :class:`InlineWriter` or a mapping ``{tag: [(step, value), ...]}``; ``vlines``
    are x positions marked with dashed vertical lines (e.g. where a training stage starts).
    """
    if isinstance(scalars, InlineWriter):
        scalars = scalars.scalars
    tags = list(scalars) if tags is None else list(tags)
    missing = [t for t in tags if t not in scalars]
    if missing:
        raise KeyError(f"no scalars logged under {missing}; logged tags: {sorted(scalars)}")
    series = {tag: tuple(zip(*scalars[tag])) if scalars[tag] else ((), ()) for tag in tags}
    return plot_series(series, xlabel=xlabel, ylabel=ylabel, title=title, vlines=vlines)
