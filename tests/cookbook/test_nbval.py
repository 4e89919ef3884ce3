"""`pytest --nbval-lax solutions/` works with no environment set by hand, and a `raises-exception` tag does
not hide an error there (solutions/conftest.py)."""
import os
import shutil
import subprocess
import sys

import nbformat

from tests.corpus.minicourse import CHAPTER, NOTEBOOK


def _nbval(course, notebook):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKBOOK_")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--nbval-lax", str(notebook)], cwd=course, env=env, capture_output=True, text=True)


def test_nbval_runs_the_solutions_and_fails_on_a_tagged_error(root, mini_course):
    course = mini_course()
    shutil.copy2(root / "solutions" / "conftest.py", course / "solutions" / "conftest.py")
    notebook = course / "solutions" / CHAPTER / NOTEBOOK
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nassert os.environ['COOKBOOK_PROFILE'] == 'smoke'"))
    nbformat.write(nb, notebook)
    ok = _nbval(course, notebook)
    assert ok.returncode == 0, ok.stdout[-2000:]
    nb.cells[3].source = "def double(x):\n    return 2 * x\n1 / 0"  # an exercise cell, tagged raises-exception
    nbformat.write(nb, notebook)
    broken = _nbval(course, notebook)
    assert broken.returncode == 1 and "ZeroDivisionError" in broken.stdout, broken.stdout[-2000:]
