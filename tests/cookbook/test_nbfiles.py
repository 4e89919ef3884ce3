"""Notebook files: normalising, cleaning, reading errors, recorded metrics, error outputs."""
import json

import nbformat
import pytest

from helpers.report import METRIC_MIME
from cookbook.nbfiles import NotebookError, clean, error_outputs, read_notebook, recorded_metrics


def test_normalise_strips_outputs_and_volatile_metadata(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1", execution_count=3,
                                     outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "1"})])
    cell.metadata.update({"scrolled": True, "tags": ["parameters"], "execution": {"x": 1}})
    nb.cells = [cell, nbformat.v4.new_markdown_cell("hi")]
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["cookbook"] = {"graded_cells": []}
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    assert clean([path]) == [path]
    data = json.loads(path.read_text())
    assert data["cells"][0]["outputs"] == [] and data["cells"][0]["execution_count"] is None
    assert data["cells"][0]["metadata"] == {"tags": ["parameters"]}
    assert data["metadata"]["kernelspec"]["name"] == "python3" and "widgets" not in data["metadata"]
    assert data["metadata"]["cookbook"] == {"graded_cells": []}, "the release's record of graded cells is kept"
    assert [c["id"] for c in data["cells"]] == ["cell-000", "cell-001"]
    assert clean([path]) == []  # idempotent


def test_read_notebook_names_a_bad_file(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{ not json")
    with pytest.raises(NotebookError, match="broken.ipynb is not a readable notebook"):
        read_notebook(bad)
    with pytest.raises(FileNotFoundError):
        read_notebook(tmp_path / "missing.ipynb")


def test_recorded_metrics_and_error_outputs():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("x")
    ok.outputs = [nbformat.v4.new_output("display_data", data={METRIC_MIME: {"name": "acc", "value": 0.9}})]
    bad = nbformat.v4.new_code_cell("y")
    bad.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    nb.cells = [ok, bad]
    assert recorded_metrics(nb) == {"acc": 0.9}
    assert error_outputs(nb) == [(1, "ValueError", "boom")]
