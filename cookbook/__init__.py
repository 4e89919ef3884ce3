"""Course tooling of PyTorch Cookbook Lab: the ``cookbook`` command and what it runs.

Notebooks import :mod:`helpers`; instructors, students and CI run ``cookbook`` (or
``python -m cookbook``): release the student edition, self-check a notebook, grade a class,
build a student bundle, execute the course, manage data. The package is split the way nbgrader
splits its apps from its preprocessors: :mod:`cookbook.cli` only parses arguments, each command
lives in its own module, and torch is imported only by the commands that need it
(``run``'s kernels, ``data``, ``doctor``).

Map: ``rules`` (grading rules), ``course`` (where chapters and notebooks are), ``nbfiles``
(reading, normalising, writing notebooks), ``nbgrader_app`` (running nbgrader), ``release``,
``execute`` (``cookbook run``), ``selfcheck``, ``audit``, ``grade``, ``bundle``, ``data_cli``, ``doctor``.
"""
__version__ = "0.2.0"

#: MIME type of the display outputs written by ``helpers.record`` and read back by ``cookbook run``.
METRIC_MIME = "application/vnd.cookbook.metric+json"
