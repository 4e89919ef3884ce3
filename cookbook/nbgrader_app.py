"""Running nbgrader's own command-line apps in a course root (its ``nbgrader_config.py`` applies)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def run_nbgrader(args: list[str], root: Path, env: dict[str, str] | None = None,
                 timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in ``root`` and capture its output.

    The interpreter's folder goes first on PATH: nbgrader runs the ``alembic`` executable of its
    environment to set up the gradebook, which a non-activated virtual environment would not find.
    After ``timeout`` seconds nbgrader *and the kernels it started* are killed (they run in their own
    process group) and ``subprocess.TimeoutExpired`` is raised.
    """
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PATH": path, **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
