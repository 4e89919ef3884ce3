"""helpers.models: the committed stand-in checkpoints and the pretrained-model policy."""
from __future__ import annotations

import http.server
import socket
import threading
import time
import urllib.request

import numpy as np
import pytest
import torch
import torchvision
from torchvision.models.resnet import ResNet

from helpers import data, models
from helpers.config import Course
from helpers.data.registry import REGISTRY


def course(tmp_path, policy: str) -> Course:
    return Course(profile="smoke", device=torch.device("cpu"), data=policy, seed=0, data_dir=tmp_path)


@pytest.mark.parametrize("name, features", [("resnet50", 2048), ("resnet18", 512)])
def test_standin_checkpoint_loads_with_torchvision_structure(name, features):
    path = models.standin_checkpoint(name)
    assert path.is_file() and path.stat().st_size < 4_000_000, "committed checkpoint, a few MB at most"
    model = models.load_standin(name)
    assert isinstance(model, ResNet) and model.standin
    assert model.fc.in_features == features and model.categories == list(REGISTRY["cifar10"].classes)
    for attr in ("conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"):
        assert hasattr(model, attr)
    body = torch.nn.Sequential(*list(model.children())[:-2]).eval()
    assert body(torch.randn(2, 3, 64, 64)).shape == (2, features, 2, 2)


def test_synthetic_policy_uses_the_standin_without_network(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    model = models.pretrained_resnet(course(tmp_path, "synthetic"), "resnet18")
    assert model.standin and models.pretrained_resnet(course(tmp_path, "synthetic"), "resnet18").standin
    out = capsys.readouterr().out
    assert out.count("STAND-IN MODEL") == 1, "a banner, once per model and process"
    assert out.startswith("=" * 78 + "\nSTAND-IN MODEL: torchvision's ImageNet weights for resnet18 are not used")


def test_standin_model_banner_is_the_same_html_box_as_the_data_banner(tmp_path, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    models.pretrained_resnet(course(tmp_path, "synthetic"), "resnet50")
    data.banner("mnist", "testing")
    model_box, data_box = (html.data for html in shown)
    assert "<b>Stand-in model: resnet50</b>" in model_box and "<b>Stand-in data: MNIST</b>" in data_box
    assert model_box.split("<b>")[0] == data_box.split("<b>")[0], "same box style"


def test_offline_auto_falls_back_and_real_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "_torchvision_resnet", lambda name, allow_download: None)
    assert models.pretrained_resnet(course(tmp_path, "auto"), "resnet50").standin
    with pytest.raises(RuntimeError, match="weights='IMAGENET1K_V1'"):
        models.pretrained_resnet(course(tmp_path, "real"), "resnet50")
    with pytest.raises(ValueError, match="resnet50"):
        models.pretrained_resnet(course(tmp_path, "auto"), "vgg16")


def test_pretrained_standin_features_transfer(tmp_path):
    """A linear probe on the pretrained stand-in's features beats one on a random network's."""
    from sklearn.linear_model import LogisticRegression

    c = course(tmp_path, "synthetic")
    test = data.take(data.cifar10(c, train=False), 400)
    x = torch.from_numpy(np.asarray(test.data)).permute(0, 3, 1, 2).float() / 255
    x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    y = np.asarray(test.targets)
    scores = {}
    for label, model in (("pretrained", models.load_standin("resnet18")),
                         ("random", models.standin_resnet("resnet18"))):
        model.fc = torch.nn.Identity()
        with torch.no_grad():
            features = model.eval()(x).numpy()
        probe = LogisticRegression(max_iter=300).fit(features[::2], y[::2])
        scores[label] = probe.score(features[1::2], y[1::2])
    assert scores["pretrained"] > scores["random"] + 0.1, scores


def test_an_unreachable_download_is_tried_once_per_process(monkeypatch, tmp_path, policy_state):
    calls = []

    def offline(weights):
        calls.append(weights)
        raise OSError("no network")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(models, "_reachable", lambda url, timeout=None: True)  # the server answers, the download fails
    monkeypatch.setattr(torchvision.models, "resnet18", offline)
    assert models._torchvision_resnet("resnet18", allow_download=True) is None
    assert models._torchvision_resnet("resnet18", allow_download=True) is None
    assert len(calls) == 1, "the second call must not try the network again"
    url = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url
    assert policy_state.unreachable[url].startswith("the download failed (OSError"), "kept in the policy state"


def _closed_port_url() -> str:
    """An http URL on 127.0.0.1 whose port nothing listens on: connections are refused at once, as offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/resnet18-f37072fd.pth"


@pytest.fixture()
def no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_reachable_asks_the_server_quietly(no_proxy, capsys):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 (http.server API)
            self.send_response(200 if self.path == "/weights.pth" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert models._reachable(f"{base}/weights.pth", timeout=5.0)
        assert models._reachable(f"{base}/missing.pth", timeout=5.0), "an HTTP error is an answer: torchvision may try"
    finally:
        server.shutdown()
        server.server_close()
    start = time.perf_counter()
    assert not models._reachable(_closed_port_url(), timeout=5.0)
    assert time.perf_counter() - start < 4.0, "a refused connection must not wait for the timeout"
    assert not models._reachable("file:///no/such/weights.pth")
    captured = capsys.readouterr()
    assert captured.out == captured.err == "", "the probe prints nothing"


def test_offline_prints_no_download_line_and_says_what_it_uses(tmp_path, monkeypatch, capsys, no_proxy):
    """Offline, no 'Downloading: https://...' line for a download that cannot happen; the banner says why and what."""
    real_reachable, asked = models._reachable, []

    def probe(url, timeout=models.CONNECT_TIMEOUT_S):
        asked.append(url)
        return real_reachable(_closed_port_url(), timeout=timeout)   # as offline: refused, never a real host

    def refuse(*args, **kwargs):
        raise AssertionError("torchvision must not start a download that cannot happen (it prints 'Downloading')")

    monkeypatch.setattr(models, "_reachable", probe)
    monkeypatch.setattr(torchvision.models, "resnet18", refuse)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model = models.pretrained_resnet(course(tmp_path, "auto"), "resnet18")
    again = models.pretrained_resnet(course(tmp_path, "auto"), "resnet18")
    captured = capsys.readouterr()
    assert model.standin and again.standin
    assert asked == [torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url], "asked once per process"
    assert "Downloading" not in captured.out + captured.err
    assert captured.out.count("STAND-IN MODEL") == 1
    banner = " ".join(captured.out.split())
    assert banner.startswith("=" * 78 + " STAND-IN MODEL: no internet (download.pytorch.org did not answer) and "
                             "torchvision's ImageNet weights for resnet18 are not in the cache"), banner
    assert "the course's stand-in: a mini resnet18" in banner and "CIFAR-10 stand-in" in banner
    assert "torchvision.models.resnet18(weights='IMAGENET1K_V1')" in banner, "says how to get the real weights"
