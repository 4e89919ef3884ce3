import json

import nbformat
import pytest

from helpers import notebooks as nbs
from minicourse import make_course


def test_normalise_strips_outputs_and_volatile_metadata(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1", execution_count=3,
                                     outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "1"})])
    cell.metadata.update({"scrolled": True, "tags": ["parameters"], "execution": {"x": 1}})
    nb.cells = [cell, nbformat.v4.new_markdown_cell("hi")]
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    assert nbs.clean([path]) == [path]
    data = json.loads(path.read_text())
    assert data["cells"][0]["outputs"] == [] and data["cells"][0]["execution_count"] is None
    assert data["cells"][0]["metadata"] == {"tags": ["parameters"]}
    assert data["metadata"]["kernelspec"]["name"] == "python3" and "widgets" not in data["metadata"]
    assert [c["id"] for c in data["cells"]] == ["cell-000", "cell-001"]
    assert nbs.clean([path]) == []  # idempotent


def test_chapter_selection(tmp_path):
    root = make_course(tmp_path)
    assert nbs.chapters(root) == ["ch90_mini"]
    for sel in (["ch90_mini"], ["ch90"], ["90"], []):
        assert [p.name for p in nbs.chapter_notebooks(root, sel)] == ["01_mini.ipynb"]
    with pytest.raises(ValueError, match="no chapter matches 'ch07'"):
        nbs.chapter_notebooks(root, ["ch07"])


def test_execute_reports_success_metrics_and_failures(tmp_path):
    root = make_course(tmp_path)
    src = root / "solutions" / "ch90_mini" / "01_mini.ipynb"
    res = nbs.execute(src, tmp_path / "out.ipynb")
    assert res.ok, res.error
    assert res.metrics == {"answer": 42}
    broken = nbformat.read(src, as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(broken, tmp_path / "broken.ipynb")
    res = nbs.execute(tmp_path / "broken.ipynb", tmp_path / "broken_out.ipynb")
    assert not res.ok and "ZeroDivisionError" in res.error
