"""The stand-in build cache: built once, atomically, rebuilt when the version changes, nothing left behind."""
from __future__ import annotations

import dataclasses
import json

import numpy as np

from helpers.data import policy
from helpers.data.cache import cached, cached_profiles, standin_root, standins
from helpers.data.dataset import DataSet
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import course


def test_cache_builds_once_and_replaces_other_versions(tmp_path):
    calls = []

    def build(folder):
        calls.append(folder)
        (folder / "payload").write_text(str(len(calls)))

    root = tmp_path / "standin" / "thing" / "smoke"
    assert cached(root, build, 4, {"name": "thing"}) == root and cached(root, build, 4) == root
    assert len(calls) == 1 and (root / "payload").read_text() == "1"
    assert json.loads((root / "standin.json").read_text()) == {"version": 4, "name": "thing"}
    cached(root, build, 5)
    assert len(calls) == 2 and (root / "payload").read_text() == "2"
    assert sorted(p.name for p in root.parent.iterdir()) == ["smoke"], "no temporary folders left"


def test_interrupted_build_leaves_nothing_and_is_retried(tmp_path):
    def broken(folder):
        (folder / "half").write_text("x")
        raise KeyboardInterrupt

    root = tmp_path / "standin" / "thing" / "smoke"
    try:
        cached(root, broken, 1)
    except KeyboardInterrupt:
        pass
    assert list(root.parent.iterdir()) == [], "no half-written stand-in"
    cached(root, lambda folder: (folder / "whole").write_text("y"), 1)
    assert (root / "whole").is_file()


def _counting_entry(name: str, calls: list[str]) -> DataSet:
    def generate(folder, sizes, rng):
        calls.append(name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "values.npy").write_bytes(rng.integers(0, 9, sizes).tobytes())

    return dataclasses.replace(REGISTRY["news"], name=name, generate=generate, seed=1,
                               sizes={"smoke": (3,), "quick": (4,), "full": (5,)})


def test_bumping_one_data_set_version_rebuilds_only_that_one(tmp_path, monkeypatch):
    calls: list[str] = []
    for name in ("first", "second"):
        monkeypatch.setitem(REGISTRY, name, _counting_entry(name, calls))
    c = course(tmp_path, "synthetic")
    first = (policy.standin(c, "first") / "values.npy").read_bytes()
    policy.standin(c, "second")
    assert calls == ["first", "second"]
    policy.standin(c, "first")
    policy.standin(c, "second")
    assert calls == ["first", "second"], "cached"
    bumped = dataclasses.replace(REGISTRY["first"], version=REGISTRY["first"].version + 1)
    monkeypatch.setitem(REGISTRY, "first", bumped)
    assert (policy.standin(c, "first") / "values.npy").read_bytes() == first, "same seed, same output"
    policy.standin(c, "second")
    assert calls == ["first", "second", "first"]
    assert np.frombuffer(first, dtype=np.int64).shape == (3,), "the smoke size"


def test_the_layout_of_the_cache(tmp_path):
    assert standin_root(tmp_path, "mnist", "quick") == standins(tmp_path, "mnist") / "quick" == \
        tmp_path / "standin" / "mnist" / "quick"
    assert cached_profiles(tmp_path, "mnist") == []
    for profile in ("quick", "smoke"):
        cached(standin_root(tmp_path, "mnist", profile), lambda folder: None, 1)
    (standins(tmp_path, "mnist") / ".smoke.building").mkdir()
    (standins(tmp_path, "mnist") / ".smoke.building" / "standin.json").write_text("{}")
    (standins(tmp_path, "mnist") / "full").mkdir()
    assert cached_profiles(tmp_path, "mnist") == ["quick", "smoke"], "complete builds only, sorted"
