"""helpers.models: the committed stand-in checkpoints and the pretrained-model policy."""
from __future__ import annotations

import socket
import urllib.request

import numpy as np
import pytest
import torch
import torchvision
from torchvision.models.resnet import ResNet

from helpers import data, models
from helpers.config import Course
from helpers.data import policy
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
    monkeypatch.setattr(policy, "_SHOWN", set())
    model = models.pretrained_resnet(course(tmp_path, "synthetic"), "resnet18")
    assert model.standin and models.pretrained_resnet(course(tmp_path, "synthetic"), "resnet18").standin
    out = capsys.readouterr().out
    assert out.count("STAND-IN MODEL") == 1, "a banner, once per model and process"
    assert out.startswith("=" * 78 + "\nSTAND-IN MODEL: torchvision's ImageNet weights for resnet18 are not used")


def test_standin_model_banner_is_the_same_html_box_as_the_data_banner(tmp_path, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(policy, "_SHOWN", set())
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
    with pytest.raises(RuntimeError, match="weights='DEFAULT'"):
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


def test_an_unreachable_download_is_tried_once_per_process(monkeypatch, tmp_path):
    calls = []

    def offline(weights):
        calls.append(weights)
        raise OSError("no network")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torchvision.models, "resnet18", offline)
    monkeypatch.setattr(models, "_UNREACHABLE", set())
    assert models._torchvision_resnet("resnet18", allow_download=True) is None
    assert models._torchvision_resnet("resnet18", allow_download=True) is None
    assert len(calls) == 1, "the second call must not try the network again"
