"""Executing notebooks headless with papermill (``cookbook run``, the test suite, the benchmarks)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .nbfiles import error_outputs, read_notebook, recorded_metrics
from .rules import KERNEL_QUIET


@dataclass
class RunResult:
    """Outcome of executing one notebook."""

    notebook: Path
    seconds: float
    ok: bool
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    output: Path | None = None


def course_environment(profile: str | None = None, device: str | None = None, data: str | None = None) -> dict[str, str]:
    """Environment variables that make a kernel use these settings (unset ones are left alone)."""
    env = {}
    for key, value in (("COOKBOOK_PROFILE", profile), ("COOKBOOK_DEVICE", device), ("COOKBOOK_DATA", data)):
        if value:
            env[key] = value
    return env


def _describe(nb, index: int, ename: str, evalue: str) -> str:
    """``cell 3 (ex_9_1a_code): ValueError: ...``, counting cells of the source notebook (the cells papermill
    adds, injected parameters and an error notice, are not among them)."""
    added = {"injected-parameters", "papermill-error-cell-tag"}
    injected = sum(bool(added & set(c.metadata.get("tags", []))) for c in nb.cells[:index])
    grade_id = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index - injected}" + (f" ({grade_id})" if grade_id else "") + f": {ename}: {evalue}"


def execute(path: Path, output: Path | None = None, parameters: dict[str, Any] | None = None,
            timeout: int = 1800, kernel_name: str = "python3", cwd: Path | None = None) -> RunResult:
    """Execute one notebook with papermill; never raises for notebook errors (see ``RunResult.ok``).

    Any error output anywhere fails the run, also in a cell tagged ``raises-exception`` (the tag lets a
    student's *Run All* continue past an unsolved exercise; it must never hide a broken solution or demo).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    out_path = output or Path(os.devnull)
    ok, error, nb = True, "", None
    for _ in range(2):  # one retry when the kernel fails to start (port races under xdist)
        try:
            nb = pm.execute_notebook(str(path), str(out_path), parameters=parameters or {},
                                     kernel_name=kernel_name, cwd=str(cwd or path.parent), progress_bar=False,
                                     execution_timeout=timeout, log_output=False,
                                     extra_arguments=[KERNEL_QUIET])
            errors = error_outputs(nb)
            if errors:
                ok, error = False, _describe(nb, *errors[0])
            break
        except PapermillExecutionError as exc:
            nb = read_notebook(output) if output and output.exists() else None
            errors = error_outputs(nb) if nb is not None else []
            ok, error = False, (_describe(nb, *errors[0]) if errors
                                else f"execution count {exc.exec_count}: {exc.ename}: {exc.evalue}")
            break
        except Exception as exc:  # kernel died or did not start, bad JSON...: report, never crash the run
            ok, error, nb = False, f"{type(exc).__name__}: {exc}", None
    seconds = time.perf_counter() - start
    metrics = recorded_metrics(nb) if nb is not None else {}
    return RunResult(path, seconds, ok, error, metrics, output)
