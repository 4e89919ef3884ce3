"""Pretrain the offline stand-ins for torchvision's ImageNet ResNets and write helpers/weights/*.pt.

The source task is the CIFAR-10 stand-in (quick profile: 12,000 training images of ten object
classes), with ImageNet normalisation, flips, shifted crops and some grey-scale images, so the
features transfer to the course's grey X-rays and colour images alike. Deterministic on CPU.

    python scripts/train_standin_weights.py                 # both models, default settings
    python scripts/train_standin_weights.py --models resnet18 --epochs 2
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from helpers import data
from helpers.config import Course, seed_everything
from helpers.models import standin_checkpoint, standin_resnet

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 3, 32, 32) float images in [0, 1] and int64 labels from a CIFAR-style data set."""
    x = torch.from_numpy(np.asarray(dataset.data)).permute(0, 3, 1, 2).float() / 255
    return x, torch.as_tensor(dataset.targets, dtype=torch.long)


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flip, 4-pixel shifted crop and 20% grey-scale, on a batch."""
    n = len(x)
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    dx, dy = torch.randint(0, 9, (2,), generator=generator).tolist()
    x = padded[:, :, dy:dy + 32, dx:dx + 32]
    grey = torch.rand(n, generator=generator) < 0.2
    return torch.where(grey.view(-1, 1, 1, 1), x.mean(1, keepdim=True).expand_as(x), x)


def train(name: str, epochs: int, data_dir: Path) -> None:
    """Train one stand-in model and save it (float16 weights, class names, test accuracy)."""
    seed_everything(0)
    course = Course(profile="quick", device=torch.device("cpu"), data="synthetic", seed=0, data_dir=data_dir)
    train_set, test_set = data.cifar10(course, train=True), data.cifar10(course, train=False)
    x_train, y_train = tensors(train_set)
    x_test, y_test = tensors(test_set)
    model = standin_resnet(name, num_classes=len(train_set.classes))
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    steps = epochs * ((len(x_train) + 127) // 128)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(0)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(len(x_train), generator=generator).split(128):
            batch = (augment(x_train[idx], generator) - MEAN) / STD
            loss = F.cross_entropy(model(batch), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        print(f"{name} epoch {epoch + 1}/{epochs}: loss {total / len(x_train):.3f} ({time.time() - start:.0f}s)", flush=True)
    model.eval()
    with torch.no_grad():
        predictions = torch.cat([model((x - MEAN) / STD).argmax(1) for x in x_test.split(500)])
    accuracy = (predictions == y_test).float().mean().item()
    path = standin_checkpoint(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()},
                "categories": list(train_set.classes), "source_task": "CIFAR-10 stand-in, quick profile",
                "test_accuracy": round(accuracy, 4), "epochs": epochs, "image_size": 32,
                "normalize": {"mean": MEAN.flatten().tolist(), "std": STD.flatten().tolist()}}, path)
    print(f"{name}: test accuracy {accuracy:.3f} on the source task; wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["resnet18", "resnet50"], choices=["resnet18", "resnet50"])
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            train(name, args.epochs, Path(tmp))


if __name__ == "__main__":
    main()
