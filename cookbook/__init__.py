"""Course tooling of PyTorch Cookbook Lab: the ``cookbook`` command and what it runs.

Notebooks import :mod:`helpers`; instructors, students and CI run ``cookbook`` (or
``python -m cookbook``): release the student edition, self-check a notebook, grade a class,
build a student bundle, execute the course, manage data. The package is split the way nbgrader
splits its apps from its preprocessors: :mod:`cookbook.cli` only parses arguments, each command
lives in its own module, and torch is imported only by the commands that need it
(``run``'s kernels, ``data``, ``doctor``).

Map: ``rules`` (grading rules), ``checkout`` (where chapters and notebooks are), ``sandbox`` (where grading
kernels run), ``problems`` (what grading reports), ``nbfiles``
(reading, normalising, writing notebooks), ``nbgrader_app`` (running nbgrader), ``release``,
``execute`` (``cookbook run``), ``selfcheck``, ``audit``, ``grade``, ``bundle``, ``data_cli``, ``doctor``.
"""
from importlib.metadata import PackageNotFoundError, version

try:  # one version for the whole course: pyproject.toml takes it from helpers.__version__
    __version__ = version("pytorch-cookbook-lab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "unknown"
