"""Grading kernels in a sandbox: a student's code runs where it cannot reach anything else.

A submission's exercise cells and the tests that grade them share one kernel, so the kernel is
untrusted. Like the container-per-submission graders (Otter-Grader, PrairieLearn, Gradescope), the
course protects what matters by *where* that kernel runs, not by reading the student's code. On
Linux every grading kernel starts under `bubblewrap <https://github.com/containers/bubblewrap>`_
(``bwrap``, Debian package ``bubblewrap``):

* **no network**: a new network namespace with only its own loopback;
* **a minimal, read-only filesystem**: the system folders, the Python installation and the course's
  packages (``helpers``, ``cookbook``), the prepared stand-in data; writable are only the folder the
  notebook runs in (the student's own ``autograded/<student>/<assignment>/``) and a private ``/tmp``.
  ``solutions/``, ``source``/``release`` folders, the grade book, other students' folders and the
  instructor's home do not exist in there at all;
* **no process outlives the kernel**: a new PID namespace whose first process is bubblewrap's init;
  when the kernel ends, every process it started ends with it (a forked child in a new session
  included), and the whole sandbox dies with the grader (``--die-with-parent``);
* **limits**: address space (``COOKBOOK_GRADE_MEMORY_MB``) and CPU time (``COOKBOOK_GRADE_CPU_S``)
  per process, on top of the per-cell and per-submission time limits of :mod:`cookbook.rules`;
* no capabilities, a new session (no terminal to type into), an empty IPC namespace.

The grader, nbgrader's database and the comparison of results stay outside: the kernel talks to
nbgrader over jupyter_client's ``ipc`` transport (Unix sockets in a private runtime folder that is
bound into the sandbox) and interrupts arrive as messages (a signal to bubblewrap would not reach
the kernel in its own session).

What it does not protect: code inside the kernel can still tamper with the tests that run in the
same kernel (:mod:`helpers.checks` defends and :mod:`cookbook.audit` flags that), and the sandbox
shares the machine's CPU and memory with other kernels (hence the limits).

On macOS and Windows there is no bubblewrap: grade inside a Linux container built from the lock file
(README, "Grading on macOS or Windows"), or pass ``--unsandboxed`` to ``cookbook grade`` knowingly
(every CSV row and feedback page then says so).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Unicode, default

from .rules import SANDBOX_VARIABLE

#: The data folder bound into grading sandboxes (read-only; the grader prepares its stand-ins first).
DATA_VARIABLE = "COOKBOOK_SANDBOX_DATA_DIR"
MEMORY_MB = 8192
CPU_SECONDS = 3600
#: What the kernel sees as its data folder when the grader prepared none (private and writable).
PRIVATE_DATA = "/tmp/cookbook-data"
_SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_LIMITS = ("import os, resource, sys\n"
           "for name, value in ((resource.RLIMIT_AS, int(sys.argv[1]) << 20), (resource.RLIMIT_CPU, int(sys.argv[2]))):\n"
           "    resource.setrlimit(name, (value, value))\n"
           "os.execv(sys.argv[3], sys.argv[3:])\n")


class SandboxUnavailable(RuntimeError):
    """Grading was asked to sandbox its kernels, and this machine cannot."""


def memory_mb(environ: Mapping[str, str] | None = None) -> int:
    """Address-space limit of every process in a grading sandbox, in MiB (``COOKBOOK_GRADE_MEMORY_MB``)."""
    return int((os.environ if environ is None else environ).get("COOKBOOK_GRADE_MEMORY_MB") or MEMORY_MB)


def cpu_seconds(environ: Mapping[str, str] | None = None) -> int:
    """CPU-time limit of every process in a grading sandbox (``COOKBOOK_GRADE_CPU_S``)."""
    return int((os.environ if environ is None else environ).get("COOKBOOK_GRADE_CPU_S") or CPU_SECONDS)


def bwrap_path() -> str | None:
    """The ``bwrap`` executable, or None."""
    return shutil.which("bwrap")


@lru_cache(maxsize=1)
def problem() -> str:
    """Why grading kernels cannot be sandboxed here ('' when they can): bwrap missing, or unable to run."""
    if not sys.platform.startswith("linux"):
        return (f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}: grade in a Linux container "
                "(README: 'Grading on macOS or Windows') or pass --unsandboxed")
    exe = bwrap_path()
    if exe is None:
        return ("bubblewrap is not installed (no `bwrap` on PATH): install it (Debian/Ubuntu: apt-get install "
                "bubblewrap; Fedora: dnf install bubblewrap) or pass --unsandboxed")
    probe = subprocess.run(wrap([sys.executable, "-c", "print('ok')"], cwd=Path(tempfile.gettempdir())),
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        return (f"bubblewrap is installed but cannot start a sandbox here ({probe.stderr.strip()[-300:] or probe.returncode}); "
                "it needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or root")
    return ""


def _python_dirs() -> list[Path]:
    """Folders the kernel's Python needs: the installation, the virtual environment, the course's packages."""
    dirs = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
            Path(sys.executable).resolve().parent.parent}
    for package in ("helpers", "cookbook"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            dirs.update(Path(p).resolve() for p in spec.submodule_search_locations)
    keep = sorted(d for d in dirs if d.is_dir() and str(d) != "/")
    # a folder inside another one is bound with it
    return [d for d in keep if not any(o != d and o in d.parents for o in keep)]


@lru_cache(maxsize=None)
def prepare_standins(profile: str, data_dir: Path | None = None) -> Path:
    """Build every data set's stand-in for ``profile`` (once; cached) and return the data folder holding them.

    Grading binds that folder read-only into every sandbox, so no student's kernel can change what another
    student's kernel reads, and no kernel spends time rebuilding a stand-in.
    """
    from helpers.config import default_data_dir, setup
    from helpers.data import policy
    from helpers.data.registry import REGISTRY

    course = setup(profile=profile, device="cpu", data="synthetic", data_dir=data_dir or default_data_dir(),
                   quiet=True)
    for name in REGISTRY:
        policy.standin(course, name)
    from helpers.data import mnist_npz

    mnist_npz(course)  # and what loaders derive from the stand-ins (decompressed idx files, the .npz) once
    return Path(course.data_dir).resolve()


def wrap(command: list[str], cwd: Path, runtime: Path | None = None, data_dir: Path | None = None,
         environ: Mapping[str, str] | None = None, data_writable: bool = False) -> list[str]:
    """``command`` prefixed with the bubblewrap sandbox of a grading kernel that works in ``cwd``.

    ``runtime`` (the kernel's connection file and sockets) and ``cwd`` are bound writable; ``data_dir``
    becomes the kernel's ``COOKBOOK_DATA_DIR``: read-only (grading: prepared by :func:`prepare_standins`) or,
    with ``data_writable`` (a student's self-check of their own notebook), writable. Without it the kernel
    gets a private, empty data folder.
    """
    exe = bwrap_path() or "bwrap"
    args = [exe, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    for folder in _SYSTEM_DIRS:
        path = Path(folder)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp"]
    for folder in _python_dirs():
        args += ["--ro-bind", str(folder), str(folder)]
    # later mounts shadow earlier ones: the writable folders come after the tmpfs on /tmp
    inside_data = PRIVATE_DATA
    if data_dir is not None and Path(data_dir).is_dir():
        inside_data = str(Path(data_dir).resolve())
        args += ["--bind" if data_writable else "--ro-bind", inside_data, inside_data]
    cwd = Path(cwd).resolve()
    args += ["--bind", str(cwd), str(cwd)]
    if runtime is not None:
        args += ["--bind", str(runtime), str(runtime)]
    home = "/tmp/home"
    args += ["--dir", home, "--setenv", "HOME", home, "--setenv", "TMPDIR", "/tmp",
             "--setenv", "COOKBOOK_DATA_DIR", inside_data, "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
             "--setenv", "IPYTHONDIR", "/tmp/ipython", "--setenv", "XDG_CACHE_HOME", "/tmp/cache",
             "--setenv", "TORCH_HOME", "/tmp/torch", "--setenv", "COOKBOOK_SANDBOXED", "1",
             # the kernel would shut itself down when it cannot see this parent (a new PID namespace hides it)
             "--unsetenv", "JPY_PARENT_PID", "--chdir", str(cwd), "--"]
    limits = [sys.executable, "-S", "-c", _LIMITS, str(memory_mb(environ)), str(cpu_seconds(environ))]
    return args + limits + [_absolute(command[0])] + list(command[1:])


def _absolute(program: str) -> str:
    return program if os.path.isabs(program) else (shutil.which(program) or program)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the grading sandbox (see the module docstring).

    nbgrader's ``Execute`` (and so ``nbgrader autograde``, ``cookbook grade`` and ``cookbook check``)
    uses it through ``c.Execute.kernel_manager_class`` (:func:`cookbook.rules.apply_execution_rules`).
    """

    data_dir = Unicode(config=True, help="data folder the kernel sees (prepared stand-ins); empty: a private one "
                                         "(default: the grader's data folder, its stand-ins built first)")
    data_writable = Bool(False, config=True, help="bind data_dir writable (a self-check of one's own notebook)")

    @default("data_dir")
    def _data_dir_default(self) -> str:
        # `cookbook grade` prepares the stand-ins once for the class; plain `nbgrader autograde` does it here
        from .rules import grading_environment

        return os.environ.get(DATA_VARIABLE) or str(prepare_standins(grading_environment()["COOKBOOK_PROFILE"]))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._runtime = Path(tempfile.mkdtemp(prefix="cookbook-kernel-"))
        self.transport = "ipc"
        self.connection_file = str(self._runtime / "kernel.json")
        self.ip = str(self._runtime / "kernel-ipc")

    @property
    def kernel_spec(self):  # type: ignore[override]
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # SIGINT to bubblewrap would not reach the kernel's session
        return spec

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        why = problem()
        if why:
            raise SandboxUnavailable(f"cannot start a sandboxed grading kernel: {why} "
                                     f"(or set {SANDBOX_VARIABLE}=off to grade without a sandbox)")
        cwd = Path(kw.get("cwd") or os.getcwd())
        kernel_cmd = wrap(kernel_cmd, cwd, self._runtime, Path(self.data_dir) if self.data_dir else None,
                          data_writable=self.data_writable)
        # without JPY_PARENT_PID the kernel prints its connection banner on stdout: that is not the notebook's
        kw.setdefault("stdout", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self._runtime, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources
