"""`notebooks/` is exactly what `cookbook release` (nbgrader generate_assignment) makes of `solutions/`."""
import pytest

from conftest import ROOT
from helpers.grading import release
from helpers.notebooks import chapters


@pytest.mark.grading
def test_release_is_in_sync(course_copy):
    assert chapters(ROOT, "notebooks") == chapters(ROOT), "every chapter needs a released edition: run `cookbook release`"
    release(course_copy, [])
    for chapter in chapters(ROOT):
        fresh = sorted(p.name for p in (course_copy / "notebooks" / chapter).glob("*.ipynb"))
        committed = sorted(p.name for p in (ROOT / "notebooks" / chapter).glob("*.ipynb"))
        assert fresh == committed, f"notebooks/{chapter} has {committed}, release makes {fresh}: run `cookbook release`"
        for name in fresh:
            new = (course_copy / "notebooks" / chapter / name).read_text(encoding="utf-8")
            old = (ROOT / "notebooks" / chapter / name).read_text(encoding="utf-8")
            assert new == old, f"notebooks/{chapter}/{name} is out of date or hand-edited: run `cookbook release`"
