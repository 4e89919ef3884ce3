"""`notebooks/` is exactly what `cookbook release` (nbgrader generate_assignment) makes of `solutions/`."""
import pytest

from cookbook.checkout import chapters
from cookbook.release import release

pytestmark = pytest.mark.grading


def test_release_is_in_sync(root, copy_course, tmp_path):
    assert chapters(root, "notebooks") == chapters(root), "every chapter needs a released edition: run `cookbook release`"
    course = copy_course(tmp_path / "course")
    release(course, [])
    for chapter in chapters(root):
        fresh = sorted(p.name for p in (course / "notebooks" / chapter).glob("*.ipynb"))
        committed = sorted(p.name for p in (root / "notebooks" / chapter).glob("*.ipynb"))
        assert fresh == committed, f"notebooks/{chapter} has {committed}, release makes {fresh}: run `cookbook release`"
        for name in fresh:
            new = (course / "notebooks" / chapter / name).read_text(encoding="utf-8")
            old = (root / "notebooks" / chapter / name).read_text(encoding="utf-8")
            assert new == old, f"notebooks/{chapter}/{name} is out of date or hand-edited: run `cookbook release`"
