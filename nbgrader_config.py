"""nbgrader configuration of PyTorch Cookbook Lab.

`solutions/` is the nbgrader source, `notebooks/` the release; one assignment per chapter. The
grading rules (grading environment, time limits, ignored warnings) live in `cookbook/rules.py`,
which `cookbook check` and `cookbook grade` read too, so plain `nbgrader autograde` grades the same
way. Override the environment with COOKBOOK_GRADE_PROFILE / _DATA / _DEVICE and the limits with
COOKBOOK_GRADE_CELL_TIMEOUT / COOKBOOK_GRADE_SUBMISSION_TIMEOUT.
"""
import os

from cookbook.rules import configure_nbgrader

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
configure_nbgrader(c, os.path.dirname(os.path.abspath(__file__)))
