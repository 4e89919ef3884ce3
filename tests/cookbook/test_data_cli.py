"""``cookbook data``: list, download and verify the course data sets (offline: local mirrors only)."""
from __future__ import annotations

import dataclasses

from cookbook.data_cli import main as data_cli
from helpers import data
from helpers.data import download
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import course, mirrored, write_idx_fixture


def test_list_shows_real_missing_and_cached_standins(tmp_path, capsys):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    data.news(course(tmp_path, "synthetic"))
    capsys.readouterr()
    assert data_cli(["--data-dir", str(tmp_path), "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[3:]}
    assert list(lines) == list(REGISTRY)
    assert "present" in lines["mnist"] and "missing" in lines["fashion_mnist"]
    assert "manual download" in lines["chest_xray"] and "smoke" in lines["news"] and "none" in lines["cifar10"]


def test_verify_flags_files_that_do_not_match_the_real_checksums(tmp_path, capsys):
    write_idx_fixture(tmp_path / "MNIST" / "raw")
    assert data_cli(["--data-dir", str(tmp_path), "verify"]) == 1, "fixture files do not match MNIST's md5s"
    out = capsys.readouterr().out
    assert out.count("BAD mnist") == 4 and "4 file(s) checked, 4 bad" in out


def test_verify_accepts_good_files(tmp_path, capsys, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    write_idx_fixture(raw)
    resources = tuple(mirrored(raw / resource.filename) for resource in REGISTRY["mnist"].resources)
    monkeypatch.setitem(REGISTRY, "mnist", dataclasses.replace(REGISTRY["mnist"], resources=resources))
    assert data_cli(["--data-dir", str(tmp_path), "verify"]) == 0
    assert "4 file(s) checked, 0 bad" in capsys.readouterr().out


def test_download_from_a_mirror(tmp_path, capsys, monkeypatch):
    write_idx_fixture(tmp_path / "mirror")
    resources = tuple(mirrored(tmp_path / "mirror" / r.filename) for r in REGISTRY["fashion_mnist"].resources)
    monkeypatch.setitem(REGISTRY, "fashion_mnist", dataclasses.replace(REGISTRY["fashion_mnist"], resources=resources))
    assert data_cli(["--data-dir", str(tmp_path / "data"), "download", "fashion_mnist"]) == 0
    assert "fashion_mnist: ready in" in capsys.readouterr().out
    assert data.fashion_mnist(course(tmp_path / "data", "real")).standin is False


def test_download_all_skips_glove_and_reports_failures(tmp_path, capsys, monkeypatch):
    tried = []

    def fail(data_dir, entry):
        tried.append(entry.name)
        raise download.DownloadError("no network (test)")
    monkeypatch.setattr(download, "download_dataset", fail)
    assert data_cli(["--data-dir", str(tmp_path), "download", "all"]) == 1
    assert tried == ["fashion_mnist", "mnist", "cifar10", "news"], "downloadable, auto-download data sets"
    assert capsys.readouterr().out.count("FAILED") == 4


def test_unknown_data_set(tmp_path, capsys):
    assert data_cli(["--data-dir", str(tmp_path), "download", "mnist", "nonsense"]) == 2
    assert "unknown data set(s) nonsense" in capsys.readouterr().out
    assert not (tmp_path / "MNIST").exists(), "nothing downloaded when a name is wrong"


def test_data_dir_that_is_a_file(tmp_path, capsys):
    (tmp_path / "data").write_text("a file, not a folder")
    assert data_cli(["--data-dir", str(tmp_path / "data"), "list"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().out
