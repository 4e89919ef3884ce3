"""Static checks of the stored notebooks: no outputs, deterministic metadata, nbgrader cells,
and every recipe of a started chapter present with a graded exercise that has hidden tests."""
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, nb_id, released_notebooks, solution_notebooks
from helpers.notebooks import chapters, normalise, write_notebook

ALL = solution_notebooks() + released_notebooks()
CATALOGUE = ROOT / "docs" / "recipes.md"
SHARED_CATALOGUE = ROOT.parent / "shared" / "recipes.md"
HEADING = re.compile(r"^\s{0,3}#{1,4}\s+(\d+\.\d+)\b")


def catalogue() -> dict[str, list[str]]:
    chapters_, current = {}, None
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^## (ch\d\d_\w+)", line):
            current = m.group(1)
            chapters_[current] = []
        elif (m := re.match(r"^### (\d+\.\d+) ", line)) and current:
            chapters_[current].append(m.group(1))
    return chapters_


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks_in_both_editions():
    assert solution_notebooks() and released_notebooks()
    assert [p.relative_to(ROOT / "solutions") for p in solution_notebooks()] == \
        [p.relative_to(ROOT / "notebooks") for p in released_notebooks()]


def test_catalogue_copy_matches_shared():
    if not SHARED_CATALOGUE.exists():
        pytest.skip("no ../shared/recipes.md beside this checkout")
    assert CATALOGUE.read_text() == SHARED_CATALOGUE.read_text(), "docs/recipes.md is out of date: copy it again"


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parts[-3]}/{nb_id(p)}" for p in ALL])
def test_stored_without_outputs_and_normalised(path, tmp_path):
    nb = read(path)
    assert nb.metadata.kernelspec.name == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {i} has stored outputs: `cookbook clean`"
    copy = tmp_path / "n.ipynb"
    write_notebook(normalise(read(path)), copy)
    assert copy.read_text() == path.read_text(), f"{path} is not normalised: run `cookbook clean` / `cookbook release`"


@pytest.mark.parametrize("path", solution_notebooks(), ids=[nb_id(p) for p in solution_notebooks()])
def test_parameters_cell_and_setup(path):
    code = [c for c in read(path).cells if c.cell_type == "code"]
    params = code[0]
    assert "parameters" in params.metadata.get("tags", []), "the first code cell must be tagged `parameters`"
    for name in ("PROFILE", "DEVICE", "DATA"):
        assert f'os.environ.get("COOKBOOK_{name}"' in params.source, f"{name} must default from COOKBOOK_{name}"
    assert "helpers.setup(" in code[1].source


@pytest.mark.parametrize("path", solution_notebooks(), ids=[nb_id(p) for p in solution_notebooks()])
def test_exercise_cells(path):
    nb = read(path)
    pending = None
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        gid = meta["grade_id"]
        assert re.fullmatch(r"ex_\d+_\d+[a-z]_(code|tests)", gid), f"cell {i}: grade_id {gid!r} breaks the naming rule"
        if meta.get("solution"):
            assert cell.cell_type == "code" and not meta.get("grade") and not meta.get("locked")
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, gid
            assert pending is None, f"{pending} has no test cell before the next exercise"
            pending = gid
        elif meta.get("grade"):
            assert cell.cell_type == "code" and meta.get("locked"), f"{gid} must be a locked code cell"
            assert 0 < meta["points"] <= 5, f"{gid}: points {meta['points']}"
            assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source, \
                f"{gid} has no hidden tests"
            assert "print(" not in cell.source, f"{gid}: test cells print nothing on success"
            pending = None
    assert pending is None, f"{pending} has no test cell"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_grade_ids_unique_per_chapter(chapter):
    ids = Counter(c.metadata["nbgrader"]["grade_id"]
                  for p in (ROOT / "solutions" / chapter).glob("*.ipynb")
                  for c in read(p).cells if "nbgrader" in c.metadata)
    assert not [g for g, n in ids.items() if n > 1], f"duplicate grade_ids in {chapter}"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_every_recipe_has_a_section_and_a_graded_exercise(chapter):
    expected = catalogue()[chapter]
    sections: dict[str, Counter] = {}
    for path in sorted((ROOT / "solutions" / chapter).glob("*.ipynb")):
        current = None
        for cell in read(path).cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if m := HEADING.match(line):
                        current = m.group(1)
                        sections.setdefault(current, Counter())
            meta = cell.metadata.get("nbgrader", {})
            if current and meta.get("grade") and "BEGIN HIDDEN TESTS" in cell.source:
                sections[current]["tests"] += 1
    missing = [r for r in expected if r not in sections]
    assert not missing, f"{chapter}: no section headed {missing}"
    untested = [r for r in expected if sections[r]["tests"] == 0]
    assert not untested, f"{chapter}: recipes without a graded exercise with hidden tests: {untested}"
    assert chapter in catalogue(), f"{chapter} is not a chapter of the catalogue"
