"""`cookbook release`: nbgrader's student edition, stored normalised, with a record of its graded cells."""
import shutil

from cookbook import rules
from cookbook.nbfiles import read_notebook
from cookbook.release import release
from tests.corpus.minicourse import CHAPTER, NOTEBOOK


def test_release_strips_solutions_and_records_graded_cells(mini_course):
    root = mini_course(with_helpers=False)
    release(root, [])
    student = read_notebook(root / "notebooks" / CHAPTER / NOTEBOOK)
    text = (root / "notebooks" / CHAPTER / NOTEBOOK).read_text()
    assert "raise NotImplementedError()" in text and "HIDDEN" not in text and "return 2 * x" not in text
    tagged = [c for c in student.cells if rules.is_solution(c) or rules.is_test(c)]
    assert tagged and all(rules.RAISES_TAG in c.metadata["tags"] for c in tagged), "tags must survive the release"
    record = student.metadata["cookbook"]["graded_cells"]
    tests = [c for c in student.cells if rules.is_test(c)]
    assert [r["grade_id"] for r in record] == [rules.nbgrader_metadata(c)["grade_id"] for c in tests]
    assert [r["source"] for r in record] == [c.source for c in tests]
    assert all(r["checksum"] == rules.nbgrader_metadata(c)["checksum"] for r, c in zip(record, tests))


def test_release_drops_deleted_notebooks_without_an_activated_venv(mini_course, monkeypatch):
    root = mini_course(with_helpers=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    release(root, [])
    shutil.copy2(root / "notebooks" / CHAPTER / NOTEBOOK, root / "notebooks" / CHAPTER / "02_old.ipynb")
    release(root, [CHAPTER])
    assert [p.name for p in (root / "notebooks" / CHAPTER).glob("*.ipynb")] == [NOTEBOOK]
