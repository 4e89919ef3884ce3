import shutil

import nbformat
import pytest

from helpers import cli
from helpers.grading import release
from minicourse import make_course


@pytest.fixture
def mini(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    monkeypatch.setenv("COOKBOOK_ROOT", str(root))
    return root


def test_run_prints_summary_and_writes_executed_copies(mini, tmp_path, capsys):
    out = tmp_path / "executed"
    assert cli.main(["run", "ch90", "--profile", "smoke", "--device", "cpu", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ch90_mini/01_mini.ipynb" in text and "answer = 42" in text and "1 passed, 0 failed" in text
    executed = nbformat.read(out / "ch90_mini" / "01_mini.ipynb", as_version=4)
    assert any(c.get("outputs") for c in executed.cells)


def test_run_fails_with_nonzero_exit(mini, tmp_path, capsys):
    nb = nbformat.read(mini / "solutions" / "ch90_mini" / "01_mini.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, mini / "solutions" / "ch90_mini" / "01_mini.ipynb")
    assert cli.main(["run", "--output", str(tmp_path / "x")]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_release_and_self_check(mini, capsys):
    assert cli.main(["release"]) == 0
    student = mini / "notebooks" / "ch90_mini" / "01_mini.ipynb"
    assert "raise NotImplementedError()" in student.read_text()
    assert "HIDDEN" not in student.read_text()
    assert cli.main(["check", str(mini / "solutions" / "ch90_mini" / "01_mini.ipynb")]) == 0
    assert "2/2 visible tests passed (3/3 points)" in capsys.readouterr().out
    assert cli.main(["check", str(student)]) == 1
    out = capsys.readouterr().out
    assert "not attempted" in out and "0/2 visible tests passed" in out
    nb = nbformat.read(student, as_version=4)
    nb.cells[3].source = "def double(x):\n    return x + 2"  # right at 2 only: the hidden test catches it
    nbformat.write(nb, student)
    assert cli.main(["check", str(student)]) == 1
    assert "1/2 visible tests passed" in capsys.readouterr().out
    nb.cells[3].source = "def double(x):\n    return x * 3"
    nbformat.write(nb, student)
    cli.main(["check", str(student)])
    assert "double(2): expected 4, got 6" in capsys.readouterr().out


def test_check_missing_notebook_is_a_clear_error(mini, capsys):
    assert cli.main(["check", "nope.ipynb"]) == 2
    assert "no notebook nope.ipynb" in capsys.readouterr().err


def test_doctor(mini, capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "torch" in out and "ch90_mini" in out


def test_release_drops_deleted_notebooks(mini, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # works without an activated virtual environment
    release(mini, [])
    shutil.copy2(mini / "notebooks" / "ch90_mini" / "01_mini.ipynb", mini / "notebooks" / "ch90_mini" / "02_old.ipynb")
    release(mini, ["ch90_mini"])
    assert [p.name for p in (mini / "notebooks" / "ch90_mini").glob("*.ipynb")] == ["01_mini.ipynb"]
