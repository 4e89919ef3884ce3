"""Fixtures of the helpers.data tests: no network, downloads failing offline, shared stand-ins.

(Each test starts with a fresh data policy state: ``tests/helpers/conftest.py``.)"""
from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from helpers.config import Course
from helpers.data import download
from tests.helpers.data.realfiles import course


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture()
def offline(monkeypatch):
    """Downloads fail the way they do without a network."""
    def fail(resource, *args, **kwargs):
        raise download.DownloadError(f"could not download {resource.filename}: no network (test)")
    monkeypatch.setattr(download, "fetch", fail)


@pytest.fixture(scope="session")
def smoke(tmp_path_factory) -> Course:
    """One synthetic smoke-profile course per session, so each stand-in is generated once."""
    return course(tmp_path_factory.mktemp("standins"), "synthetic")


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    """A throwaway data directory."""
    return tmp_path / "data"
