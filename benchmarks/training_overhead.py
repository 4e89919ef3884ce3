"""Compare helpers.training.fit with the same loop written by hand (CPU, small MLP).

Prints the median time per epoch of both and their ratio (the goal: no measurable overhead, ~1.00).

    python benchmarks/training_overhead.py [--epochs N] [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from helpers.training import fit  # noqa: E402


def make(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(8192, 784, generator=g)
    y = torch.randint(0, 10, (8192,), generator=g)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True), model


def by_hand(loader, model, epochs: int) -> None:
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()


def with_helper(loader, model, epochs: int) -> None:
    fit(model, loader, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=3e-3), epochs, "cpu",
        progress=False, log=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = {"hand-written": [], "helpers.fit": []}
    for i in range(args.repeat):  # interleave so drift affects both alike
        for name, fn in (("hand-written", by_hand), ("helpers.fit", with_helper)):
            loader, model = make(i)
            start = time.perf_counter()
            fn(loader, model, args.epochs)
            times[name].append((time.perf_counter() - start) / args.epochs)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:<13} {v * 1000:8.1f} ms/epoch  (runs: {', '.join(f'{t * 1000:.0f}' for t in times[k])})")
    print(f"ratio helpers.fit / hand-written: {med['helpers.fit'] / med['hand-written']:.3f}")


if __name__ == "__main__":
    main()
