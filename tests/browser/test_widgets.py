"""What notebooks display beyond text and images: tqdm progress bars as ipywidgets, and TensorBoard in an
iframe (offline)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.lab import PLUGIN_WARNING, Notebook, free_port, stop_tensorboards

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.filterwarnings(PLUGIN_WARNING)]

STDERR = "application/vnd.jupyter.stderr"


def test_tqdm_auto_renders_an_ipywidgets_progress_bar(lab_page, lab_server):
    path = "scratch/progress.ipynb"
    lab_server.put_notebook(path, ["from tqdm.auto import tqdm\n\nfor step in tqdm(range(40), desc='training'):\n    pass"])
    nb = Notebook.open(lab_page, lab_server, path)
    nb.run_all()
    (cell,) = nb.cells()
    text = " ".join(o["text"] for o in cell["outputs"])
    assert "IProgress not found" not in text
    assert not [o for o in cell["outputs"] if o["mime"] == STDERR], f"text progress bar or an error: {text}"
    bar = nb.cell(0).locator(".jupyter-widgets.widget-hprogress .progress-bar")
    expect(bar).to_have_count(1)
    expect(nb.cell(0).locator(".widget-html-content").first).to_have_text("training: 100%")
    assert "40/40" in text


def test_tensorboard_renders_inside_the_notebook(lab_page, lab_server, tmp_path):
    logdir, port = tmp_path / "runs", free_port()
    path = "scratch/tensorboard.ipynb"
    lab_server.put_notebook(path, [
        "from torch.utils.tensorboard import SummaryWriter\n\n"
        f"writer = SummaryWriter({str(logdir)!r})\n"
        "for step in range(5):\n    writer.add_scalar('cookbook/loss', 1.0 / (step + 1), step)\nwriter.close()",
        "%load_ext tensorboard",
        f"%tensorboard --logdir {logdir} --port {port}",
    ])
    try:
        nb = Notebook.open(lab_page, lab_server, path)
        nb.run_all()
        errors = [Notebook.error_text(c) for c in nb.cells() if Notebook.error_text(c)]
        assert not errors, errors
        iframe = nb.cell(2).locator("iframe")
        expect(iframe).to_be_visible()
        expect(iframe).to_have_attribute("src", f"http://127.0.0.1:{port}/")
        # TensorBoard's own page, inside the notebook, shows the logged scalar's tag.
        expect(nb.cell(2).frame_locator("iframe").get_by_text("cookbook/loss").first).to_be_visible(timeout=120_000)
    finally:
        stop_tensorboards(logdir)
