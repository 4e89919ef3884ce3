"""Static checks of the stored notebooks: no outputs, deterministic metadata, the exercise conventions
of CONTRIBUTING.md (tags, grade_ids, points, hidden tests, test cells that import their checks, end in a
statement and print nothing), and every recipe of a started chapter present with a graded exercise."""
import ast
import re
from collections import Counter

import nbformat
import pytest

from cookbook import rules
from cookbook.checkout import chapters
from cookbook.nbfiles import dumps, normalise
from tests.course import RELEASED, ROOT, SOLUTIONS, nb_id
from tests.course.test_catalogue import catalogue_text

ALL = SOLUTIONS + RELEASED
HEADING = re.compile(r"^\s{0,3}#{1,4}\s+(\d+\.\d+)\b")


def catalogue() -> dict[str, list[str]]:
    chapters_, current = {}, None
    for line in catalogue_text().splitlines():
        if m := re.match(r"^## (ch\d\d_\w+)", line):
            current = m.group(1)
            chapters_[current] = []
        elif (m := re.match(r"^### (\d+\.\d+) ", line)) and current:
            chapters_[current].append(m.group(1))
    return chapters_


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks_in_both_editions():
    assert SOLUTIONS and RELEASED
    assert [p.relative_to(ROOT / "solutions") for p in SOLUTIONS] == [p.relative_to(ROOT / "notebooks") for p in RELEASED]


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parts[-3]}/{nb_id(p)}" for p in ALL])
def test_stored_without_outputs_and_normalised(path):
    nb = read(path)
    assert nb.metadata.kernelspec.name == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {i} has stored outputs: `cookbook clean`"
    assert dumps(normalise(read(path))) == path.read_text(), f"{path} is not normalised: run `cookbook clean` / `cookbook release`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=[nb_id(p) for p in SOLUTIONS])
def test_parameters_cell_and_setup(path):
    code = [c for c in read(path).cells if c.cell_type == "code"]
    params = code[0]
    assert rules.PARAMETERS_TAG in params.metadata.get("tags", []), "the first code cell must be tagged `parameters`"
    for name in ("PROFILE", "DEVICE", "DATA"):
        assert f'os.environ.get("COOKBOOK_{name}"' in params.source, f"{name} must default from COOKBOOK_{name}"
    assert "helpers.setup(" in code[1].source


def _last_statement_is_silent(source: str) -> bool:
    """True unless the cell ends in an expression whose value Jupyter would display."""
    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return True
    value = tree.body[-1].value
    return isinstance(value, ast.Call) and getattr(value.func, "id", "").startswith("check_")


def _visible(source: str) -> str:
    return source.split(rules.HIDDEN_BEGIN)[0]


@pytest.mark.parametrize("path", SOLUTIONS, ids=[nb_id(p) for p in SOLUTIONS])
def test_exercise_cells_follow_the_conventions(path):
    failures, pending = [], None
    for i, cell in enumerate(read(path).cells):
        meta = rules.nbgrader_metadata(cell)
        if not meta:
            continue
        gid = meta["grade_id"]
        where = f"{path.name} cell {i} ({gid})"
        if not rules.GRADE_ID.fullmatch(gid):
            failures.append(f"{where}: grade_id breaks the naming rule ex_<chapter>_<recipe><letter>_code|tests")
        if cell.cell_type != "code" or rules.RAISES_TAG not in cell.metadata.get("tags", []):
            failures.append(f"{where}: exercise and test cells are code cells tagged {rules.RAISES_TAG!r}")
        if rules.is_solution(cell):
            if meta.get("grade") or meta.get("locked") or rules.SOLUTION_BEGIN not in cell.source:
                failures.append(f"{where}: a solution cell is ungraded, unlocked, with {rules.SOLUTION_BEGIN}")
            if pending:
                failures.append(f"{pending} has no test cell before the next exercise")
            pending = gid
        elif rules.is_test(cell):
            if not meta.get("locked") or not rules.MIN_POINTS <= meta.get("points", 0) <= rules.MAX_POINTS:
                failures.append(f"{where}: test cells are locked, worth {rules.MIN_POINTS}-{rules.MAX_POINTS} points")
            if rules.HIDDEN_BEGIN not in cell.source or rules.HIDDEN_END not in cell.source:
                failures.append(f"{where}: no hidden tests")
            if "print(" in cell.source:
                failures.append(f"{where}: test cells print nothing on success")
            if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                   for node in ast.walk(ast.parse(cell.source))):
                failures.append(f"{where}: test cells define no functions or classes (plumbing goes to helpers.checks)")
            uses = {m for m in re.findall(r"\b(check_\w+)\(", cell.source)}
            imported = set(re.findall(r"\b(check_\w+)\b", cell.source.split("\n")[0])) \
                if cell.source.startswith("from helpers.checks import") else set()
            if uses - imported:
                failures.append(f"{where}: the first line must import the checks it uses: "
                                f"from helpers.checks import {', '.join(sorted(uses))}")
            for part, source in (("the cell", cell.source), ("the visible part", _visible(cell.source))):
                if not _last_statement_is_silent(source):
                    failures.append(f"{where}: {part} ends in a value, which Jupyter shows (and nbgrader scores)")
            pending = None
    if pending:
        failures.append(f"{pending} has no test cell")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_grade_ids_unique_per_chapter(chapter):
    ids = Counter(rules.nbgrader_metadata(c)["grade_id"] for p in (ROOT / "solutions" / chapter).glob("*.ipynb")
                  for c in read(p).cells if rules.nbgrader_metadata(c))
    assert not [g for g, n in ids.items() if n > 1], f"duplicate grade_ids in {chapter}"


@pytest.mark.parametrize("chapter", chapters(ROOT))
def test_every_recipe_has_a_section_and_a_graded_exercise(chapter):
    assert chapter in catalogue(), f"{chapter} is not a chapter of the catalogue"
    sections: dict[str, Counter] = {}
    for path in sorted((ROOT / "solutions" / chapter).glob("*.ipynb")):
        current = None
        for cell in read(path).cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if m := HEADING.match(line):
                        current = m.group(1)
                        sections.setdefault(current, Counter())
            if current and rules.is_test(cell) and rules.HIDDEN_BEGIN in cell.source:
                sections[current]["tests"] += 1
    expected = catalogue()[chapter]
    missing = [r for r in expected if r not in sections]
    assert not missing, f"{chapter}: no section headed {missing}"
    untested = [r for r in expected if sections[r]["tests"] == 0]
    assert not untested, f"{chapter}: recipes without a graded exercise with hidden tests: {untested}"


TIMING_MAGICS = ("time", "timeit", "prun")


def _python(source: str) -> ast.Module:
    """A code cell as Python: IPython magics turned into calls, and the code that %time, %timeit and %prun (line
    or cell) run appended as statements, so the names it uses are seen."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    for node in list(ast.walk(tree)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run_line_magic", "run_cell_magic") and node.args
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in TIMING_MAGICS):
            for arg in node.args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    tree.body += _magic_code(arg.value).body
    return tree


def _magic_code(text: str) -> ast.Module:
    """The statement(s) after a timing magic's options (``-n 10 -r 3 f(x)`` -> ``f(x)``); empty if none."""
    words = text.split(" ")
    for start in range(len(words) + 1):
        try:
            return _python(" ".join(words[start:]).strip())
        except SyntaxError:
            continue
    return ast.Module(body=[], type_ignores=[])


def _bound(tree: ast.Module) -> set[str]:
    """Names a cell binds at the notebook's top level (defs, classes, assignments, imports, loop targets)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def answers_used_by_demos(nb: nbformat.NotebookNode) -> list[str]:
    """Code cells other than exercise and test cells that read a name only an exercise binds, as messages."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    trees = [_python(c.source) for c in cells]
    from_exercises = set().union(*(_bound(t) for c, t in zip(cells, trees) if rules.is_solution(c)))
    elsewhere = set().union(*(_bound(t) for c, t in zip(cells, trees) if not rules.is_solution(c)))
    answers = from_exercises - elsewhere
    failures = []
    for i, (cell, tree) in enumerate(zip(cells, trees)):
        if rules.is_solution(cell) or rules.is_test(cell):
            continue
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} & answers
        if used:
            failures.append(f"code cell {i} uses {', '.join(sorted(used))}, which only an exercise defines")
    return failures


@pytest.mark.parametrize("path", SOLUTIONS, ids=[nb_id(p) for p in SOLUTIONS])
def test_demo_cells_never_use_an_exercise_answer(path):
    """A demo (or a later exercise's setup) must run the same whether or not the student solved the exercises: no
    cell other than exercise and test cells reads a name that only an exercise binds. (This is what makes *Run All*
    on the untouched student edition run every demo; test_grading.py checks the errors of such a run.)"""
    failures = answers_used_by_demos(read(path))
    assert not failures, "\n".join(failures)


def test_the_demo_check_finds_a_demo_that_uses_an_answer():
    from tests.corpus.minicourse import mini_notebook

    nb = mini_notebook(with_helpers=False)
    assert answers_used_by_demos(nb) == []
    nb.cells.append(nbformat.v4.new_code_cell("%timeit -n 3 -r 1 print(double(21))"))  # 9.1a's answer, in a magic
    assert answers_used_by_demos(nb) == [f"code cell {sum(c.cell_type == 'code' for c in nb.cells) - 1} uses double, "
                                         "which only an exercise defines"]
