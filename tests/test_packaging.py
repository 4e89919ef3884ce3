"""The environment files agree with each other, and the package exposes its entry points."""
import subprocess
import sys
import tomllib

import yaml

from conftest import ROOT


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_environment_yml_mirrors_pyproject():
    project = _pyproject()
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert set(pip) - {"-e ."} == wanted
    assert "-e ." in pip
    assert "python=3.11" in env["dependencies"]


def test_lock_file_agrees_with_pins():
    lock = dict(line.split("==", 1) for line in (ROOT / "requirements.lock").read_text().splitlines()
                if "==" in line)
    lock = {k.lower().replace("_", "-"): v for k, v in lock.items()}
    project = _pyproject()
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = req.split("==")
        assert lock.get(name.lower()) == version, f"requirements.lock pins {name} {lock.get(name.lower())}, pyproject {version}"


def test_console_script_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "helpers", "--help"], capture_output=True, text=True, check=True)
    for command in ("run", "release", "check", "grade", "doctor", "data"):
        assert command in out.stdout
    assert _pyproject()["scripts"]["cookbook"] == "helpers.cli:main"
