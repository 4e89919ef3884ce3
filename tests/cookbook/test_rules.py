"""The grading rules live in one module, and everything that grades reads them from there."""
import re

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from cookbook import rules


def test_grading_environment_defaults_and_overrides():
    assert rules.grading_environment({}) == {"COOKBOOK_PROFILE": "smoke", "COOKBOOK_DATA": "synthetic",
                                             "COOKBOOK_DEVICE": "cpu", "MPLBACKEND": "agg", "OMP_NUM_THREADS": "1"}
    env = rules.grading_environment({"COOKBOOK_GRADE_PROFILE": "quick", "COOKBOOK_GRADE_DEVICE": "cuda"})
    assert env["COOKBOOK_PROFILE"] == "quick" and env["COOKBOOK_DEVICE"] == "cuda" and env["COOKBOOK_DATA"] == "synthetic"


def test_time_limits_and_their_overrides():
    assert rules.cell_timeout({}) == rules.CELL_TIMEOUT_S and rules.submission_timeout({}) == rules.SUBMISSION_TIMEOUT_S
    assert rules.cell_timeout({"COOKBOOK_GRADE_CELL_TIMEOUT": "7"}) == 7
    assert rules.submission_timeout({"COOKBOOK_GRADE_SUBMISSION_TIMEOUT": "99"}) == 99


def test_kernel_arguments_set_the_grading_environment():
    args = rules.kernel_arguments({"COOKBOOK_GRADE_DATA": "auto"})
    exec_lines = next(a for a in args if a.startswith("--IPKernelApp.exec_lines="))
    namespace = {}
    import os
    saved = dict(os.environ)
    try:
        exec(exec_lines.split("=", 1)[1], namespace)  # what the grading kernel runs first
        assert os.environ["COOKBOOK_DATA"] == "auto" and os.environ["COOKBOOK_PROFILE"] == "smoke"
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_nbgrader_config_file_applies_the_rules(root):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    expected = Config()
    rules.configure_nbgrader(expected, str(root))
    for section, key in [("Execute", "timeout"), ("Execute", "extra_arguments"), ("IgnorePattern", "pattern"),
                         ("CourseDirectory", "source_directory"), ("CourseDirectory", "release_directory"),
                         ("ClearSolutions", "code_stub"), ("Autograde", "autograde_preprocessors")]:
        assert config[section][key] == expected[section][key], f"{section}.{key}"
    assert config.IgnorePattern.enabled is True


def test_ignore_pattern_drops_known_warnings_only():
    assert re.search(rules.IGNORE_PATTERN, "/x.py:3: UserWarning: something deprecated\n")
    assert not re.search(rules.IGNORE_PATTERN, "debug: x = 3\n")


def test_contributing_states_the_rules(root):
    text = (root / "CONTRIBUTING.md").read_text()
    assert "cookbook/rules.py" in text
    assert f"{rules.MIN_POINTS}–{rules.MAX_POINTS} points" in text, "CONTRIBUTING must state the points range of rules.py"
    assert f"{rules.CELL_TIMEOUT_S} s" in text and rules.RAISES_TAG in text


def test_cell_roles():
    sol = {"metadata": {"nbgrader": {"solution": True, "grade": False}}}
    test = {"metadata": {"nbgrader": {"solution": False, "grade": True}}}
    assert rules.is_solution(sol) and not rules.is_test(sol)
    assert rules.is_test(test) and not rules.is_solution(test)
    assert not rules.is_test({"metadata": {}}) and rules.nbgrader_metadata({}) == {}
    assert rules.GRADE_ID.fullmatch("ex_2_4a_tests") and not rules.GRADE_ID.fullmatch("ex_2_4_tests")
