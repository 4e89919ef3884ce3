"""helpers.distributed: the torchrun launcher collects the workers' output and leaves no process behind."""
import os
import subprocess
import time

import psutil
import pytest

from helpers.distributed import _stop, torchrun, torchrun_command


def _leftovers(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info["cmdline"] or []) and proc.pid != os.getpid():
            found.append(proc)
    return found


def test_command_uses_this_interpreter_and_a_free_port():
    cmd = torchrun_command("train.py", ["--steps", 2], nproc=3)
    assert cmd[1:3] == ["-m", "torch.distributed.run"] and "--standalone" in cmd
    assert cmd[-4:] == ["--nproc_per_node=3", "train.py", "--steps", "2"]
    with pytest.raises(ValueError):
        torchrun_command("train.py", nproc=0)


def test_runs_every_rank_and_collects_the_output(tmp_path):
    script = tmp_path / "hello.py"
    # one write per line: workers run unbuffered (python -u), and print() with several arguments writes each piece
    # separately, so two ranks' pieces could interleave within a line
    script.write_text('import os, sys\nsys.stdout.write(f"hello from rank {os.environ[\'RANK\']} of '
                      '{os.environ[\'WORLD_SIZE\']} {os.environ[\'COOKBOOK_TEST_VALUE\']}\\n")\n')
    result = torchrun(script, nproc=2, env={"COOKBOOK_TEST_VALUE": "xyz"}, timeout=180)
    assert result.ok, result.output
    assert "hello from rank 0 of 2 xyz" in result.output and "hello from rank 1 of 2 xyz" in result.output
    assert "OMP_NUM_THREADS" not in result.output  # no banner: the variable is set


def test_a_failing_rank_fails_the_run(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text('import os, sys\nsys.exit(3 if os.environ["RANK"] == "1" else 0)\n')
    result = torchrun(script, nproc=2, timeout=180)
    assert not result.ok and result.returncode != 0
    assert result.tail(5)


def test_missing_script(tmp_path):
    with pytest.raises(FileNotFoundError):
        torchrun(tmp_path / "nope.py")


def test_stopping_torchrun_stops_its_running_workers(tmp_path):
    """The time-out path: workers run in their own sessions, and none survives."""
    marker = f"sleeper_{os.getpid()}_{time.monotonic_ns()}.py"
    script = tmp_path / marker
    script.write_text(f'import os, pathlib, time\npathlib.Path({str(tmp_path)!r}, "started" + os.environ["RANK"]).touch()\n'
                      'time.sleep(600)\n')
    proc = subprocess.Popen(torchrun_command(script, nproc=2), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.monotonic() + 240
        while not all((tmp_path / f"started{r}").exists() for r in (0, 1)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all((tmp_path / f"started{r}").exists() for r in (0, 1)), "the workers never started"
        assert len(_leftovers(marker)) >= 2
        _stop(proc, grace=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _leftovers(marker), "processes survived"


def test_a_timeout_raises_and_leaves_nothing_behind(tmp_path):
    marker = f"sleeper_{os.getpid()}_{time.monotonic_ns()}.py"
    script = tmp_path / marker
    script.write_text("import time\ntime.sleep(600)\n")
    with pytest.raises(TimeoutError, match="was stopped"):
        torchrun(script, nproc=2, timeout=1, grace=10)
    deadline = time.monotonic() + 10
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _leftovers(marker), "processes survived the time-out"
