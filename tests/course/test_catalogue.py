"""docs/recipes.md: a table naming the notebook of every recipe (kept true here), then the catalogue itself
(a copy of the shared catalogue the course is built from)."""
import re

import pytest

from cookbook.nbfiles import read_notebook
from tests.course import ROOT, SOLUTIONS

DOC = ROOT / "docs" / "recipes.md"
SHARED = ROOT.parent / "shared" / "recipes.md"
MARKER = "<!-- catalogue below: a verbatim copy of the shared recipes.md -->"


def catalogue_text() -> str:
    return DOC.read_text(encoding="utf-8").split(MARKER, 1)[-1].lstrip("\n")


def catalogue_recipes() -> list[tuple[str, str]]:
    return re.findall(r"^### (\d+\.\d+) (.+)$", catalogue_text(), flags=re.M)


def where_taught() -> dict[str, str]:
    """recipe ID -> the solutions notebook whose markdown has its section heading."""
    found = {}
    for path in SOLUTIONS:
        for cell in read_notebook(path).cells:
            if cell.cell_type == "markdown":
                for m in re.finditer(r"^#{1,4}\s+(\d+\.\d+)\b", cell.source, flags=re.M):
                    found.setdefault(m[1], str(path.relative_to(ROOT)))
    return found


def expected_table() -> str:
    taught = where_taught()
    rows = [f"| {rid} | {title} | [`{taught[rid]}`](../{taught[rid]}) |" if rid in taught
            else f"| {rid} | {title} | not written yet |" for rid, title in catalogue_recipes()]
    return "\n".join(["| recipe | title | notebook |", "| --- | --- | --- |", *rows])


def test_the_table_names_the_notebook_of_every_recipe():
    text = DOC.read_text(encoding="utf-8")
    assert MARKER in text, f"docs/recipes.md must hold the table, then the line {MARKER!r}, then the catalogue"
    table = "\n".join(line for line in text.split(MARKER)[0].splitlines() if line.startswith("|"))
    assert table == expected_table(), "docs/recipes.md's table is out of date; it should read:\n\n" + expected_table()


def test_catalogue_copy_matches_shared():
    if not SHARED.exists():
        pytest.skip("no ../shared/recipes.md beside this checkout (a plain clone): nothing to compare with")
    assert catalogue_text() == SHARED.read_text(encoding="utf-8"), "the catalogue part of docs/recipes.md is out of date"
