"""The registry: one complete entry per data set, whose stand-in has the files its loader reads."""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

from helpers.config import PROFILES
from helpers.data import download, policy, sets
from helpers.data.dataset import DataSet
from helpers.data.registry import REGISTRY, SETS
from helpers.data.sets import glove

#: What the real data sets have (train, test), for the ``full`` profile's sizes.
REAL_SIZES = {"fashion_mnist": (60000, 10000), "mnist": (60000, 10000), "cifar10": (50000, 10000)}


def test_registry_holds_every_data_set_module_by_name():
    modules = [info.name for info in pkgutil.iter_modules(sets.__path__)]
    assert sorted(REGISTRY) == sorted(modules) and SETS == tuple(REGISTRY)
    for name in modules:
        assert REGISTRY[name] is importlib.import_module(f"helpers.data.sets.{name}").DATASET
    assert all(isinstance(entry, DataSet) and entry.name == name for name, entry in REGISTRY.items())


def test_entries_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        REGISTRY["mnist"].version = 99


@pytest.mark.parametrize("name", SETS)
def test_entry_is_complete(name):
    entry = REGISTRY[name]
    for text_field in ("title", "folder", "homepage", "how_to_get", "standin_note", "standin_folder"):
        assert isinstance(getattr(entry, text_field), str) and getattr(entry, text_field).strip(), text_field
    assert entry.homepage.startswith(("http://", "https://"))
    assert entry.expect and all(isinstance(path, str) and path for path in entry.expect)
    for resource in entry.resources:
        assert resource.filename and resource.urls and all(u.startswith(("http://", "https://")) for u in resource.urls)
        assert resource.md5 or resource.sha256, f"{resource.filename}: a download must be verifiable"
    assert entry.unpack is None or callable(entry.unpack)
    for resource in entry.unpacked:
        assert resource.md5 or resource.sha256
    assert callable(entry.generate)
    assert set(entry.sizes) == set(PROFILES), "sizes for smoke, quick and full"
    assert isinstance(entry.seed, int) and isinstance(entry.version, int) and entry.version >= 1
    if name == "glove":
        assert entry.classes == (), "word vectors have no classes"
    else:
        assert len(entry.classes) >= 2 and len(set(entry.classes)) == len(entry.classes) and all(entry.classes)
    assert entry.sampler is None or callable(entry.sampler)


def test_unpack_functions_are_given_where_the_download_is_not_the_data():
    assert REGISTRY["cifar10"].unpack is download.unpack_tar
    assert REGISTRY["glove"].unpack is download.unpack_zip
    assert REGISTRY["news"].unpack is not None
    assert REGISTRY["mnist"].unpack is None and REGISTRY["fashion_mnist"].unpack is None


def test_sizes_grow_with_the_profile_and_full_matches_the_real_data():
    for name in ("fashion_mnist", "mnist", "cifar10", "news", "glove"):
        smoke, quick, full = (REGISTRY[name].sizes[p] for p in PROFILES)
        assert all(s < q < f for s, q, f in zip(smoke, quick, full)), name
    for name, real in REAL_SIZES.items():
        assert REGISTRY[name].sizes["full"] == real
    assert sum(REGISTRY["news"].sizes["full"][:2]) == 120000 and REGISTRY["news"].sizes["full"][2] == 7600
    assert REGISTRY["chest_xray"].sizes["full"] == {"train": (1341, 3875), "val": (8, 8), "test": (234, 390)}


def test_seeds_are_distinct_except_glove_which_replays_the_news_articles():
    seeds = {name: entry.seed for name, entry in REGISTRY.items() if name != "glove"}
    assert len(set(seeds.values())) == len(seeds)
    assert REGISTRY["glove"].seed == REGISTRY["news"].seed
    assert REGISTRY["glove"].sizes == {p: s[:1] for p, s in REGISTRY["news"].sizes.items()}


@pytest.mark.parametrize("name", SETS)
def test_standin_has_the_files_the_loader_expects(smoke, name):
    folder = policy.standin(smoke, name)
    assert folder == smoke.data_dir / "standin" / name / "smoke" / REGISTRY[name].standin_folder
    missing = [path for path in REGISTRY[name].expect if not (folder / path).exists()]
    assert not missing, f"the {name} stand-in lacks {missing}"


def test_glove_standin_has_every_real_file(smoke):
    folder = policy.standin(smoke, "glove")
    assert sorted(p.name for p in folder.glob("glove.6B.*d.txt")) == sorted(glove.filename(d) for d in glove.DIMS)
