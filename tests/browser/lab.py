"""A JupyterLab server for the browser tests, and what the tests do in its pages.

:class:`LabServer` starts ``jupyter lab`` the way a student or an instructor runs it (the venv's own
extensions: nbgrader, ipywidgets), but isolated: its root and working folder are a throwaway copy of
the course, and its Jupyter config/data/runtime and IPython folders are fresh temporary ones. Its
kernels get the grading environment (smoke profile, stand-in data, CPU).

:class:`Notebook` drives one open notebook through the UI a person uses (menus, toolbar buttons, the
keyboard) and reads what the page shows (prompts, outputs, dialogs). Every wait is for a state of the
page (a selector, a prompt, the kernel status), never a fixed sleep.
"""
from __future__ import annotations

import copy
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat

from cookbook import rules

#: Chromium from the system package manager (Debian package ``chromium``); COOKBOOK_CHROMIUM overrides.
CHROMIUM = Path(os.environ.get("COOKBOOK_CHROMIUM") or "/usr/bin/chromium")
#: Headless, and quiet on the network: without the background-networking flags Chromium keeps trying to
#: reach Google's services, which floods a closed network with connection attempts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NO_CHROMIUM = "no Chromium (install the `chromium` package)"
#: pytest-playwright's stand-in for pytest-base-url defines a session fixture as a method, which pytest 9
#: deprecates; it is the plugin's business, not the course's.
PLUGIN_WARNING = "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"

#: JupyterLab user settings of the test server: no news or update checks (no network, no pop-up).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}

#: Ceilings of the waits (a wait ends as soon as its state is reached; the machine may be busy).
KERNEL_WAIT_MS = 300_000  # a kernel running a notebook
OPEN_WAIT_MS = 120_000    # JupyterLab loading and a notebook's cells attaching
UI_WAIT_MS = 30_000       # a click, a menu, a dialog


def chromium_problem() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    return "" if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK) else NO_CHROMIUM


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_course(source: Path, dest: Path) -> Path:
    """The course as an instructor's checkout has it: nbgrader config and both editions."""
    dest.mkdir(parents=True)
    shutil.copy2(source / "nbgrader_config.py", dest)
    for edition in ("solutions", "notebooks"):
        shutil.copytree(source / edition, dest / edition, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def chapters(course: Path) -> list[str]:
    return sorted(p.name for p in (course / "solutions").iterdir() if p.is_dir() and p.name.startswith("ch"))


def kernel_environment(base: dict[str, str], data_dir: str) -> dict[str, str]:
    """The server's (and so its kernels') environment: ``base`` plus the grading environment.

    Smoke profile, stand-in data, CPU (``cookbook.rules.grading_environment()``) and the data folder. The
    grading kernels' ``MPLBACKEND=agg`` is left out: it is there so that a grader draws no plots, and a
    person in JupyterLab must see them (ipykernel then selects the inline backend itself).
    """
    env = dict(base)
    env.update(rules.grading_environment(base))
    for name in rules.KERNEL_CONSTANTS:
        env.pop(name, None)
    env["COOKBOOK_DATA_DIR"] = data_dir
    # The venv's commands first: the `tensorboard` that %tensorboard starts, nbgrader's tools.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class LabServer:
    """``jupyter lab`` on 127.0.0.1, a free port and a random token, over a temporary copy of the course."""

    def __init__(self, course: Path, work: Path, data_dir: str):
        self.course = course
        self.work = work
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "jupyter-server.log"
        dirs = {var: work / "jupyter" / sub for var, sub in (
            ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"))}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        config = dirs["JUPYTER_CONFIG_DIR"]
        for name, values in LAB_SETTINGS.items():
            (config / "lab" / "user-settings" / name).parent.mkdir(parents=True, exist_ok=True)
            (config / "lab" / "user-settings" / name).write_text(json.dumps(values))
        # nbgrader's exchange (release/collect, unused here) in the temporary folder, not in /usr/local/share.
        (config / "nbgrader_config.py").write_text(f"c.Exchange.root = {str(work / 'exchange')!r}\n")
        # sys.prefix's own config (etc/jupyter in the venv, which enables nbgrader's server extensions)
        # still applies: JUPYTER_CONFIG_DIR only replaces the user's folder (~/.jupyter).
        self.env = kernel_environment(dict(os.environ), data_dir)
        self.env.update({var: str(path) for var, path in dirs.items()})
        self.env.pop("JUPYTER_PREFER_ENV_PATH", None)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> LabServer:
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.course}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--ServerApp.allow_root=True")  # CI containers often run as root
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.course, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.wait_ready(timeout)
        return self

    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base_url}/api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
        return json.loads(text) if text else {}

    def wait_ready(self, timeout: float) -> None:
        """Poll the REST API until the server answers (or fail with its log)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.proc.returncode}:\n{self.log()}")
            try:
                self.api("status", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log()}") from None
            time.sleep(0.2)  # interval between two polls of the API

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def url(self, path: str = "lab") -> str:
        """A URL of the server that also logs the browser in (the token becomes a cookie)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path}{sep}token={self.token}"

    def put_notebook(self, path: str, sources: list[str]) -> None:
        """Write a notebook of code cells ``sources`` at ``path`` (relative to the root) via the contents API."""
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        folder = str(Path(path).parent)
        if folder not in ("", "."):
            self.api(f"contents/{folder}", "PUT", {"type": "directory"})
        self.api(f"contents/{path}", "PUT", {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))})

    def shutdown_kernels(self) -> None:
        """Shut down the kernels of every open notebook (each test starts from none)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", "DELETE")

    def stop(self) -> None:
        stop_process_group(self.proc)  # SIGTERM first: the server shuts its kernels down before it exits


def stop_process_group(proc: subprocess.Popen | None) -> None:
    """Stop a process started in its own group and its children: SIGTERM, then SIGKILL after 30 s."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def stop_tensorboards(logdir: Path) -> None:
    """Stop the TensorBoard processes that ``%tensorboard`` started for ``logdir`` (they outlive the kernel)."""
    info_dir = Path(tempfile.gettempdir()) / ".tensorboard-info"
    for info in info_dir.glob("pid-*.info"):
        try:
            data = json.loads(info.read_text())
        except (OSError, ValueError):
            continue
        if Path(data.get("logdir", "")) == logdir:
            try:
                os.kill(int(data["pid"]), signal.SIGTERM)
            except (ProcessLookupError, KeyError, ValueError):
                pass
            info.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------ grading
def answered(student: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition with every exercise cell holding the instructor's answer (a perfect student)."""
    answers = {rules.nbgrader_metadata(c)["grade_id"]: c.source for c in solution.cells if rules.is_solution(c)}
    nb = copy.deepcopy(student)
    for cell in nb.cells:
        if rules.is_solution(cell):
            cell.source = answers[rules.nbgrader_metadata(cell)["grade_id"]]
    return nb


def answer_of(solution: nbformat.NotebookNode, grade_id: str) -> str:
    """What a student types for exercise cell ``grade_id``: the solution without nbgrader's markers."""
    cell = next(c for c in solution.cells if rules.nbgrader_metadata(c).get("grade_id") == grade_id)
    return "\n".join(line for line in cell.source.splitlines()
                     if line.strip() not in (rules.SOLUTION_BEGIN, rules.SOLUTION_END))


class ClassGrading:
    """``cookbook grade`` of a two-student class on one chapter of the server's course, in the background.

    ``perfect`` hands in the student edition with the instructor's answers, ``untouched`` the student edition
    as released. Grades go to the course copy's ``gradebook.db``, which the server's formgrader reads.
    """

    STUDENTS = ("perfect", "untouched")

    def __init__(self, server: LabServer, chapter: str):
        self.course = server.course
        self.chapter = chapter
        self.submissions = server.work / "submissions"
        self.log_path = server.work / "cookbook-grade.log"
        self.proc: subprocess.Popen | None = None

    def max_points(self) -> float:
        return sum(rules.nbgrader_metadata(c).get("points", 0)
                   for path in sorted((self.course / "solutions" / self.chapter).glob("*.ipynb"))
                   for c in nbformat.read(path, as_version=4).cells if rules.is_test(c))

    def start(self) -> ClassGrading:
        for released in sorted((self.course / "notebooks" / self.chapter).glob("*.ipynb")):
            student = nbformat.read(released, as_version=4)
            solution = nbformat.read(self.course / "solutions" / self.chapter / released.name, as_version=4)
            for who, nb in zip(self.STUDENTS, (answered(student, solution), student)):
                (self.submissions / who / self.chapter).mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, self.submissions / who / self.chapter / released.name)
        env = {**os.environ, "COOKBOOK_ROOT": str(self.course)}
        cmd = [sys.executable, "-m", "cookbook", "grade", str(self.submissions), "--assignment", self.chapter,
               "--no-feedback"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait(self, timeout: float = 900) -> str:
        """Wait for the grading to finish; its output (fails if it did)."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"cookbook grade did not finish within {timeout:.0f} s:\n{self.log()}") from None
        assert code == 0, f"cookbook grade exited with {code}:\n{self.log()}"
        return self.log()

    def stop(self) -> None:
        stop_process_group(self.proc)


# ------------------------------------------------------------------------------------------ the page
def menu_bar_item(page, label: str):
    """An entry of JupyterLab's menu bar (File, Edit, ..., Nbgrader)."""
    return page.locator("#jp-MainMenu .lm-MenuBar-item").filter(
        has=page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(label)}$")))


def menu_item(page, label: str):
    """An enabled item of the open menu, by its label."""
    return page.locator(".lm-Menu .lm-Menu-item:not(.lm-mod-disabled)").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$"))).last


def open_lab(page, server: LabServer) -> None:
    """Open JupyterLab in a fresh workspace and wait until it is ready (the launcher lists the kernel)."""
    page.goto(server.url("lab?reset"))
    page.locator(".jp-Launcher .jp-LauncherCard").first.wait_for(timeout=OPEN_WAIT_MS)


def click_menu(page, *path: str) -> None:
    """Click through the menu bar by labels, e.g. ``click_menu(page, "Run", "Run All Cells")``."""
    menu_bar_item(page, path[0]).click()
    for label in path[1:]:
        menu_item(page, label).click()


#: What the page shows of each cell, read in one go: kind, prompt, and each output's MIME type and text.
_CELLS_JS = """panel => [...panel.querySelectorAll('.jp-Cell')].map(cell => ({
    code: cell.classList.contains('jp-CodeCell'),
    prompt: (cell.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim(),
    outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => ({
        mime: o.dataset.mimeType || '', text: o.textContent,
        images: [...o.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length,
        widgets: o.querySelectorAll('.jupyter-widgets').length})),
}))"""
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception)\b", re.M)


class Notebook:
    """One notebook open in JupyterLab, driven as a person does."""

    def __init__(self, page, path: str):
        self.page = page
        self.path = path

    @classmethod
    def open(cls, page, server: LabServer, path: str) -> Notebook:
        """Open ``path`` in a fresh JupyterLab workspace; wait until all its cells are there and its kernel is idle."""
        count = len(nbformat.read(server.course / path, as_version=4).cells)
        page.goto(server.url(f"lab/tree/{path}?reset"))
        nb = cls(page, path)
        # JupyterLab attaches the cells of a long notebook progressively.
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length === n",
            arg=count, timeout=OPEN_WAIT_MS, polling=100)
        nb.wait_kernel_idle()
        return nb

    @property
    def panel(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def cell(self, index: int):
        return self.panel.locator(".jp-Cell").nth(index)

    def cells(self) -> list[dict]:
        """Every cell as shown: ``{"code", "prompt", "outputs": [{"mime", "text", "images", "widgets"}]}``."""
        return self.panel.evaluate(_CELLS_JS)

    @staticmethod
    def error_text(cell: dict) -> str:
        """The error (traceback) a cell shows, '' if none."""
        return "\n".join(o["text"] for o in cell["outputs"]
                         if o["mime"] == "application/vnd.jupyter.stderr" and TRACEBACK.search(o["text"]))

    # ---- kernel and execution
    def wait_kernel_idle(self, timeout: int = KERNEL_WAIT_MS) -> None:
        """Wait until a kernel is connected and idle with nothing queued (status bar and toolbar indicator)."""
        self.page.wait_for_function(
            """() => {
                const status = document.querySelector(".jp-StatusBar-TextItem[title^='Change kernel']");
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const name = panel && panel.querySelector('.jp-Toolbar-kernelName');
                const queue = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
                return !!(status && /\\| Idle$/.test(status.textContent.trim()) && name
                          && !/No Kernel/.test(name.textContent) && queue && queue.dataset.status === 'idle');
            }""", timeout=timeout, polling=100)

    def run_all(self, timeout: int = KERNEL_WAIT_MS) -> None:
        """Run → Run All Cells, then wait until every code cell shows an execution count and the kernel is idle."""
        click_menu(self.page, "Run", "Run All Cells")
        self.page.wait_for_function(
            """() => {
                const ps = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
                return ps.length > 0 && ps.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
            }""", timeout=timeout, polling=100)
        self.wait_kernel_idle(timeout)

    def prompt(self, index: int) -> str:
        return self.cell(index).locator(".jp-InputPrompt").inner_text().strip()

    def shift_enter(self, index: int, timeout: int = KERNEL_WAIT_MS) -> str:
        """Shift+Enter on cell ``index`` (already selected or being edited): run it, wait for its new execution
        count; return the prompt."""
        before = self.prompt(index)
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            "([el, before]) => { const p = el.textContent.trim(); return p !== before && /^\\[\\d+\\]:$/.test(p); }",
            arg=[self.cell(index).locator(".jp-InputPrompt").element_handle(), before], timeout=timeout, polling=100)
        self.wait_kernel_idle(timeout)
        return self.prompt(index)

    def type_source(self, index: int, text: str) -> None:
        """Replace the code of cell ``index`` with ``text``: click into its editor, select all, paste-type it."""
        self.cell(index).locator(".cm-content").click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)

    def source(self, index: int) -> str:
        """The code cell ``index``'s editor shows."""
        return "\n".join(self.cell(index).locator(".cm-content .cm-line").all_inner_texts())

    def save(self) -> None:
        """Ctrl+S, then wait until the notebook's tab no longer shows unsaved changes."""
        self.page.keyboard.press("ControlOrMeta+s")
        self.page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=UI_WAIT_MS)

    def validate(self, timeout: int = KERNEL_WAIT_MS):
        """Click nbgrader's *Validate* toolbar button; wait for and return its result dialog."""
        self.panel.locator("jp-button.validate-button").click()
        dialog = self.page.locator(".nbgrader-ErrorDialog, .nbgrader-SuccessDialog")
        dialog.wait_for(timeout=timeout)
        return dialog
