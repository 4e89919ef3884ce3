"""Finding, normalising and executing the course notebooks."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import nbformat

from .report import METRIC_MIME

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
KEPT_CELL_METADATA = ("nbgrader", "tags")


def course_root() -> Path:
    """The course checkout: ``COOKBOOK_ROOT`` if set, else the folder holding ``helpers/``."""
    env = os.environ.get("COOKBOOK_ROOT")
    root = Path(env) if env else Path(__file__).resolve().parent.parent
    if not (root / "solutions").is_dir():
        raise FileNotFoundError(f"{root} is not a course checkout (no solutions/ folder); "
                                "run from the course folder or set COOKBOOK_ROOT")
    return root


def chapters(root: Path, edition: str = "solutions") -> list[str]:
    """Chapter (nbgrader assignment) names present in ``root/edition``, sorted."""
    base = root / edition
    return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("ch")
                  and any(p.glob("*.ipynb")))


def chapter_notebooks(root: Path, selected: Iterable[str] = (), edition: str = "solutions") -> list[Path]:
    """Notebooks of the selected chapters (all when empty). A selection may be a chapter name,
    its prefix (``ch01``, ``1``) or a notebook path."""
    all_chapters = chapters(root, edition)
    picked: list[Path] = []
    for sel in selected or all_chapters:
        p = Path(sel)
        if p.suffix == ".ipynb":
            if not p.is_file():
                raise FileNotFoundError(f"no notebook {p}")
            picked.append(p)
            continue
        key = f"ch{int(sel):02d}" if str(sel).isdigit() else str(sel)
        hits = [c for c in all_chapters if c == key or c.startswith(key + "_") or c.startswith(key)]
        if not hits:
            raise ValueError(f"no chapter matches {sel!r}; chapters: {', '.join(all_chapters)}")
        for c in hits:
            picked.extend(sorted((root / edition / c).glob("[0-9]*.ipynb")))
    return picked


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs and volatile metadata so the stored notebook is deterministic."""
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    nb.nbformat, nb.nbformat_minor = 4, 5
    used: set[str] = set()
    for i, cell in enumerate(nb.cells):
        meta = {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata and cell.metadata[k]}
        cell.metadata = nbformat.from_dict(meta)
        cid = meta.get("nbgrader", {}).get("grade_id") or f"cell-{i:03d}"
        while cid in used:
            cid += "x"
        used.add(cid)
        cell.id = cid
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell["attachments"]:
            del cell["attachments"]
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook the way the repository stores it (1-space JSON indent, trailing newline)."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def clean(paths: Iterable[Path]) -> list[Path]:
    """Normalise notebooks in place; returns the ones that changed."""
    changed = []
    for path in paths:
        before = path.read_text(encoding="utf-8")
        nb = normalise(nbformat.reads(before, as_version=4))
        nbformat.validate(nb)
        write_notebook(nb, path)
        if path.read_text(encoding="utf-8") != before:
            changed.append(path)
    return changed


def recorded_metrics(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Metrics a notebook recorded with :func:`helpers.record`, in order."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if METRIC_MIME in data:
                found[data[METRIC_MIME]["name"]] = data[METRIC_MIME]["value"]
    return found


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


def execute(path: Path, output: Path | None = None, parameters: dict[str, Any] | None = None,
            timeout: int = 1800, kernel_name: str = "python3", cwd: Path | None = None) -> RunResult:
    """Execute one notebook with papermill; never raises for notebook errors (see ``RunResult.ok``)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    out_path = output or Path(os.devnull)
    ok, error, nb = True, "", None
    for _ in range(2):  # one retry when the kernel fails to start (port races under xdist)
        try:
            nb = pm.execute_notebook(str(path), str(out_path), parameters=parameters or {},
                                     kernel_name=kernel_name, cwd=str(cwd or path.parent), progress_bar=False,
                                     execution_timeout=timeout, log_output=False)
            ok, error = True, ""
            break
        except PapermillExecutionError as exc:
            ok, error = False, f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
            nb = nbformat.read(str(out_path), as_version=4) if output and output.exists() else None
            break
        except Exception as exc:  # kernel died or did not start, bad JSON...: report, never crash the run
            ok, error, nb = False, f"{type(exc).__name__}: {exc}", None
    seconds = time.perf_counter() - start
    metrics = recorded_metrics(nb) if nb is not None else {}
    return RunResult(path, seconds, ok, error, metrics, output)
