"""Headless execution (cookbook run): results, metrics, no error hidden by a raises-exception tag, and progress
bars that an executed copy shows finished."""
import nbformat

from cookbook import rules
from cookbook.execute import WIDGET_STATE, execute, finish_progress_bars
from cookbook.nbfiles import normalise
from tests.corpus.minicourse import CHAPTER, NOTEBOOK


def test_execute_reports_success_and_metrics(mini_course, tmp_path):
    src = mini_course() / "solutions" / CHAPTER / NOTEBOOK
    res = execute(src, tmp_path / "out.ipynb")
    assert res.ok, res.error
    assert res.metrics == {"answer": 42} and res.seconds > 0


def test_an_error_fails_the_run_even_in_a_tagged_cell(mini_course, tmp_path):
    """The raises-exception tag lets a student's Run All go on; it must never hide a broken solution."""
    src = mini_course(with_helpers=False) / "solutions" / CHAPTER / NOTEBOOK
    nb = nbformat.read(src, as_version=4)
    broken = nb.cells[3]
    assert rules.RAISES_TAG in broken.metadata["tags"]
    broken.source = "def double(x):\n    return 1 / 0\ndouble(1)"
    nbformat.write(nb, tmp_path / "broken.ipynb")
    res = execute(tmp_path / "broken.ipynb", tmp_path / "broken_out.ipynb")
    assert not res.ok and "ZeroDivisionError" in res.error and "cell 3 (ex_9_1a_code)" in res.error


PROGRESS_CELLS = [
    "from tqdm.auto import tqdm\nfor step in tqdm(range(5), desc='train'):\n    pass",
    "for step in tqdm(range(7), desc='hidden', leave=False):\n    pass\nprint('done')",
    "for step in tqdm(range(10), desc='stopped'):\n    if step == 4:\n        break",
    "import ipywidgets\nipywidgets.IntSlider(value=3)",
]


def _progress_notebook(path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in PROGRESS_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _texts(nb):
    return [[o.get("data", {}).get("text/plain") or o.get("text") for o in c.outputs] for c in nb.cells]


def _assert_finished(nb):
    texts = _texts(nb)
    assert texts[0][0].startswith("train: 100%|██████████| 5/5 ["), texts[0]
    assert texts[1] == ["done\n"], "a bar that hides itself when it closes (leave=False) leaves no output"
    assert texts[2][0].startswith("stopped:  40%|████      | 4/10 ["), texts[2]
    assert texts[3][0].startswith("IntSlider(value=3"), "other widgets keep their own text"


def test_executed_copy_shows_progress_bars_finished(tmp_path):
    """tqdm.auto draws an ipywidget: the output holds its first drawing (0%), the widget state its end."""
    res = execute(_progress_notebook(tmp_path / "bars.ipynb"), tmp_path / "bars_out.ipynb")
    assert res.ok, res.error
    nb = nbformat.read(tmp_path / "bars_out.ipynb", as_version=4)
    _assert_finished(nb)
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]  # what a widget-rendering viewer draws
    bars = [m["state"] for m in state.values() if m["model_name"] == "FloatProgressModel"]
    assert {(b["value"], b["max"]) for b in bars} >= {(5.0, 5.0), (4.0, 10.0)}
    assert finish_progress_bars(nb) == 0, "idempotent"
    stored = normalise(nb)  # `cookbook clean`: the repository's notebooks keep neither outputs nor widget state
    assert "widgets" not in stored.metadata and not any(c.get("outputs") for c in stored.cells)


def test_nbconvert_execution_with_the_preprocessor(tmp_path):
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    config = Config()
    config.ExecutePreprocessor.enabled = True
    config.NotebookExporter.preprocessors = ["cookbook.execute.FinishProgressBars"]
    body, _ = NotebookExporter(config=config).from_filename(
        str(_progress_notebook(tmp_path / "bars.ipynb")), resources={"metadata": {"path": str(tmp_path)}})
    _assert_finished(nbformat.reads(body, as_version=4))
