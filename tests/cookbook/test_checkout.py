"""Finding chapters and notebooks."""
import pytest

from cookbook.checkout import chapter_notebooks, chapters, course_root, resolve_chapters


def test_chapter_selection(mini_course):
    root = mini_course(with_helpers=False)
    assert chapters(root) == ["ch90_mini"] and chapters(root, "notebooks") == []
    for selection in (["ch90_mini"], ["ch90"], ["90"], []):
        assert [p.name for p in chapter_notebooks(root, selection)] == ["01_mini.ipynb"]
    with pytest.raises(ValueError, match="no chapter matches 'ch07'"):
        chapter_notebooks(root, ["ch07"])
    with pytest.raises(FileNotFoundError, match="no notebook"):
        chapter_notebooks(root, [str(root / "nope.ipynb")])


def test_release_and_grade_take_the_same_chapter_names_as_run(mini_course):
    root = mini_course(with_helpers=False)
    for selection in (["ch90_mini"], ["ch90"], ["90"], [], ["ch90", "ch90_mini"]):
        assert resolve_chapters(root, selection) == ["ch90_mini"]
    with pytest.raises(ValueError, match="no chapter matches '7'; chapters: ch90_mini"):
        resolve_chapters(root, ["7"])


def test_course_root_from_the_environment(mini_course, monkeypatch, tmp_path):
    root = mini_course(with_helpers=False)
    monkeypatch.setenv("COOKBOOK_ROOT", str(root))
    assert course_root() == root
    monkeypatch.setenv("COOKBOOK_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a course checkout"):
        course_root()
