"""Verified downloads: mirrors, checksums, sizes; bad files never used or left behind; data sets and archives."""
from __future__ import annotations

import dataclasses
import hashlib
import http.server
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest
import torch

from helpers import data
from helpers.data.download import (DownloadError, Resource, check_file, download_dataset, fetch, present,
                                   unpack_tar, unpack_zip, verify_dataset)
from helpers.data.registry import REGISTRY
from tests.helpers.data.realfiles import course, mirrored

PAYLOAD = b"idx-like payload " * 1000


def _resource(tmp_path: Path, payload: bytes = PAYLOAD, **overrides) -> Resource:
    source = tmp_path / "mirror" / "file.bin"
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(payload)
    fields = {"filename": "file.bin", "urls": (source.as_uri(),), "size": len(PAYLOAD),
              "md5": hashlib.md5(PAYLOAD).hexdigest(), "sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    fields.update(overrides)
    return Resource(**fields)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_fetch_verifies_and_renames_into_place(tmp_path):
    dest = tmp_path / "dest"
    path = fetch(_resource(tmp_path), dest)
    assert path == dest / "file.bin" and path.read_bytes() == PAYLOAD
    assert _leftovers(dest) == ["file.bin"], "no temporary file may be left behind"
    assert check_file(path, _resource(tmp_path)) is None


def test_corrupt_download_is_rejected_and_removed(tmp_path):
    dest = tmp_path / "dest"
    corrupt = PAYLOAD[:-1] + b"X"  # right size, wrong checksum
    with pytest.raises(DownloadError, match="md5 checksum"):
        fetch(_resource(tmp_path, payload=corrupt), dest)
    assert _leftovers(dest) == []


def test_truncated_download_is_rejected_and_removed(tmp_path):
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=f"expected {len(PAYLOAD):,}"):
        fetch(_resource(tmp_path, payload=PAYLOAD[:100]), dest)
    assert _leftovers(dest) == []


def test_mirrors_are_tried_in_order(tmp_path):
    good = _resource(tmp_path)
    missing = (tmp_path / "nowhere" / "file.bin").as_uri()
    path = fetch(Resource(good.filename, (missing,) + good.urls, good.size, good.md5), tmp_path / "dest")
    assert path.read_bytes() == PAYLOAD


def test_all_mirrors_failing_names_each_mirror(tmp_path):
    urls = tuple((tmp_path / f"gone{i}" / "file.bin").as_uri() for i in range(2))
    with pytest.raises(DownloadError) as info:
        fetch(Resource("file.bin", urls, 10, None), tmp_path / "dest")
    assert all(url in str(info.value) for url in urls)
    assert _leftovers(tmp_path / "dest") == []


def test_existing_corrupt_file_is_replaced(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "file.bin").write_bytes(b"partial")
    assert fetch(_resource(tmp_path), dest).read_bytes() == PAYLOAD


def test_existing_good_file_is_not_downloaded_again(tmp_path):
    dest = tmp_path / "dest"
    fetch(_resource(tmp_path), dest)
    offline = Resource("file.bin", ("http://127.0.0.1:9/unreachable",), len(PAYLOAD), hashlib.md5(PAYLOAD).hexdigest())
    assert fetch(offline, dest).read_bytes() == PAYLOAD


@pytest.fixture()
def http_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving ``tmp_path/www``; ``/short`` promises more bytes than it sends."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):  # noqa: N802 (http.server API)
            if self.path == "/short":
                self.send_response(200)
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                self.wfile.write(PAYLOAD[:50])
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_download_and_interrupted_transfer(http_server, tmp_path):
    root, url = http_server
    (root / "file.bin").write_bytes(PAYLOAD)
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    assert fetch(Resource("file.bin", (f"{url}/file.bin",), len(PAYLOAD), md5), tmp_path / "a").read_bytes() == PAYLOAD
    with pytest.raises(DownloadError):
        fetch(Resource("file.bin", (f"{url}/short",), len(PAYLOAD), md5), tmp_path / "b")
    assert _leftovers(tmp_path / "b") == []
    with pytest.raises(DownloadError, match="404"):
        fetch(Resource("file.bin", (f"{url}/missing.bin",), None, md5), tmp_path / "c")


# --------------------------------------------------------------------------- data sets
def _entry(tmp_path: Path, **changes):
    """The news entry, served from a local mirror of two small files."""
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    for name in ("a.txt", "b.txt"):
        (mirror / name).write_text(f"payload of {name}\n")
    fields = {"name": "thing", "folder": "thing", "expect": ("a.txt", "b.txt"), "unpack": None,
              "resources": (mirrored(mirror / "a.txt"), mirrored(mirror / "b.txt"))}
    return dataclasses.replace(REGISTRY["news"], **{**fields, **changes})


def test_download_dataset_fetches_every_resource_then_is_present(tmp_path):
    entry = _entry(tmp_path)
    assert not present(tmp_path / "data", entry)
    folder = download_dataset(tmp_path / "data", entry)
    assert folder == tmp_path / "data" / "thing" and present(tmp_path / "data", entry)
    assert (folder / "b.txt").read_text() == "payload of b.txt\n"
    assert verify_dataset(tmp_path / "data", entry) == [(folder / "a.txt", None), (folder / "b.txt", None)]


def test_download_dataset_runs_the_unpacker_once(tmp_path):
    calls = []
    entry = _entry(tmp_path, expect=("done",),
                   unpack=lambda folder, files: (calls.append([f.name for f in files]), (folder / "done").touch()))
    download_dataset(tmp_path / "data", entry)
    download_dataset(tmp_path / "data", entry)
    assert calls == [["a.txt", "b.txt"]]


def test_verify_reports_a_corrupt_file(tmp_path):
    entry = _entry(tmp_path)
    folder = download_dataset(tmp_path / "data", entry)
    (folder / "a.txt").write_text("payload of A.txt\n")  # same size, other bytes
    problems = dict(verify_dataset(tmp_path / "data", entry))
    assert "wrong md5" in problems[folder / "a.txt"] and problems[folder / "b.txt"] is None


def test_manual_only_data_set_says_how_to_get_it(tmp_path):
    with pytest.raises(DownloadError, match="cannot be downloaded automatically: download the Kaggle"):
        download_dataset(tmp_path, REGISTRY["chest_xray"])


def test_unpack_tar_replaces_the_top_level_folder_as_a_whole(tmp_path):
    (tmp_path / "src" / "batches").mkdir(parents=True)
    (tmp_path / "src" / "batches" / "new").write_text("new")
    with tarfile.open(tmp_path / "a.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "batches", arcname="batches")
    (tmp_path / "dest" / "batches").mkdir(parents=True)
    (tmp_path / "dest" / "batches" / "stale").write_text("old")
    unpack_tar(tmp_path / "dest", [tmp_path / "a.tar.gz"])
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["batches"], "no temporary folder left"
    assert [p.name for p in (tmp_path / "dest" / "batches").iterdir()] == ["new"]


def test_unpack_zip_keeps_files_already_there(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("one.txt", "from the zip")
        archive.writestr("two.txt", "from the zip")
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "one.txt").write_text("already here")
    unpack_zip(tmp_path / "dest", [tmp_path / "a.zip"])
    assert (tmp_path / "dest" / "one.txt").read_text() == "already here"
    assert (tmp_path / "dest" / "two.txt").read_text() == "from the zip"
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["one.txt", "two.txt"]


def test_glove_zip_download_then_real_vectors(tmp_path, monkeypatch):
    archive = tmp_path / "mirror" / "glove.6B.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        for dim in (50, 100):
            zipped.writestr(f"glove.6B.{dim}d.txt", "".join(f"{w} " + " ".join([str(i)] * dim) + "\n"
                                                            for i, w in enumerate(["the", "of"])))
    monkeypatch.setitem(REGISTRY, "glove", dataclasses.replace(REGISTRY["glove"], resources=(mirrored(archive),)))
    data_dir = tmp_path / "data"
    download_dataset(data_dir, REGISTRY["glove"])
    words, vectors = data.glove(course(data_dir, "real"), dim=50)
    assert words == ["the", "of"] and vectors.shape == (2, 50) and torch.all(vectors[1] == 1)
    assert sorted(p.name for p in (data_dir / "glove").iterdir()) == ["glove.6B.100d.txt", "glove.6B.50d.txt",
                                                                      "glove.6B.zip"]
