"""The course's grading rules, in one place.

Everything that decides how a notebook is executed and scored lives here, and every other part
reads it from here: ``nbgrader_config.py`` (so plain ``nbgrader autograde`` follows it),
``cookbook check`` / ``cookbook grade``, the test suite, the benchmarks, and CONTRIBUTING.md
(a test keeps its numbers in sync).

* **Grading environment.** Grading runs the demo cells too, so every grading kernel gets the
  fast, offline, deterministic settings: the smoke profile, stand-in data and the CPU, whoever
  launches it. ``COOKBOOK_GRADE_PROFILE`` / ``_DATA`` / ``_DEVICE`` override them.
* **Time limits.** A cell may run :data:`CELL_TIMEOUT_S` seconds (``COOKBOOK_GRADE_CELL_TIMEOUT``);
  a whole submission (one student, one chapter) :data:`SUBMISSION_TIMEOUT_S`
  (``COOKBOOK_GRADE_SUBMISSION_TIMEOUT``).
* **What fails a test cell.** An error, or output on stderr, scores the cell 0 (nbgrader's rule),
  except stderr text that matches :data:`IGNORE_PATTERN`: known harmless warnings.
* **Cell roles.** Exercise (solution) cells and graded test cells carry nbgrader metadata, grade_ids
  matching :data:`GRADE_ID`, and the :data:`RAISES_TAG` tag so JupyterLab's *Run All* goes on past an
  unsolved exercise; test cells are worth :data:`MIN_POINTS`..:data:`MAX_POINTS` points.

This module imports nothing heavy: the ``cookbook`` command reads it on every call.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping

# ------------------------------------------------------------------------------------ environment
#: Settings of every kernel that grades or checks a notebook: (variable, override variable, default).
GRADE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("COOKBOOK_PROFILE", "COOKBOOK_GRADE_PROFILE", "smoke"),
    ("COOKBOOK_DATA", "COOKBOOK_GRADE_DATA", "synthetic"),
    ("COOKBOOK_DEVICE", "COOKBOOK_GRADE_DEVICE", "cpu"),
)
#: Variables every grading kernel gets as they are: no plots shown on a screen, and one CPU thread per kernel
#: (grading runs one student per core; with one thread each, kernels do not fight over cores, and results do not
#: depend on how many cores the grading machine has).
KERNEL_CONSTANTS = {"MPLBACKEND": "agg", "OMP_NUM_THREADS": "1"}


def grading_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables of a grading kernel: smoke profile, stand-in data, CPU (overridable)."""
    environ = os.environ if environ is None else environ
    env = {name: environ.get(override) or default for name, override, default in GRADE_SETTINGS}
    return {**env, **KERNEL_CONSTANTS}


# ------------------------------------------------------------------------------------ time limits
CELL_TIMEOUT_S = 180
SUBMISSION_TIMEOUT_S = 1800


def cell_timeout(environ: Mapping[str, str] | None = None) -> int:
    """Seconds one cell may run when grading (``COOKBOOK_GRADE_CELL_TIMEOUT`` overrides)."""
    return int((os.environ if environ is None else environ).get("COOKBOOK_GRADE_CELL_TIMEOUT") or CELL_TIMEOUT_S)


def submission_timeout(environ: Mapping[str, str] | None = None) -> int:
    """Seconds grading one student's chapter may take (``COOKBOOK_GRADE_SUBMISSION_TIMEOUT`` overrides)."""
    environ = os.environ if environ is None else environ
    return int(environ.get("COOKBOOK_GRADE_SUBMISSION_TIMEOUT") or SUBMISSION_TIMEOUT_S)


# ------------------------------------------------------------------------------------ scoring
#: stderr output matching this is removed (nbgrader's IgnorePattern): warnings that libraries print and that
#: say nothing about the answer. Whatever else a test cell prints on stderr (a progress bar, a log line) is
#: kept as ordinary output and never scores (``cookbook.preprocessors.StderrIsNotAFailure``): a test fails
#: only by raising.
IGNORE_PATTERN = r"(UserWarning|DeprecationWarning|FutureWarning|IProgress not found)"
#: Lines of stream output and of a traceback kept per cell (nbgrader's LimitOutput).
MAX_OUTPUT_LINES = 1000
MAX_TRACEBACK_LINES = 100
#: Characters kept per stream output (the course's LimitOutputSize; one huge line is still huge).
MAX_OUTPUT_CHARS = 100_000

# ------------------------------------------------------------------------------------ cell roles
RAISES_TAG = "raises-exception"
PARAMETERS_TAG = "parameters"
GRADE_ID = re.compile(r"ex_(?P<chapter>\d+)_(?P<recipe>\d+)(?P<letter>[a-z])_(?P<role>code|tests)")
MIN_POINTS, MAX_POINTS = 1, 5
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def nbgrader_metadata(cell: Mapping) -> dict:
    """The ``nbgrader`` metadata of a notebook cell (empty when it has none)."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def is_solution(cell: Mapping) -> bool:
    """An exercise cell: the student writes code here."""
    return bool(nbgrader_metadata(cell).get("solution"))


def is_test(cell: Mapping) -> bool:
    """A graded (locked, autograded) test cell."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


# ------------------------------------------------------------------------------------ sandbox
#: The kernel manager of grading and self-check kernels when they are sandboxed (see :mod:`cookbook.sandbox`).
SANDBOXED_KERNEL_MANAGER = "cookbook.sandbox.SandboxedKernelManager"
SANDBOX_VARIABLE = "COOKBOOK_GRADE_SANDBOX"


def sandboxed(environ: Mapping[str, str] | None = None) -> bool:
    """Whether grading kernels run in the bubblewrap sandbox: ``COOKBOOK_GRADE_SANDBOX`` is ``bwrap`` (default) or
    ``off`` (``cookbook grade --unsandboxed``; every grade then says so)."""
    value = (os.environ if environ is None else environ).get(SANDBOX_VARIABLE, "bwrap").strip().lower()
    if value not in ("bwrap", "off"):
        raise ValueError(f"{SANDBOX_VARIABLE}={value!r}: use 'bwrap' (sandboxed grading kernels) or 'off'")
    return value == "bwrap"


# ------------------------------------------------------------------------------------ nbgrader
def kernel_exec_lines(environ: Mapping[str, str] | None = None) -> str:
    """Python run by every grading kernel before the notebook: it sets the grading environment."""
    env = grading_environment(environ)
    return "import os;" + ";".join(f"os.environ[{k!r}] = {v!r}" for k, v in env.items())


# Every kernel the course starts (grading, self-check, `cookbook run`) logs errors only: its start-up chatter
# (e.g. "Kernel is running over TCP without encryption") is not the notebook's output and only clutters a report.
KERNEL_QUIET = "--IPKernelApp.log_level=ERROR"


def kernel_arguments(environ: Mapping[str, str] | None = None) -> list[str]:
    """Extra arguments of a grading kernel (no history file, quiet, the grading environment)."""
    return ["--HistoryManager.hist_file=:memory:", KERNEL_QUIET,
            f"--IPKernelApp.exec_lines={kernel_exec_lines(environ)}"]


def configure_nbgrader(c, root: str) -> None:
    """Apply the course's rules to an nbgrader config object ``c`` (called by ``nbgrader_config.py``)."""
    c.CourseDirectory.root = root
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db") + "?timeout=120"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    apply_execution_rules(c)
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import LimitOutput

    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    steps.insert(steps.index(LimitOutput) + 1, "cookbook.preprocessors.LimitOutputSize")
    steps.insert(steps.index(LimitOutput) + 2, "cookbook.preprocessors.StderrIsNotAFailure")
    # feedback shows each progress bar's final state (100%), not the first drawing a saved widget keeps
    # (right after execution, while the widget state is still in the notebook's metadata)
    steps.insert(1, "cookbook.execute.FinishProgressBars")
    c.Autograde.autograde_preprocessors = steps


#: Error names a grading kernel's execution records in a cell: the one place that spells them.
TIMEOUT_ERROR = "CellTimeoutError"
DEAD_KERNEL_ERROR = "DeadKernelError"
#: nbgrader failures that say nothing about the submission (a busy machine, a slow kernel start): retried once.
INFRASTRUCTURE_ERRORS = ("Timeout waiting for IOPub output", "Kernel didn't respond in", "Kernel died before replying",
                         "Timeout waiting for kernel_info reply", "database is locked", "Kernel is dead",
                         "Kernel not responding")


def timeout_error(seconds: int) -> dict:
    """The error a grading kernel reports in a cell that ran past the per-cell time limit."""
    message = (f"this cell ran longer than {seconds} s, the per-cell time limit of grading, and was stopped "
               "(an endless loop? far more work than the smoke profile needs?)")
    return {"ename": TIMEOUT_ERROR, "evalue": message, "traceback": [f"{TIMEOUT_ERROR}: {message}"]}


def apply_execution_rules(c, environ: Mapping[str, str] | None = None, sandbox: bool | None = None) -> None:
    """The execution and scoring part of the rules (shared by autograde and ``cookbook check``).

    ``sandbox`` (default: :func:`sandboxed`) runs every kernel in the grading sandbox (:mod:`cookbook.sandbox`).
    """
    c.Execute.timeout = cell_timeout(environ)
    c.Execute.interrupt_on_timeout = True
    c.Execute.error_on_timeout = timeout_error(cell_timeout(environ))
    c.Execute.execute_retries = 1
    c.Execute.extra_arguments = kernel_arguments(environ)
    if sandboxed(environ) if sandbox is None else sandbox:
        c.Execute.kernel_manager_class = SANDBOXED_KERNEL_MANAGER
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = IGNORE_PATTERN
    c.LimitOutput.max_lines = MAX_OUTPUT_LINES
    c.LimitOutput.max_traceback = MAX_TRACEBACK_LINES
    c.LimitOutputSize.max_chars = MAX_OUTPUT_CHARS
