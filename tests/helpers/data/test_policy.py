"""helpers.data.policy: lookups without side effects, the policy applied once, its state in one replaceable object."""
from __future__ import annotations

import dataclasses

import pytest

from helpers.data import policy
from helpers.data.policy import Found, PolicyState, find, locate, obtain, state, use_state
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import course, mirrored, write_idx_fixture


def test_use_state_replaces_the_state_and_restores_it(policy_state):
    assert state() is policy_state and policy_state == PolicyState()
    policy.announce("key", "heading", "message")
    mine = PolicyState(shown={"mnist"})
    with use_state(mine) as current:
        assert current is mine and state() is mine
        with use_state() as fresh:
            assert state() is fresh and not fresh.shown and not fresh.unreachable
        assert state() is mine
    assert state() is policy_state and policy_state.shown == {"key"}


def test_find_only_looks(tmp_path, no_network, capsys):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    for data_policy in ("auto", "real"):
        assert find(course(tmp_path, data_policy), "mnist") == Found(tmp_path / "MNIST" / "raw", False)
    assert find(course(tmp_path, "synthetic"), "mnist") == Found(
        tmp_path / "standin" / "mnist" / "smoke" / "MNIST" / "raw", True, "data policy 'synthetic'")
    missing = find(course(tmp_path, "real"), "cifar10")
    assert missing.standin and missing.reason == f"not found in {tmp_path / REGISTRY['cifar10'].folder}"
    assert capsys.readouterr().out == "" and not (tmp_path / "standin").exists(), "nothing printed or built"
    assert state() == PolicyState()
    with pytest.raises(dataclasses.FrozenInstanceError):
        missing.standin = False


def test_obtain_downloads_what_may_be_downloaded(tmp_path, monkeypatch, capsys):
    write_idx_fixture(tmp_path / "mirror")
    resources = tuple(mirrored(tmp_path / "mirror" / r.filename) for r in REGISTRY["mnist"].resources)
    monkeypatch.setitem(REGISTRY, "mnist", dataclasses.replace(REGISTRY["mnist"], resources=resources))
    c = course(tmp_path / "data", "auto")
    assert find(c, "mnist").standin
    assert obtain(c, "mnist") == Found(tmp_path / "data" / "MNIST" / "raw", False)
    assert find(c, "mnist") == Found(tmp_path / "data" / "MNIST" / "raw", False) and capsys.readouterr().out == ""


def test_obtain_offline_falls_back_once_and_remembers_why(tmp_path, offline, capsys, policy_state):
    c = course(tmp_path, "auto")
    found = obtain(c, "fashion_mnist")
    assert found.standin and found.reason == f"not in {tmp_path} and the download failed: offline?"
    assert "no network (test)" in policy_state.unreachable["fashion_mnist"] and "fashion_mnist" in policy_state.shown
    assert obtain(c, "fashion_mnist") == found
    assert capsys.readouterr().out.count("STAND-IN DATA for Fashion-MNIST") == 1
    assert not (tmp_path / "standin").exists(), "obtain does not build the stand-in"
    with pytest.raises(policy.DataUnavailable, match="earlier in this session"):
        obtain(course(tmp_path, "real"), "fashion_mnist")


def test_obtain_without_a_download(tmp_path, no_network, capsys):
    with pytest.raises(policy.DataUnavailable, match="it is not in"):
        obtain(course(tmp_path, "real"), "chest_xray")
    assert obtain(course(tmp_path, "synthetic"), "mnist").reason == "data policy 'synthetic'"
    assert obtain(course(tmp_path, "auto"), "chest_xray").reason.startswith("not found in")
    assert capsys.readouterr().out.count("STAND-IN DATA") == 2


def test_locate_builds_the_standin(tmp_path, no_network):
    found = locate(course(tmp_path, "synthetic"), "news")
    assert found.standin and all((found.folder / f"{split}.csv").is_file() for split in ("train", "valid", "test"))
    assert found == obtain(course(tmp_path, "synthetic"), "news")
