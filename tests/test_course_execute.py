"""Every solution notebook executes headless: smoke profile, CPU, offline stand-in data."""
import pytest

from conftest import BUILD, nb_id, solution_notebooks
from helpers.notebooks import execute

NOTEBOOKS = solution_notebooks()


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb_id(p) for p in NOTEBOOKS])
def test_solution_notebook_executes(path):
    out = BUILD / "executed" / path.parent.name / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    result = execute(path, out, timeout=600)
    assert result.ok, f"{nb_id(path)} failed: {result.error} (executed copy: {out})"
