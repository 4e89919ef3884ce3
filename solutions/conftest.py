"""nbval settings for the instructor edition: `pytest --nbval-lax solutions/` (or one chapter, one notebook)
runs the notebooks the way the test suite does, with no environment variables set by hand: the grading
environment of cookbook/rules.py (smoke profile, stand-in data, CPU) unless you set COOKBOOK_* yourself."""
import os
from pathlib import Path

from cookbook import rules

for _name, _value in rules.grading_environment().items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("COOKBOOK_DATA_DIR", str(Path(__file__).resolve().parent.parent / "build" / "test-data"))


def pytest_collection_modifyitems(items):
    """In solutions/ a `raises-exception` tag never hides an error: it exists for the student edition's Run All."""
    for item in items:
        options = getattr(item, "options", None)
        if isinstance(options, dict) and "check_exception" in options:
            options["check_exception"] = False
