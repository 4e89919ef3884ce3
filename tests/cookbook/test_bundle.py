"""The student bundle: notebooks, the course's wheel, environment files, README; no solutions anywhere;
and `cookbook check` works from it."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from cookbook import rules
from cookbook.bundle import build_bundle
from tests.course import ROOT, SOLUTIONS, released_of

pytestmark = pytest.mark.xdist_group("bundle")
MIN_LINE = 25  # a one-line answer shorter than this ("return x") says nothing


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "student-bundle"
    zip_path = build_bundle(ROOT, out)
    return out, zip_path


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _notebook_lines(text: str) -> list[str]:
    nb = json.loads(text)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    sources += [r["source"] for r in nb.get("metadata", {}).get("cookbook", {}).get("graded_cells", [])]
    return [line for source in sources for line in _lines(source)]


def _secrets() -> list[tuple[str, ...]]:
    """What must not leak: every pair of consecutive lines of a solution or hidden-test block, and every
    one-line answer, unless the student edition shows those lines anyway (a stub's signature, a demo)."""
    shown = {line for path in SOLUTIONS for line in _notebook_lines(released_of(path).read_text())}
    secrets = set()
    for path in SOLUTIONS:
        for cell in json.loads(path.read_text())["cells"]:
            for begin, end in ((rules.SOLUTION_BEGIN, rules.SOLUTION_END), (rules.HIDDEN_BEGIN, rules.HIDDEN_END)):
                block, inside = [], False
                for line in _lines("".join(cell["source"])):
                    if begin in line:
                        inside, block = True, []
                    elif end in line:
                        inside = False
                        hidden = [x for x in block if x not in shown and not x.startswith("#")]
                        secrets.update(zip(hidden, hidden[1:]))
                        if len(block) == 1 and len(block[0]) >= MIN_LINE and block[0] not in shown:
                            secrets.add((block[0],))
                    elif inside:
                        block.append(line)
    return sorted(secrets)


def _bundle_files(out) -> dict[str, list[str]]:
    """Lines of every text file of the bundle, the wheel's files included."""
    files = {}
    for path in out.rglob("*"):
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    files[f"{path.name}:{name}"] = _lines(zf.read(name).decode("utf-8", errors="ignore"))
        elif path.is_file():
            text = path.read_text(errors="ignore")
            files[str(path.relative_to(out))] = _notebook_lines(text) if path.suffix == ".ipynb" else _lines(text)
    return files


def test_bundle_layout(bundle):
    out, zip_path = bundle
    assert zip_path.suffix == ".zip" and zip_path.is_file()
    for name in ("README.md", "requirements.txt", "environment.yml"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == sorted({p.parent.name for p in SOLUTIONS})
    wheel = next((out / "wheels").glob("pytorch_cookbook_lab-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        top = {n.split("/")[0] for n in zf.namelist()}
    assert {"helpers", "cookbook"} <= top and not any(n.startswith(("solutions", "tests", "notebooks")) for n in top)
    assert "torch==" in (out / "requirements.txt").read_text()
    assert wheel.name in (out / "environment.yml").read_text() and "-e ." not in (out / "environment.yml").read_text()


def test_bundle_contains_no_solution(bundle):
    out, _ = bundle
    files = _bundle_files(out)
    markers = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    # cookbook/rules.py names the markers: it is the tooling that strips them
    leaks = [f"{name}: marker {m!r}" for name, lines in files.items() if not name.endswith("cookbook/rules.py")
             for m in markers if any(m in line for line in lines)]
    secrets = _secrets()
    assert len(secrets) > 100, "the scan must have solution lines to look for"
    for name, lines in files.items():
        singles, pairs = set(lines), set(zip(lines, lines[1:]))
        leaks += [f"{name}: {' / '.join(s)}" for s in secrets if (s[0] in singles if len(s) == 1 else s in pairs)]
    assert not leaks, "\n".join(leaks[:30])


@pytest.fixture(scope="module")
def student_env(bundle, tmp_path_factory):
    """The environment of a student who installed the bundle's wheel: no checkout, no solutions/ in reach."""
    out, _ = bundle
    tmp = tmp_path_factory.mktemp("student")
    site = tmp / "site"
    wheel = next((out / "wheels").glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                   check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "COOKBOOK_DATA_DIR": str(tmp / "data")}
    env.pop("COOKBOOK_ROOT", None)
    where = subprocess.run([sys.executable, "-c", "import cookbook, helpers; print(cookbook.__file__, helpers.__file__)"],
                           cwd=out, env=env, capture_output=True, text=True, check=True).stdout
    assert where.count(str(site)) == 2, f"the bundle's wheel must be what runs: {where}"
    return env


def test_self_check_works_from_the_bundle(bundle, student_env):
    """The wheel's cookbook and helpers, with no checkout and no solutions/ in reach."""
    out, _ = bundle
    notebook = sorted((out / "notebooks").rglob("*.ipynb"))[0]
    proc = subprocess.run([sys.executable, "-m", "cookbook", "check", str(notebook), "--json"],
                          cwd=out, env=student_env, capture_output=True, text=True)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["rows"], proc.stderr
    assert {r["status"] for r in report["rows"]} == {"not attempted"}, report["rows"]


def test_doctor_works_from_the_bundle(bundle, student_env):
    """`cookbook doctor` in the unpacked bundle (also from a folder inside it) reports what notebooks will use."""
    import torch

    from helpers.config import choose_threads

    out, _ = bundle
    env = {**student_env, "COOKBOOK_PROFILE": "smoke", "COOKBOOK_DEVICE": "cpu", "COOKBOOK_THREADS": ""}
    env.pop("OMP_NUM_THREADS", None)
    proc = subprocess.run([sys.executable, "-m", "cookbook", "doctor"], cwd=out / "notebooks", env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = {line[:12].strip(): line[12:] for line in proc.stdout.splitlines()}
    assert lines["torch"].startswith(torch.__version__) and "MISSING" not in proc.stdout
    assert lines["device"].startswith("cpu") and lines["profile"].startswith("smoke")
    assert lines["CPU threads"].startswith(f"{choose_threads(environ={})[0]} ")
    assert lines["data dir"].startswith(env["COOKBOOK_DATA_DIR"])
    assert lines["course"].startswith(f"student edition {out.resolve()}") and "ch01_tensors" in lines["course"]
    assert "not a course checkout" not in proc.stdout + proc.stderr
