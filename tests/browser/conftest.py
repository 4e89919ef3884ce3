"""Fixtures of the browser tests: Chromium (system package) driven by pytest-playwright, one JupyterLab
server per session over a copy of the course, and on failure a screenshot, the page's console log and
the server log under ``build/browser/<test name>/``.

Without Chromium the tests are skipped with the reason "no Chromium (install the `chromium` package)";
with ``COOKBOOK_REQUIRE_BROWSER=1`` (what ``.ci/run`` sets) they fail instead, so CI never passes them
vacuously.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import lab

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "build" / "browser"
REQUIRE = os.environ.get("COOKBOOK_REQUIRE_BROWSER", "").strip().lower() not in ("", "0", "false", "no")
expect.set_options(timeout=lab.UI_WAIT_MS)


def _waits_for_grading(item) -> bool:
    return Path(item.path).resolve().is_relative_to(HERE) and "graded_class" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items):
    """The browser tests that wait for the background grading of a class run last, so the other browser
    tests run while it grades (a stable sort: every other test keeps its place)."""
    items.sort(key=_waits_for_grading)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _chromium():
    """Skip (or, under COOKBOOK_REQUIRE_BROWSER, fail) every browser test when Chromium is missing."""
    problem = lab.chromium_problem()
    if problem and REQUIRE:
        pytest.fail(f"{problem}; COOKBOOK_REQUIRE_BROWSER is set, so the browser tests must run", pytrace=False)
    if problem:
        pytest.skip(problem)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches the system's Chromium, headless and quiet on the network."""
    return {**browser_type_launch_args, "executable_path": str(lab.CHROMIUM), "args": lab.CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, _chromium):
    """JupyterLab over a temporary copy of the course, for the whole session."""
    work = tmp_path_factory.mktemp("jupyterlab")
    course = lab.copy_course(ROOT, work / "course")
    server = lab.LabServer(course, work, os.environ["COOKBOOK_DATA_DIR"])
    try:
        server.start()
    except Exception:
        _save(ARTIFACTS / "jupyterlab-server", {"server.log": server.log()})
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def graded_class(lab_server):
    """``cookbook grade`` of a two-student class, started in the background (see :class:`lab.ClassGrading`)."""
    grading = lab.ClassGrading(lab_server, "ch01_tensors").start()
    yield grading
    grading.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_slow_work_early(request, _chromium):
    """Grading a class takes the longest: when a selected test needs it, start it with the first test,
    so that it runs while the other browser tests do."""
    if any(_waits_for_grading(item) for item in request.session.items):
        request.getfixturevalue("graded_class")


@pytest.fixture
def lab_page(page, lab_server, request):
    """A fresh browser page logged in to the server; on failure its screenshot, console and the server log
    go to ``build/browser/<test name>/``."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    shutil.rmtree(folder, ignore_errors=True)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda err: console.append(f"[pageerror] {err}"))
    page.set_default_timeout(lab.UI_WAIT_MS)
    yield page
    if any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")):
        files = {"console.log": "\n".join(console) + "\n", "server.log": lab_server.log()}
        folder.mkdir(parents=True, exist_ok=True)
        try:
            files["page.html"] = page.content()
            page.screenshot(path=str(folder / "screenshot.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a dead page must not hide the test's own failure
            files["screenshot-error.txt"] = f"{type(exc).__name__}: {exc}\n"
        _save(folder, files)
    lab_server.shutdown_kernels()


def _save(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
