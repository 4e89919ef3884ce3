"""Running a training script on several local processes with ``torchrun``, from a notebook or a test.

Taught in: ch09_transfer_and_performance/07_distributed_data_parallel.ipynb, 9.7. The notebook writes the
training script and explains the ``torchrun`` command line; this module only runs that command as a
subprocess (``python -m torch.distributed.run``, which is what the ``torchrun`` executable calls), collects
the output of torchrun and its workers, and makes sure no process outlives the call: torchrun stops every
worker when one fails, and on a time-out this module stops torchrun *and* its workers (which run in their own
sessions, so killing torchrun alone would orphan them).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TorchrunResult", "torchrun", "torchrun_command"]


@dataclass(frozen=True)
class TorchrunResult:
    """What one torchrun launch returned: its exit code, the combined output, the command."""

    returncode: int
    output: str
    command: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when torchrun (and so every worker) exited with status 0."""
        return self.returncode == 0

    def tail(self, lines: int = 25) -> str:
        """The last ``lines`` lines of the output (for error messages)."""
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def torchrun_command(script: str | os.PathLike, args: Sequence[object] = (), nproc: int = 2) -> list[str]:
    """The command line: ``torchrun --standalone --nproc_per_node=<nproc> <script> <args...>``, spelled with
    this interpreter (``python -m torch.distributed.run``), so the notebook's environment runs the workers.

    >>> torchrun_command("train.py", ["--steps", 3])[3:]
    ['--standalone', '--nproc_per_node=2', 'train.py', '--steps', '3']
    """
    if nproc < 1:
        raise ValueError(f"nproc must be >= 1, got {nproc}")
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
            str(script), *(str(a) for a in args)]


def torchrun(script: str | os.PathLike, args: Sequence[object] = (), nproc: int = 2,
             env: Mapping[str, str] | None = None, timeout: float = 300.0, grace: float = 20.0) -> TorchrunResult:
    """Launch ``script`` on ``nproc`` local processes with torchrun and wait for it.

    ``--standalone`` makes torchrun pick a free port on this machine for the rendezvous, so several launches
    (or several users) never collide. ``env`` adds environment variables for torchrun and the workers
    (``OMP_NUM_THREADS`` defaults to 1, torchrun's own default, without its warning banner). Returns a
    :class:`TorchrunResult` whatever the exit code. If the run takes longer than ``timeout`` seconds, torchrun
    is asked to stop (SIGTERM, which makes it stop its workers), then torchrun and all of its workers are
    killed after ``grace`` seconds, and :class:`TimeoutError` is raised with the output so far.
    """
    script = Path(script)
    if not script.is_file():
        raise FileNotFoundError(f"no training script at {script}")
    command = torchrun_command(script, args, nproc)
    environment = {"OMP_NUM_THREADS": "1", **os.environ, **(env or {})}
    note = ""
    for attempt in (1, 2):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            output = _stop(proc, grace)
            tail = "\n".join(output.rstrip().splitlines()[-25:])
            raise TimeoutError(f"torchrun ran longer than {timeout:g} s and was stopped with all its workers "
                               f"(command: {' '.join(command)}). Last output:\n{tail}") from None
        # a worker killed by a signal (seen on an overloaded machine) says nothing about the script: run it again once
        if proc.returncode == 0 or attempt == 2 or "Signal " not in output:
            break
        note = "(the first launch lost a worker to a signal and was run again)\n"
    return TorchrunResult(proc.returncode, note + output, tuple(command))


def _stop(proc: subprocess.Popen, grace: float) -> str:
    """Stop torchrun and every process it started; return the output collected so far."""
    import psutil  # installed with ipykernel (the course's kernel); imported here, only on this rare path

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    proc.terminate()  # torchrun's SIGTERM handler stops its workers
    try:
        output, _ = proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        output = None
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    if proc.poll() is None:
        proc.kill()
    if output is None:
        try:
            output, _ = proc.communicate(timeout=grace)
        except subprocess.TimeoutExpired:  # pragma: no cover - a grandchild we could not see holds the pipe
            output = ""
    psutil.wait_procs(family, timeout=grace)
    return output or ""
