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
