"""Finding chapters and notebooks."""
import pytest

from cookbook.course import chapter_notebooks, chapters, course_root


def test_chapter_selection(mini_course):
    root = mini_course(with_helpers=False)
    assert chapters(root) == ["ch90_mini"] and chapters(root, "notebooks") == []
    for selection in (["ch90_mini"], ["ch90"], ["90"], []):
        assert [p.name for p in chapter_notebooks(root, selection)] == ["01_mini.ipynb"]
    with pytest.raises(ValueError, match="no chapter matches 'ch07'"):
        chapter_notebooks(root, ["ch07"])
    with pytest.raises(FileNotFoundError, match="no notebook"):
        chapter_notebooks(root, [str(root / "nope.ipynb")])


def test_course_root_from_the_environment(mini_course, monkeypatch, tmp_path):
    root = mini_course(with_helpers=False)
    monkeypatch.setenv("COOKBOOK_ROOT", str(root))
    assert course_root() == root
    monkeypatch.setenv("COOKBOOK_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a course checkout"):
        course_root()
