"""helpers.tensorboard: InlineWriter writes the usual event files and keeps the scalars for inline plots."""
from __future__ import annotations

import matplotlib
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from helpers.tensorboard import InlineWriter, plot_scalars

matplotlib.use("agg")


def test_inline_writer_keeps_scalars_and_writes_event_files(tmp_path):
    with InlineWriter(tmp_path) as writer:
        for step, value in [(0, 1.5), (4, torch.tensor(0.25)), (9, 2)]:
            writer.add_scalar("Train Loss", value, step)
        writer.add_scalar("Accuracy", 0.5)
        writer.add_scalar("Accuracy", 0.75)
        writer.add_image("grid", torch.rand(3, 8, 12), 0)
    assert writer.scalars == {"Train Loss": [(0, 1.5), (4, 0.25), (9, 2.0)], "Accuracy": [(0, 0.5), (1, 0.75)]}
    assert all(type(v) is float for _, v in writer.scalars["Train Loss"])
    events = EventAccumulator(str(tmp_path)).Reload()
    assert [(e.step, e.value) for e in events.Scalars("Train Loss")] == [(0, 1.5), (4, 0.25), (9, 2.0)]
    image = events.Images("grid")[0]
    assert (image.width, image.height) == (12, 8)


def test_plot_scalars_draws_each_tag_against_its_steps(tmp_path):
    with InlineWriter(tmp_path) as writer:
        for step in range(5):
            writer.add_scalar("a", step * 2.0, step + 10)
    fig = plot_scalars(writer, title="t", vlines=[12.5])
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [10, 11, 12, 13, 14] and list(line.get_ydata()) == [0, 2, 4, 6, 8]
    assert ax.get_title() == "t" and len(ax.get_lines()) == 2, "the curve and one dashed marker"
    fig = plot_scalars({"x": [(1, 0.5), (2, 0.25)], "y": [(1, 1.0)]}, ["y"], xlabel="epoch")
    assert [l.get_label() for l in fig.axes[0].get_lines()] == ["y"] and fig.axes[0].get_xlabel() == "epoch"
    with pytest.raises(KeyError, match="logged tags"):
        plot_scalars(writer, ["missing"])
