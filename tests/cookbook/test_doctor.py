"""`cookbook doctor`: the environment report, in a checkout and in a student edition (the unpacked bundle, which
has notebooks/ and no solutions/). The bundle's own wheel is run in test_bundle.py."""
import nbformat
import pytest
import torch

from cookbook import doctor as doctor_module
from cookbook.doctor import doctor


@pytest.fixture(autouse=True)
def _keep_threads():
    """doctor() resolves the settings the way a notebook's setup does, which sets torch's threads: restore them."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _report(monkeypatch, cwd, **env) -> tuple[int, dict[str, str]]:
    for key in ("COOKBOOK_PROFILE", "COOKBOOK_DEVICE", "COOKBOOK_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(cwd)
    lines: list[str] = []
    code = doctor(out=lines.append)
    return code, {line[:12].strip(): line[12:] for line in lines}


def _student_edition(folder):
    """A folder laid out like the unpacked student bundle: notebooks/<chapter>/<notebook>, no solutions/."""
    chapter = folder / "notebooks" / "ch01_tensors"
    chapter.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), chapter / "01_setup.ipynb")
    return folder


def test_doctor_in_the_checkout(monkeypatch, root, tmp_path):
    monkeypatch.delenv("COOKBOOK_ROOT", raising=False)
    code, lines = _report(monkeypatch, tmp_path, COOKBOOK_PROFILE="smoke", COOKBOOK_DEVICE="cpu", COOKBOOK_THREADS="1")
    assert code == 0
    assert lines["python"] and lines["torch"].startswith(torch.__version__)
    assert lines["profile"].startswith("smoke") and lines["device"].startswith("cpu")
    assert lines["CPU threads"] == "1   (set by COOKBOOK_THREADS)"
    assert lines["data dir"] and lines["data sets"]
    assert lines["course"].startswith(f"checkout {root}") and "ch01_tensors" in lines["course"]
    assert "released" in lines  # a checkout-only fact


def test_doctor_in_a_student_edition(monkeypatch, tmp_path):
    """No solutions/ anywhere (COOKBOOK_ROOT points at a folder without one, like an installed wheel): the course
    is the notebooks/ folder found from the current folder up."""
    bundle = _student_edition(tmp_path / "bundle")
    code, lines = _report(monkeypatch, bundle / "notebooks" / "ch01_tensors", COOKBOOK_ROOT=str(bundle),
                          COOKBOOK_DATA_DIR=str(tmp_path / "data"))
    assert code == 0
    assert lines["course"] == f"student edition {bundle.resolve()}: chapters ch01_tensors"
    assert lines["data dir"].startswith(f"{tmp_path / 'data'} (not created yet")
    threads = torch.get_num_threads()
    assert lines["CPU threads"].startswith(f"{threads}   (half of ")
    assert "released" not in lines


def test_doctor_without_a_course_says_where_to_run_it(monkeypatch, tmp_path):
    code, lines = _report(monkeypatch, tmp_path, COOKBOOK_ROOT=str(tmp_path))
    assert code == 0 and lines["course"].startswith(f"no notebooks/ folder in {tmp_path}")


def test_a_missing_package_fails_with_the_install_command(monkeypatch, tmp_path):
    bundle = _student_edition(tmp_path / "bundle")
    monkeypatch.setattr(doctor_module, "MODULES", doctor_module.MODULES + ("nosuchmod",))
    code, lines = _report(monkeypatch, bundle, COOKBOOK_ROOT=str(bundle))
    assert code == 1
    assert lines["nosuchmod"].endswith("MISSING: run `pip install -r requirements.txt wheels/*.whl` (README.md)")


def test_a_package_that_slows_every_start_is_named_with_the_fix(monkeypatch, tmp_path):
    real = doctor_module._version
    monkeypatch.setattr(doctor_module, "_version", lambda name: "1.1.0" if name == "rfc3987-syntax" else real(name))
    _, lines = _report(monkeypatch, tmp_path, COOKBOOK_ROOT=str(tmp_path))
    assert lines["startup"].startswith("slow: rfc3987-syntax 1.1.0") and "pip uninstall rfc3987-syntax lark" in lines["startup"]
    monkeypatch.setattr(doctor_module, "_version", lambda name: None if name == "rfc3987-syntax" else real(name))
    _, lines = _report(monkeypatch, tmp_path, COOKBOOK_ROOT=str(tmp_path))
    assert lines["startup"] == "fast (rfc3987-syntax not installed)"
