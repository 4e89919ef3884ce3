"""`make test DEVICE=cuda` (COOKBOOK_TEST_DEVICE=cuda): every solution notebook also executes on the GPU, in
the smoke profile with stand-in data, while grading stays on the CPU. Without the switch these tests are not
collected (the rest of the suite is the CPU run); with it and no GPU, the session stops at once (conftest.py)."""
import os

import pytest

from cookbook.execute import execute
from tests.course import SOLUTIONS, nb_id

DEVICE = os.environ.get("COOKBOOK_TEST_DEVICE", "")
pytestmark = pytest.mark.skipif(not DEVICE, reason="CPU run: `make test DEVICE=cuda` also runs every notebook on a GPU")


@pytest.mark.parametrize("path", SOLUTIONS if DEVICE else [], ids=[nb_id(p) for p in SOLUTIONS] if DEVICE else [])
def test_solution_runs_on_the_device(path, tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_DEVICE", DEVICE)
    result = execute(path, tmp_path / path.name, timeout=600)
    assert result.ok, f"{nb_id(path)} on {DEVICE}: {result.error}"
    text = (tmp_path / path.name).read_text()
    assert f"device={DEVICE}" in text, f"{nb_id(path)} did not run on {DEVICE} (its setup line does not say so)"
    print(f"{nb_id(path)} on {DEVICE}: {result.seconds:.1f}s {result.metrics}")
