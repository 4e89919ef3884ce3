"""The `cookbook` command: what each command prints and returns."""
import json

import nbformat
import pytest

from cookbook import cli
from tests.corpus.minicourse import CHAPTER, NOTEBOOK


def _exercise(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell with ``grade_id`` (the release puts the install cell before the parameters cell)."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture
def mini(mini_course, monkeypatch):
    root = mini_course()
    monkeypatch.setenv("COOKBOOK_ROOT", str(root))
    return root


def test_run_prints_summary_and_writes_executed_copies(mini, tmp_path, capfd):
    out = tmp_path / "executed"
    assert cli.main(["run", "ch90", "--profile", "smoke", "--device", "cpu", "--output", str(out)]) == 0
    captured = capfd.readouterr()  # file-descriptor level: the kernel process writes there too
    text = captured.out
    assert "running over TCP" not in captured.err
    assert f"{CHAPTER}/{NOTEBOOK}" in text and "answer = 42" in text and "1 passed, 0 failed" in text
    assert "edition=solutions" in text
    executed = nbformat.read(out / CHAPTER / NOTEBOOK, as_version=4)
    assert any(c.get("outputs") for c in executed.cells)


def test_run_fails_with_nonzero_exit(mini, tmp_path, capsys):
    nb = nbformat.read(mini / "solutions" / CHAPTER / NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, mini / "solutions" / CHAPTER / NOTEBOOK)
    assert cli.main(["run", "--output", str(tmp_path / "x")]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_run_help_names_the_default_edition(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert "instructor edition" in capsys.readouterr().out


def test_check_reports_full_messages_and_clean_json(mini, capsys):
    assert cli.main(["release"]) == 0
    student = mini / "notebooks" / CHAPTER / NOTEBOOK
    nb = nbformat.read(student, as_version=4)
    _exercise(nb, "ex_9_1a_code").source = "def double(x):\n    return x * 3"
    nbformat.write(nb, student)
    assert cli.main(["check", str(student)]) == 1
    out = capsys.readouterr().out
    assert "double(2): expected 4, got 6" in out and "0/2 visible tests passed" in out
    assert "not attempted" in out
    assert cli.main(["check", str(student), "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # stdout is only JSON; progress goes to stderr
    assert report["score"] == 0 and report["points"] == 3 and "checking" in captured.err
    assert "running over TCP" not in captured.err


def test_check_long_messages_are_not_cut(mini, capsys):
    cli.main(["release"])
    student = mini / "notebooks" / CHAPTER / NOTEBOOK
    nb = nbformat.read(student, as_version=4)
    _exercise(nb, "ex_9_1a_code").source = "def double(x):\n    raise ValueError('x' * 150 + ' END')"
    nbformat.write(nb, student)
    cli.main(["check", str(student)])
    assert "x" * 150 + " END" in capsys.readouterr().out


def test_check_missing_notebook_is_a_clear_error(mini, capsys):
    assert cli.main(["check", "nope.ipynb"]) == 2
    assert "no notebook nope.ipynb" in capsys.readouterr().err


def test_release_takes_short_chapter_names(mini, capsys):
    assert cli.main(["release", "90"]) == 0
    assert f"released notebooks/{CHAPTER}" in capsys.readouterr().out
    assert (mini / "notebooks" / CHAPTER / NOTEBOOK).is_file()
    assert cli.main(["release", "ch07"]) == 2
    assert f"no chapter matches 'ch07'; chapters: {CHAPTER}" in capsys.readouterr().err


def test_doctor_reports_versions_device_and_course(mini, capsys):
    import torch

    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"torch       {torch.__version__}" in out and "device      cpu" in out
    assert "profile     smoke" in out and CHAPTER in out


def test_help_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys; from cookbook import cli; cli.build_parser(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
