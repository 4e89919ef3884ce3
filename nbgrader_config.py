"""nbgrader configuration of PyTorch Cookbook Lab.

`solutions/` is the nbgrader source, `notebooks/` the release; one assignment per chapter.
Grading runs the demos too, so every kernel that nbgrader starts for autograding gets the
fast, offline, deterministic settings (smoke profile, stand-in data, CPU) whoever launches it.
Override them with COOKBOOK_GRADE_PROFILE / COOKBOOK_GRADE_DATA / COOKBOOK_GRADE_DEVICE.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db") + "?timeout=120"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell timeout: every cell runs in a few seconds in the smoke profile on 2 CPU cores.
c.Execute.timeout = 180
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 1
_GRADE_SETTINGS = (
    "import os;"
    "os.environ['COOKBOOK_PROFILE'] = os.environ.get('COOKBOOK_GRADE_PROFILE', 'smoke');"
    "os.environ['COOKBOOK_DATA'] = os.environ.get('COOKBOOK_GRADE_DATA', 'synthetic');"
    "os.environ['COOKBOOK_DEVICE'] = os.environ.get('COOKBOOK_GRADE_DEVICE', 'cpu');"
    "os.environ.setdefault('MPLBACKEND', 'agg')"
)
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={_GRADE_SETTINGS}"]

# Known benign warnings printed on stderr must not zero a test cell.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(UserWarning|DeprecationWarning|FutureWarning|IProgress not found)"
