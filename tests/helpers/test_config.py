import pytest
import torch

from helpers import config


def test_pick_device_auto_is_cpu_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert config.pick_device("auto") == torch.device("cpu")


def test_pick_device_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.pick_device(None).type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.pick_device("auto").type == "mps"


def test_pick_device_explicit_and_errors(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.pick_device("CPU") == torch.device("cpu")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        config.pick_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        config.pick_device("tpu")


def test_setup_reads_environment(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COOKBOOK_PROFILE", "full")
    monkeypatch.setenv("COOKBOOK_DATA", "real")
    monkeypatch.setenv("COOKBOOK_DATA_DIR", str(tmp_path))
    course = config.setup(device="cpu")
    assert (course.profile, course.data, course.data_dir) == ("full", "real", tmp_path)
    assert "profile=full" in capsys.readouterr().out


def test_setup_arguments_override_environment(monkeypatch):
    monkeypatch.setenv("COOKBOOK_PROFILE", "full")
    course = config.setup(profile="smoke", device="cpu", data="synthetic", quiet=True)
    assert (course.profile, course.data) == ("smoke", "synthetic")


def test_auto_profile_depends_on_device(monkeypatch):
    monkeypatch.delenv("COOKBOOK_PROFILE", raising=False)
    assert config.setup(profile="auto", device="cpu", quiet=True).profile == "quick"
    assert config.default_profile(torch.device("cuda")) == "full"


def test_bad_settings_say_what_is_allowed():
    with pytest.raises(ValueError, match="smoke, quick, full"):
        config.setup(profile="fast", device="cpu", quiet=True)
    with pytest.raises(ValueError, match="synthetic"):
        config.setup(data="fake", device="cpu", quiet=True)


def test_pick_and_seed_are_reproducible():
    course = config.setup(profile="quick", device="cpu", seed=3, quiet=True)
    assert course.pick(smoke=1, quick=2, full=3) == 2
    a = torch.rand(3)
    config.seed_everything(3)
    assert torch.equal(a, torch.rand(3))


def test_threads_default_to_half_the_cores():
    assert config.choose_threads(cores=2, environ={})[0] == 1
    assert config.choose_threads(cores=8, environ={})[0] == 4
    assert config.choose_threads(cores=1, environ={})[0] == 1
    assert "busy machine" in config.choose_threads(cores=4, environ={})[1]


def test_threads_follow_argument_then_environment():
    assert config.choose_threads(3, cores=2, environ={"COOKBOOK_THREADS": "2"}) == (3, "set by setup(threads=...)")
    assert config.choose_threads(None, cores=2, environ={"COOKBOOK_THREADS": "2", "OMP_NUM_THREADS": "1"})[0] == 2
    assert config.choose_threads("auto", cores=2, environ={"OMP_NUM_THREADS": "2"}) == (2, "set by OMP_NUM_THREADS")
    with pytest.raises(ValueError, match="COOKBOOK_THREADS='many'"):
        config.choose_threads(None, environ={"COOKBOOK_THREADS": "many"})
    with pytest.raises(ValueError, match="at least 1"):
        config.choose_threads(0, environ={})


def test_setup_applies_and_shows_the_thread_choice(monkeypatch, capsys):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("COOKBOOK_THREADS", "1")
    before = torch.get_num_threads()
    try:
        course = config.setup(profile="smoke", device="cpu", data="synthetic")
        assert course.threads == 1 == torch.get_num_threads()
        assert "CPU threads: 1 (set by COOKBOOK_THREADS)" in capsys.readouterr().out
    finally:
        torch.set_num_threads(before)
