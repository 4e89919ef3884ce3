"""The grading sandbox: a kernel started by the grader can neither read solutions/ nor write the grade book,
reach the network, nor leave a process behind; the course's code still runs in it."""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cookbook import rules, sandbox

pytestmark = pytest.mark.skipif(
    bool(sandbox.problem()) and os.environ.get("COOKBOOK_REQUIRE_SANDBOX") != "1",
    reason=f"no grading sandbox here: {sandbox.problem()}")


def test_sandbox_is_available_where_ci_requires_it():
    assert sandbox.problem() == "", sandbox.problem()


def test_wrap_binds_the_working_folder_after_the_private_tmp(tmp_path):
    args = sandbox.wrap(["python", "-c", "pass"], tmp_path, runtime=tmp_path / "rt")
    assert args[0].endswith("bwrap") and "--unshare-all" in args and "--die-with-parent" in args
    assert args.index("--tmpfs") < args.index(str(tmp_path.resolve()))  # later mounts shadow earlier ones
    assert "JPY_PARENT_PID" in args and args[-3:] == [args[-3], "-c", "pass"]
    assert not any(str(Path.cwd()) == a for a in args), "the course folder itself must not be bound"


@pytest.fixture
def course(tmp_path):
    """A grader's folder: solutions, a grade book, two students' autograded folders."""
    root = tmp_path / "course"
    (root / "solutions" / "ch").mkdir(parents=True)
    (root / "solutions" / "ch" / "answers.ipynb").write_text("{}")
    (root / "gradebook.db").write_text("grades")
    for student in ("alice", "bob"):
        (root / "autograded" / student / "ch").mkdir(parents=True)
    (root / "autograded" / "bob" / "ch" / "work.txt").write_text("bob's")
    return root


def _run(cells: list[str], cwd: Path, timeout: int = 120, **options) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_manager_class=rules.SANDBOXED_KERNEL_MANAGER,
                            resources={"metadata": {"path": str(cwd)}}, allow_errors=True, **options)
    client.execute()
    return nb


def _stdout(cell) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, "\n".join(errors[0].traceback)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_kernel_sees_only_its_folder(course):
    alice = course / "autograded" / "alice" / "ch"
    probe = f"""
import os
root = {str(course)!r}
for path in [root + "/solutions", root + "/gradebook.db", root + "/autograded/bob/ch/work.txt", "/root/.ssh"]:
    print(path.replace(root, "ROOT"), os.path.exists(path))
print("listing", sorted(os.listdir(root)), sorted(os.listdir(root + "/autograded")))
open("mine.txt", "w").write("ok")
try:
    open({sys.prefix!r} + "/evil.txt", "w")
except OSError as exc:
    print("venv", type(exc).__name__)
"""
    out = _stdout(_run([probe], alice).cells[0])
    assert "ROOT/solutions False" in out and "ROOT/gradebook.db False" in out and "/root/.ssh False" in out
    assert "ROOT/autograded/bob/ch/work.txt False" in out
    # the grader's folder exists in there only as the path to the student's own folder
    assert "listing ['autograded'] ['alice']" in out
    assert "venv OSError" in out
    assert (alice / "mine.txt").read_text() == "ok"
    assert not Path(sys.prefix, "evil.txt").exists()


def test_no_network_even_to_this_machine(course):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    try:
        code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    print("connected")
except OSError as exc:
    print("refused", type(exc).__name__)
"""
        out = _stdout(_run([code], course / "autograded" / "alice" / "ch").cells[0])
    finally:
        server.close()
    assert "refused" in out and not accepted


def test_no_process_outlives_the_kernel(course):
    alice = course / "autograded" / "alice" / "ch"
    heartbeat = alice / "heartbeat"
    fork = f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            with open({str(heartbeat)!r}, "a") as fh:
                fh.write("x")
            time.sleep(0.1)
    os._exit(0)
time.sleep(1)
"""
    _run([fork], alice)
    assert heartbeat.exists(), "the child never ran"
    time.sleep(0.5)
    size = heartbeat.stat().st_size
    time.sleep(1.5)
    assert heartbeat.stat().st_size == size, "a process forked by the kernel is still running"


def test_torch_and_the_course_helpers_work_inside(course):
    code = """
import torch, helpers
from helpers.checks import check_close
check_close(torch.ones(2) * 2, torch.tensor([2.0, 2.0]))
import os
print("data", os.environ["COOKBOOK_DATA_DIR"], "sandboxed", os.environ["COOKBOOK_SANDBOXED"])
"""
    out = _stdout(_run([code], course / "autograded" / "alice" / "ch").cells[0])
    assert "sandboxed 1" in out


def test_memory_limit_applies(course):
    code = """
import resource
print("as", resource.getrlimit(resource.RLIMIT_AS)[0] >> 20, "cpu", resource.getrlimit(resource.RLIMIT_CPU)[0])
"""
    out = _stdout(_run([code], course / "autograded" / "alice" / "ch").cells[0])
    assert f"as {sandbox.memory_mb()} cpu {sandbox.cpu_seconds()}" in out


def test_a_long_cell_is_interrupted_inside_the_sandbox(course):
    start = time.perf_counter()
    nb = _run(["import time\ntime.sleep(60)", "print('after')"], course / "autograded" / "alice" / "ch", timeout=3,
              interrupt_on_timeout=True, error_on_timeout=rules.timeout_error(3))
    assert time.perf_counter() - start < 50
    errors = [o.ename for o in nb.cells[0].outputs if o.output_type == "error"]
    assert errors and errors[0] in ("CellTimeoutError", "KeyboardInterrupt"), errors
    assert _stdout(nb.cells[1]) == "after\n", "the kernel did not survive the interrupt"
