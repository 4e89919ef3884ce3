"""Headless execution (cookbook run): results, metrics, and no error hidden by a raises-exception tag."""
import nbformat

from cookbook import rules
from cookbook.execute import execute
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
