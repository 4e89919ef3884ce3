import matplotlib

matplotlib.use("agg")
import torch  # noqa: E402

from helpers import plots  # noqa: E402
from cookbook.nbfiles import recorded_metrics  # noqa: E402
from helpers.report import METRIC_MIME  # noqa: E402


def test_confusion_matrix_counts():
    cm = plots.confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 2, 1, 2]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_show_images_undoes_normalisation_and_labels():
    imgs = torch.zeros(3, 3, 8, 8)  # Normalize(0.5, 0.5) of 0.5 grey is 0
    fig = plots.show_images(imgs, labels=[0, 1, 2], class_names=["a", "b", "c"], mean=(0.5,) * 3, std=(0.5,) * 3)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert abs(axes[0].images[0].get_array().mean() - 0.5) < 1e-6
    fig = plots.show_images(imgs[:2], labels=["ok", "wrong"], colors=["green", "red"])
    assert [ax.title.get_color() for ax in fig.axes if ax.images] == ["green", "red"]


def test_plot_curves_and_confusion_plot():
    fig = plots.plot_curves({"train": [1.0, 0.5], "val": [1.2, 0.7]})
    assert len(fig.axes[0].lines) == 2
    fig = plots.plot_confusion_matrix(torch.eye(2, dtype=torch.long), ["x", "y"])
    assert fig.axes[0].get_xlabel() == "predicted"


def test_recorded_metrics_read_back():
    import nbformat

    out = nbformat.v4.new_output("display_data", data={METRIC_MIME: {"name": "acc", "value": 0.9},
                                                       "text/plain": "acc = 0.9"})
    cell = nbformat.v4.new_code_cell("", outputs=[out])
    assert recorded_metrics(nbformat.v4.new_notebook(cells=[cell])) == {"acc": 0.9}


def test_draw_rnn_labels_every_final_state():
    for layers, bidirectional in ((1, False), (2, False), (1, True), (2, True)):
        fig = plots.draw_rnn(steps=3, layers=layers, bidirectional=bidirectional, tokens=["a", "b", "c"])
        labels = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("h_n")]
        assert labels == [f"h_n[{i}]" for i in range(layers * (2 if bidirectional else 1))]
        matplotlib.pyplot.close(fig)
