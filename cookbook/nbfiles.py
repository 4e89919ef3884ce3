"""Reading, normalising and writing notebooks the way the repository stores them."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
#: Cell metadata kept in stored notebooks; everything else is volatile (scroll state, timings...).
KEPT_CELL_METADATA = ("nbgrader", "tags")
#: Notebook metadata kept besides the kernelspec: the release's record of the graded cells.
KEPT_NOTEBOOK_METADATA = ("cookbook",)


class NotebookError(ValueError):
    """A file is not a readable notebook; the message says which and why."""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (nbformat 4), with an error that names the file when it is not one."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - JSON errors, validation errors, binary files...
        raise NotebookError(f"{path} is not a readable notebook ({type(exc).__name__}: {exc}); "
                            "is it a saved .ipynb file?") from None


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs and volatile metadata so the stored notebook is deterministic."""
    kept = {k: nb.metadata[k] for k in KEPT_NOTEBOOK_METADATA if k in nb.metadata}
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO), **kept})
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


def dumps(nb: nbformat.NotebookNode) -> str:
    """The stored text of a notebook: sorted keys, 1-space indent, trailing newline."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook the way the repository stores it."""
    Path(path).write_text(dumps(nb), encoding="utf-8")


def clean(paths: Iterable[Path]) -> list[Path]:
    """Normalise notebooks in place; returns the ones that changed."""
    changed = []
    for path in paths:
        before = Path(path).read_text(encoding="utf-8")
        nb = normalise(nbformat.reads(before, as_version=4))
        nbformat.validate(nb)
        text = dumps(nb)
        if text != before:
            Path(path).write_text(text, encoding="utf-8")
            changed.append(Path(path))
    return changed


def recorded_metrics(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Metrics an executed notebook recorded with ``helpers.record``, in order."""
    from helpers.report import METRIC_MIME

    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if METRIC_MIME in data:
                found[data[METRIC_MIME]["name"]] = data[METRIC_MIME]["value"]
    return found


def error_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """``(cell index, ename, evalue)`` of every error output in an executed notebook."""
    return [(i, out.get("ename", ""), out.get("evalue", ""))
            for i, cell in enumerate(nb.cells) for out in cell.get("outputs", [])
            if out.get("output_type") == "error"]
