"""A class on one shared server: nbgrader's exchange round trip, as on a JupyterHub.

An instructor and three students share one exchange folder (``c.Exchange.root``); each student has a home
folder of their own (their nbgrader cache, where ``fetch_assignment`` puts the assignment) and is known to
nbgrader by their student id (on a hub, their user name; here ``--student``, since all four run as one OS user).
The instructor releases the mini course's student edition (``nbgrader release_assignment`` from ``notebooks/``);
each student fetches it, solves it (honestly, partly, not at all) and submits; the instructor collects into
``collected/``, grades with ``cookbook grade``'s pipeline (sandboxed), and releases the feedback; each student
fetches their own feedback and nobody else's.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from cookbook import sandbox
from cookbook.grade import grade_class
from cookbook.hosted import is_install_cell
from cookbook.nbgrader_app import run_nbgrader
from cookbook.release import release
from tests.corpus.minicourse import CHAPTER, NOTEBOOK, make_course
from tests.gradebook import notebook_scores, read_grades

pytestmark = [
    pytest.mark.grading,
    pytest.mark.xdist_group("exchange"),
    pytest.mark.skipif(bool(sandbox.problem()) and os.environ.get("COOKBOOK_REQUIRE_SANDBOX") != "1",
                       reason=f"no grading sandbox here: {sandbox.problem()}"),
]
COURSE_ID = "cookbook-mini"
ANSWERS = {"ex_9_1a_code": "def double(x):\n    return 2 * x", "ex_9_1b_code": "def triple(x):\n    return 3 * x"}
#: student -> the exercises they solve, and the points that earns (ex 9.1a is worth 2, ex 9.1b 1)
CLASS = {"ada": (("ex_9_1a_code", "ex_9_1b_code"), 3.0), "bo": (("ex_9_1a_code",), 2.0), "cy": ((), 0.0)}


#: One student's session on the hub, run in its own process with the student's environment: nbgrader's apps as
#: `nbgrader fetch_assignment|submit|fetch_feedback` runs them, one after the other in one interpreter (as
#: nbgrader's own tests do), so a session pays for importing nbgrader once.
SESSION = """
import json, sys
import nbformat
from jupyter_core.application import NoStart
from nbgrader.apps import NbGraderApp

student, chapter, notebook, step, solved = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])

def nbgrader(*args):
    app = NbGraderApp.instance()
    try:
        app.initialize(list(args))
        app.start()
    except NoStart:  # how nbgrader's app says that its subcommand finished
        pass
    finally:
        app.reset()

if step == "work":
    nbgrader("fetch_assignment", chapter)
    path = f"{chapter}/{notebook}"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solved:
            cell.source = solved[gid]
    nbformat.write(nb, path)
    nbgrader("submit", chapter, f"--student={student}")
else:
    nbgrader("fetch_feedback", chapter, f"--student={student}")
"""


def _ok(proc, what: str):
    assert proc.returncode == 0, f"{what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _session(home, student: str, step: str, solved=(), cwd=None) -> subprocess.CompletedProcess:
    """Run ``step`` (``work``: fetch, solve ``solved``, submit; ``feedback``: fetch_feedback) as ``student`` in a
    session whose home is ``home`` (their Jupyter folders and nbgrader cache live there)."""
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
           "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter")}
    answers = json.dumps({gid: ANSWERS[gid] for gid in solved})
    return subprocess.run([sys.executable, "-c", SESSION, student, CHAPTER, NOTEBOOK, step, answers],
                          cwd=cwd or home, env=env, capture_output=True, text=True, timeout=300)


def _each(function, items):
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("hub")
    exchange = base / "srv" / "nbgrader" / "exchange"
    # The hub's shared nbgrader config (on a hub: /etc/jupyter/nbgrader_config.py): the exchange and the course id.
    shared = f"c.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
    root = make_course(base / "instructor" / "course", with_helpers=False)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write("\n" + shared)
    release(root, [CHAPTER])
    _ok(run_nbgrader(["release_assignment", CHAPTER, "--force"], root, timeout=300), "release_assignment")

    homes = {student: base / "home" / student for student in CLASS}
    for home in homes.values():
        home.mkdir(parents=True)
        (home / "nbgrader_config.py").write_text(shared, encoding="utf-8")
    for student, proc in zip(CLASS, _each(lambda s: _session(homes[s], s, "work", CLASS[s][0]), list(CLASS))):
        _ok(proc, f"{student}: fetch_assignment, solve, submit")

    _ok(run_nbgrader(["collect", CHAPTER, "--CourseDirectory.submitted_directory=collected"], root, timeout=300),
        "collect")
    results = grade_class(root, root / "collected", [CHAPTER], jobs=3, log=lambda *_: None)
    _ok(run_nbgrader(["release_feedback", CHAPTER], root, timeout=300), "release_feedback")
    for student, proc in zip(CLASS, _each(lambda s: _session(homes[s], s, "feedback"), list(CLASS))):
        _ok(proc, f"{student}: fetch_feedback")
    return root, exchange, homes, {r.student: r for r in results}


def test_the_released_assignment_is_the_student_edition(hub):
    root, exchange, homes, _ = hub
    released = exchange / COURSE_ID / "outbound" / CHAPTER / NOTEBOOK
    assert released.read_text() == (root / "notebooks" / CHAPTER / NOTEBOOK).read_text()
    text = released.read_text()
    assert "return 2 * x" not in text and "HIDDEN" not in text
    fetched = nbformat.read(homes["cy"] / CHAPTER / NOTEBOOK, as_version=4)
    assert is_install_cell(next(c for c in fetched.cells if c.cell_type == "code")), "the install cell comes first"


def test_every_submission_is_collected_under_its_student_id(hub):
    root, exchange, _, _ = hub
    inbound = sorted(p.name.split("+")[0] for p in (exchange / COURSE_ID / "inbound").iterdir())
    assert inbound == sorted(CLASS)
    assert sorted(p.name for p in (root / "collected").iterdir()) == sorted(CLASS)
    assert all((root / "collected" / s / CHAPTER / NOTEBOOK).is_file() for s in CLASS)


def test_grades_follow_what_each_student_solved(hub):
    root, _, _, results = hub
    for student, (_, points) in CLASS.items():
        assert notebook_scores(root, student, CHAPTER) == {"01_mini": (points, 3.0)}, student
        assert results[student].ok and not results[student].flags, (student, results[student].problems)
    rows = {r["student_id"]: r for r in read_grades(root / "grades.csv")}
    assert {s: float(rows[s]["score"]) for s in CLASS} == {s: p for s, (_, p) in CLASS.items()}
    assert {rows[s]["sandbox"] for s in CLASS} == {"bwrap"}


def test_the_install_cell_does_nothing_in_the_grading_sandbox(hub):
    """Grading kernels can import ``helpers`` (read-only, in the sandbox): the cell runs, installs nothing, prints nothing."""
    root, _, _, _ = hub
    for student in CLASS:
        graded = nbformat.read(root / "autograded" / student / CHAPTER / NOTEBOOK, as_version=4)
        cell = next(c for c in graded.cells if c.cell_type == "code")
        assert is_install_cell(cell) and cell.execution_count is not None and cell.outputs == [], (student, cell.outputs)


def test_each_student_fetches_only_their_own_feedback(hub):
    root, exchange, homes, _ = hub
    released = list((exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == len(CLASS), "one feedback page per student and notebook, named by a secret hash"
    pages = {}
    for student, home in homes.items():
        fetched = list((home / CHAPTER / "feedback").rglob("*.html"))
        assert [p.name for p in fetched] == ["01_mini.html"], f"{student} fetched {fetched}"
        pages[student] = fetched[0].read_text()
        assert pages[student] == (root / "feedback" / student / CHAPTER / "01_mini.html").read_text()
    for student, (_, points) in CLASS.items():
        assert f"Score: {points} / 3.0)" in pages[student], f"{student}'s page does not show {points} points"
    assert len(set(pages.values())) == len(CLASS)


def test_a_student_cannot_fetch_another_students_feedback(hub, tmp_path):
    """Feedback pages are named by a hash of each submission's secret, which only the submitter's cache holds: a
    session that claims another student id still finds only its own feedback, and one that never submitted none."""
    root, _, homes, _ = hub
    ada, newcomer = homes["ada"], tmp_path / "dan"
    newcomer.mkdir()
    cases = [(ada, "bo"), (newcomer, "ada")]
    for home, claimed in cases:
        (tmp_path / f"{home.name}-as-{claimed}").mkdir()
        shutil.copy2(ada / "nbgrader_config.py", tmp_path / f"{home.name}-as-{claimed}" / "nbgrader_config.py")
    runs = _each(lambda case: _session(case[0], case[1], "feedback", cwd=tmp_path / f"{case[0].name}-as-{case[1]}"),
                 cases)
    for (home, claimed), proc in zip(cases, runs):
        _ok(proc, f"{home.name}: fetch_feedback --student={claimed}")
        pages = {p.read_text() for p in (tmp_path / f"{home.name}-as-{claimed}").rglob("*.html")}
        mine = {(root / "feedback" / home.name / CHAPTER / "01_mini.html").read_text()} if home == ada else set()
        assert pages == mine, f"{home.name}'s session, claiming to be {claimed}, fetched someone else's feedback"
