"""Verified downloads: mirrors, checksums, sizes; bad files never used or left behind."""
from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from helpers.download import DownloadError, Resource, check_file, fetch

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
