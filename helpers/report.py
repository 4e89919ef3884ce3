"""Recording a notebook's key numbers so ``cookbook run`` can show them in its summary table."""
from __future__ import annotations

#: MIME type of the display outputs written by :func:`record` and read back by ``cookbook run``
#: (``cookbook.nbfiles.recorded_metrics``): the protocol between notebooks and the course tools lives here,
#: on the notebooks' side, so ``helpers`` never imports ``cookbook``.
METRIC_MIME = "application/vnd.cookbook.metric+json"


def record(name: str, value: float | int | str) -> None:
    """Show ``name = value`` in the notebook and tag it for ``cookbook run``'s summary.

    The value is stored in the executed notebook as a display output with a private MIME type;
    ``cookbook.nbfiles.recorded_metrics`` reads it back. Notebooks call it for their headline
    numbers (a test accuracy, a loss), and the tests check that every notebook records them.
    """
    from IPython.display import display

    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    display({METRIC_MIME: {"name": name, "value": value}, "text/plain": f"{name} = {shown}"}, raw=True)
