"""An instructor in JupyterLab: nbgrader's *Create Assignment* panel shows the roles and points of a
solutions notebook's cells, and the formgrader lists the chapters and, after ``cookbook grade``, the
class's scores."""
from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect

from cookbook import rules
from tests.browser.lab import PLUGIN_WARNING, UI_WAIT_MS, Notebook, chapters, click_menu, open_lab

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.filterwarnings(PLUGIN_WARNING)]

SOLUTION = "solutions/ch02_neural_networks/01_network_and_loss.ipynb"

_CELL_WIDGETS_JS = """panel => [...panel.querySelectorAll('.nbgrader-CellWidget')].map(w => {
    const select = w.querySelector('.nbgrader-CellType select');
    return {type: select.value, label: select.selectedOptions[0] ? select.selectedOptions[0].textContent : '',
            id: w.querySelector('.nbgrader-CellId input').value,
            points: w.querySelector('.nbgrader-CellPoints input').value,
            locked: w.querySelector('.nbgrader-LockButton').classList.contains('nbgrader-mod-locked')};
})"""


def test_create_assignment_panel_shows_cell_roles_and_points(lab_page, lab_server):
    source = nbformat.read(lab_server.course / SOLUTION, as_version=4)
    Notebook.open(lab_page, lab_server, SOLUTION)
    click_menu(lab_page, "Nbgrader", "Create assignment")
    panel = lab_page.locator(".nbgrader-NotebookWidget")
    expect(panel).to_be_visible()
    expect(panel.locator(".nbgrader-CellWidget")).to_have_count(len(source.cells))
    shown = panel.evaluate(_CELL_WIDGETS_JS)
    total, wrong = 0, []
    for index, (cell, widget) in enumerate(zip(source.cells, shown)):
        meta = rules.nbgrader_metadata(cell)
        if rules.is_solution(cell):
            want = {"type": "solution", "label": "Autograded answer", "id": meta["grade_id"]}
        elif rules.is_test(cell):
            want = {"type": "tests", "label": "Autograded tests", "id": meta["grade_id"],
                    "points": float(meta["points"]), "locked": True}
            total += meta["points"]
        else:  # demo and text cells: no graded role
            want = {"graded": False}
        got = {"graded": widget["type"] in ("solution", "tests", "manual", "task"), **widget,
               "points": float(widget["points"] or 0)}
        if {k: got[k] for k in want} != want:
            wrong.append(f"cell {index}: shows {widget}, expected {want}")
    assert not wrong, "\n".join(wrong)
    assert float(lab_page.locator(".nbgrader-TotalPointsInput").input_value()) == total


def test_formgrader_lists_chapters_and_shows_class_scores(lab_page, lab_server, graded_class):
    # The class was graded in the background (`cookbook grade`, started with the first browser test).
    graded_class.wait()
    open_lab(lab_page, lab_server)
    click_menu(lab_page, "Nbgrader", "Formgrader")
    frame = lab_page.frame_locator("iframe[src*='formgrader']")
    names = frame.locator("td.name")
    expect(names).to_have_count(len(chapters(lab_server.course)), timeout=UI_WAIT_MS * 2)
    assert sorted(names.all_inner_texts()) == chapters(lab_server.course)

    row = frame.locator("tbody tr").filter(has=frame.locator("td.name", has_text=re.compile(f"^{graded_class.chapter}$")))
    expect(row.locator("td.num-submissions")).to_have_text(str(len(graded_class.STUDENTS)))
    row.locator("td.num-submissions a").click()
    expect(frame.locator("td.student-id")).to_have_count(len(graded_class.STUDENTS))
    top = f"{graded_class.max_points():g}"
    scores = dict(zip(frame.locator("td.student-id").all_inner_texts(), frame.locator("td.score").all_inner_texts()))
    assert scores == {"perfect": f"{top} / {top}", "untouched": f"0 / {top}"}
