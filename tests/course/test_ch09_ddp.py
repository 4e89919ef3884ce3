"""Chapter 9.7: the DDP training script of the notebook, run with torchrun on two CPU processes (gloo).

The script is taken from the notebook itself (its ``%%writefile`` cell), so the test checks what students run:
* the proof that DDP is data parallel: after one step both ranks hold identical weights, equal (to float
  precision) to one single-process step on the union of their batches;
* when one rank fails, torchrun exits with an error and no process of the run is left behind.
"""
from __future__ import annotations

import runpy
import time

import nbformat
import psutil
import pytest
import torch
import torch.nn.functional as F

from helpers.distributed import torchrun
from tests.course import ROOT

NOTEBOOK = ROOT / "solutions" / "ch09_transfer_and_performance" / "07_distributed_data_parallel.ipynb"


@pytest.fixture
def script(tmp_path):
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and c.source.startswith("%%writefile") and "init_process_group" in c.source]
    assert len(cells) == 1, "expected exactly one %%writefile cell with the DDP script in the notebook"
    path = tmp_path / "train_ddp.py"
    path.write_text(cells[0].split("\n", 1)[1])
    return path


def _alive(script) -> list[psutil.Process]:
    procs = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if str(script) in " ".join(proc.info["cmdline"] or []):
                procs.append(proc)
        except psutil.Error:
            pass
    return procs


def test_one_ddp_step_equals_one_step_on_the_union_of_the_batches(script, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    result = torchrun(script, ["--out", out, "--steps", 1], nproc=2, timeout=300)
    assert result.ok, result.tail(40)
    ranks = [torch.load(out / f"rank{r}_step1.pt", map_location="cpu", weights_only=True) for r in (0, 1)]
    assert not set(ranks[0]["index"].tolist()) & set(ranks[1]["index"].tolist()), "the ranks shared samples"
    for name, tensor in ranks[0]["state_dict"].items():
        assert torch.equal(tensor, ranks[1]["state_dict"][name]), f"{name} differs between the ranks"
    functions = runpy.run_path(str(script))
    model, (_, x, y) = functions["make_model"](), functions["make_data"]()[torch.cat([r["index"] for r in ranks])]
    F.cross_entropy(model(x), y).backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(ranks[0]["state_dict"][name], tensor, rtol=1e-5, atol=1e-6)
    assert (out / "checkpoint.pt").is_file(), "rank 0 saved no checkpoint"


def test_a_failing_rank_stops_the_run_and_leaves_no_process(script, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    result = torchrun(script, ["--out", out, "--steps", 1], nproc=2, env={"FAIL_RANK": "1"}, timeout=300)
    assert result.returncode != 0, "torchrun reported success although rank 1 crashed"
    assert "simulated crash" in result.output, result.tail(40)
    assert not (out / "checkpoint.pt").exists()
    deadline = time.monotonic() + 15
    while _alive(script) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(script), f"processes left behind: {[p.pid for p in _alive(script)]}"
