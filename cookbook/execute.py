"""Executing notebooks headless with papermill (``cookbook run``, the test suite, the benchmarks)."""
from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor

from .nbfiles import error_outputs, read_notebook, recorded_metrics
from .rules import KERNEL_QUIET

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_PROGRESS_MODELS = ("FloatProgressModel", "IntProgressModel")


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


# ------------------------------------------------------------------------------------------ progress bars
def _bar_text(state: dict, hbox: dict) -> str | None:
    """The terminal text of a ``tqdm.notebook`` bar (an HBox of HTML, progress, HTML) from its widgets' state, or
    None for a widget that is not such a bar, or '' for a bar that hid itself when it closed (``leave=False``)."""
    models = [state.get(ref.removeprefix("IPY_MODEL_"), {}) for ref in hbox["state"].get("children", [])]
    names = [m.get("model_name") for m in models]
    if len(models) != 3 or names[0] != "HTMLModel" or names[1] not in _PROGRESS_MODELS or names[2] != "HTMLModel":
        return None
    layout = state.get(str(hbox["state"].get("layout", "")).removeprefix("IPY_MODEL_"), {})
    if layout.get("state", {}).get("visibility") == "hidden":
        return ""
    left, progress, right = (m.get("state", {}) for m in models)
    text = lambda widget: html.unescape(str(widget.get("value") or "")).replace("\u2007", " ")  # noqa: E731
    if not text(left):  # a bar without a total: tqdm shows only the counter
        return text(right).strip()
    from tqdm.std import Bar

    total = float(progress.get("max") or 0)
    frac = min(max(float(progress.get("value") or 0) / total, 0.0), 1.0) if total else 0.0
    return f"{text(left)}|{format(Bar(frac, default_len=10, charset=Bar.UTF), '')}|{text(right)}"


def finish_progress_bars(nb: nbformat.NotebookNode) -> int:
    """Make each ``tqdm.auto`` progress bar of an executed notebook show where it ended; returns how many changed.

    In a kernel, tqdm draws an ipywidget. The cell's output is the widget's first drawing, whose text/plain
    fallback reads ``train:   0%|          | 0/5``; every later update goes to the widget's model, whose final
    state nbclient saves in ``metadata.widgets`` (``store_widget_state``; papermill and nbconvert do so). But
    JupyterLab opening the saved notebook draws the fallback, not that state (seen with the course's JupyterLab
    4.6 and ipywidgets 8.1), and so do GitHub, nbviewer, text exports and programs reading outputs: 0%. This writes
    the final state into the fallback, as tqdm prints it in a terminal
    (``train: 100%|██████████| 5/5 [00:01<00:00,  4.20it/s]``), and removes the output of a bar that hid itself
    when it closed (``leave=False``: the live notebook does not show it either). Idempotent.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return 0
    changed = 0
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW) if out.get("output_type") == "display_data" else None
            hbox = state.get(view.get("model_id", "")) if view else None
            text = _bar_text(state, hbox) if hbox and hbox.get("model_name") == "HBoxModel" else None
            if text == "":
                changed += 1
                continue
            if text is not None and out.data.get("text/plain") != text:
                out.data["text/plain"] = text
                changed += 1
            kept.append(out)
        if cell.cell_type == "code":
            cell.outputs = kept
    return changed


class FinishProgressBars(Preprocessor):
    """:func:`finish_progress_bars` as an nbconvert preprocessor, for notebooks executed with nbconvert::

        jupyter nbconvert --to notebook --execute \\
            --NotebookExporter.preprocessors=cookbook.execute.FinishProgressBars NOTEBOOK.ipynb

    (nbconvert runs the preprocessors it is given after its own, the execution among them.)
    """

    def preprocess(self, nb, resources):
        finish_progress_bars(nb)
        return nb, resources


# ------------------------------------------------------------------------------------------ running
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
    The executed copy (``output``) keeps the widgets' final state and shows each progress bar finished
    (:func:`finish_progress_bars`).
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
                                     extra_arguments=[KERNEL_QUIET], store_widget_state=True)
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
    if nb is not None and output and output.exists() and finish_progress_bars(nb):
        nbformat.write(nb, str(output))
    seconds = time.perf_counter() - start
    metrics = recorded_metrics(nb) if nb is not None else {}
    return RunResult(path, seconds, ok, error, metrics, output)
