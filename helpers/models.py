"""Pretrained models: torchvision's ImageNet weights when available, else a small committed stand-in.

Offline (or with data policy ``synthetic``) :func:`pretrained_resnet` returns a *mini* ResNet
with torchvision's own ``ResNet`` class, module names (``conv1``, ``bn1``, ``layer1``..``layer4``,
``avgpool``, ``fc``) and channel counts (``fc.in_features`` 2048 for ResNet-50, 512 for
ResNet-18), but one block per stage and grouped convolutions, so its checkpoint is about 2 MB.
It was pretrained by ``scripts/train_standin_weights.py`` on the CIFAR-10 stand-in (a real
source task), so freezing it, replacing the head and fine-tuning still demonstrates transfer.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from .config import Course
from .data.policy import announce, state

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
_TORCHVISION = {"resnet50": "ResNet50_Weights", "resnet18": "ResNet18_Weights"}


def standin_resnet(name: str = "resnet50", num_classes: int = 10) -> ResNet:
    """The untrained mini ResNet used as the offline stand-in for ``name`` (``resnet50`` or ``resnet18``).

    Same class, module names and stage widths as torchvision's model; one block per stage;
    3x3 convolutions (ResNet-18) and shortcut projections (ResNet-50) are grouped to stay small.
    """
    if name == "resnet50":
        model = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=num_classes, width_per_group=8)
        for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
            conv = layer[0].downsample[0]
            layer[0].downsample[0] = nn.Conv2d(conv.in_channels, conv.out_channels, 1, stride=conv.stride,
                                               groups=32, bias=False)
    elif name == "resnet18":
        model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=num_classes)
        for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
            for attr in ("conv1", "conv2"):
                conv = getattr(layer[0], attr)
                setattr(layer[0], attr, nn.Conv2d(conv.in_channels, conv.out_channels, 3, stride=conv.stride,
                                                  padding=1, groups=8, bias=False))
    else:
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(_TORCHVISION)}")
    return model


def standin_checkpoint(name: str) -> Path:
    """Path of the committed stand-in checkpoint for ``name``."""
    return WEIGHTS_DIR / f"{name}_standin.pt"


def load_standin(name: str = "resnet50") -> ResNet:
    """The stand-in mini ResNet with its committed pretrained weights (``.categories`` = source classes)."""
    path = standin_checkpoint(name)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python scripts/train_standin_weights.py` to create it")
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = standin_resnet(name, num_classes=len(checkpoint["categories"]))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in checkpoint["state_dict"].items()})
    model.categories = list(checkpoint["categories"])
    model.standin = True
    return model


#: Seconds to wait for the weights' server before deciding that there is no internet.
CONNECT_TIMEOUT_S = 5.0


def _reachable(url: str, timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether the server of ``url`` answers (a ``HEAD`` request, through any configured proxy), printing nothing.

    torchvision prints ``Downloading: "<url>"`` before it even connects; asking first keeps that line
    for downloads that can happen.
    """
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except urllib.error.HTTPError as error:
        return error.code < 500  # the server answered (e.g. 403 to HEAD): let torchvision try the download
    except (OSError, ValueError):  # no network, no DNS, refused, timed out, or not an http(s) URL
        return False


def _torchvision_resnet(name: str, allow_download: bool) -> nn.Module | None:
    """torchvision's ImageNet model if its weights are cached or (allowed and) downloadable, else None.

    Offline this returns None without printing anything (no ``Downloading`` line for a download
    that cannot happen); :func:`pretrained_resnet` then says what it uses instead.
    """
    weights = getattr(torchvision.models, _TORCHVISION[name]).IMAGENET1K_V1
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    unreachable = state().unreachable  # weight URLs that could not be had, and why (not retried: each try waits)
    if not cached.is_file():
        if not allow_download or weights.url in unreachable:
            return None
        if not _reachable(weights.url):  # offline: ask once per process, not on every call
            unreachable[weights.url] = f"no internet ({urllib.parse.urlsplit(weights.url).netloc} did not answer)"
            return None
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(CONNECT_TIMEOUT_S)  # fail fast if the network goes away mid-download
    try:
        model = getattr(torchvision.models, name)(weights=weights)
    except (OSError, RuntimeError) as error:  # the download failed after all: do not retry in this process
        unreachable[weights.url] = f"the download failed ({type(error).__name__}: {str(error)[:120]})"
        return None
    finally:
        socket.setdefaulttimeout(previous)
    model.categories = list(weights.meta["categories"])
    model.standin = False
    return model


def pretrained_resnet(course: Course, name: str = "resnet50") -> nn.Module:
    """An ImageNet-pretrained ``resnet50``/``resnet18`` (``IMAGENET1K_V1``), or the offline stand-in.

    Policy ``auto``: torchvision's weights from the cache or downloaded, else the stand-in with a
    banner; ``real``: torchvision's weights or a ``RuntimeError`` saying how to get them;
    ``synthetic``: always the stand-in (no network). The model has ``.categories`` (the source
    task's class names) and ``.standin``. Replace ``model.fc`` for a new task as usual.
    """
    if name not in _TORCHVISION:
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(_TORCHVISION)}")
    if course.data != "synthetic":
        model = _torchvision_resnet(name, allow_download=True)
        if model is not None:
            return model
        if course.data == "real":
            raise RuntimeError(f"the ImageNet weights of {name} are not cached in {torch.hub.get_dir()} and could "
                               f"not be downloaded; connect once and run "
                               f"torchvision.models.{name}(weights='IMAGENET1K_V1'), "
                               f"or use data policy 'auto'/'synthetic' for the offline stand-in")
    model = load_standin(name)
    weights = getattr(torchvision.models, _TORCHVISION[name]).IMAGENET1K_V1
    if course.data == "synthetic":
        why = f"torchvision's ImageNet weights for {name} are not used (data policy 'synthetic')"
        get = ""
    else:
        reason = state().unreachable.get(weights.url, "the download failed")
        why = (f"{reason} and torchvision's ImageNet weights for {name} are not in the cache "
               f"{Path(torch.hub.get_dir()) / 'checkpoints'}")
        get = (f" To use the real weights: connect once and run torchvision.models.{name}(weights="
               f"'IMAGENET1K_V1'), which caches them.")
    announce(f"model {name}", f"Stand-in model: {name}",
             f"STAND-IN MODEL: {why}, so this is the course's stand-in: a mini {name} (same ResNet class, "
             f"module names and fc.in_features={model.fc.in_features}, one block per stage) pretrained on the "
             f"CIFAR-10 stand-in data (by scripts/train_standin_weights.py). Transfer learning works the same way; "
             f"accuracies are lower than with ImageNet features.{get}")
    return model


class FashionNetwork(nn.Module):
    """The fully connected FashionMNIST classifier of chapter 2: 784 -> 256 -> 128 -> 10, ReLU, log-probabilities.

    Taught in: ch02_neural_networks/01_network_and_loss.ipynb, 2.3 (the version with ``LogSoftmax(dim=1)``
    out, to pair with ``nn.NLLLoss``). It takes *flat* images ``(B, 784)``: flatten a ``(B, 1, 28, 28)``
    batch first, e.g. ``x.view(x.shape[0], -1)``. ``logits(x)`` returns the raw class scores.
    """

    example_input_shape = (784,)  # one sample's shape (tests/course/test_lessons.py feeds it)

    def __init__(self) -> None:
        super().__init__()
        self.hidden1 = nn.Linear(784, 256)
        self.hidden2 = nn.Linear(256, 128)
        self.output = nn.Linear(128, 10)
        self.relu = nn.ReLU()
        self.log_softmax = nn.LogSoftmax(dim=1)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.hidden1(x))
        x = self.relu(self.hidden2(x))
        return self.output(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_softmax(self.logits(x))


class Net(nn.Module):
    """The LeNet-style MNIST CNN of chapter 6: conv 5x5 (10) -> pool -> conv 5x5 (20) -> 320 -> 50 -> 10, log-probabilities.

    Taught in: ch06_mnist_from_scratch/02_lenet_training.ipynb, 6.4. Input: grey 28x28 images ``(B, 1, 28, 28)``;
    output: ``log_softmax`` over the 10 classes (pair it with ``F.nll_loss``). 21,840 parameters.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        functional = nn.functional
        x = functional.relu(functional.max_pool2d(self.conv1(x), 2))
        x = functional.relu(functional.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = functional.relu(self.fc1(x.flatten(1)))
        x = functional.dropout(x, training=self.training)
        return functional.log_softmax(self.fc2(x), dim=1)
