"""The training and evaluation loops taught in chapter 2, packaged for the chapters after it.

Taught in: ch02_neural_networks/02_training_dropout_functional.ipynb, 2.4 (the loop and the
evaluation, written out there as ``train_one_epoch`` and ``evaluate``; tests/course/test_lessons.py
checks that these functions behave exactly like the notebook's). Later chapters call them so the
lesson stays on what is new. They are the plain loops (no hidden tricks), so they cost nothing
measurable over a hand-written loop (see ``benchmarks/training_overhead.py``).

Both average the loss *per sample* (each batch's mean loss weighted by its size), so a smaller last
batch does not count as much as a full one.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

Prepare = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch numbers recorded by :func:`fit` (validation lists stay empty without a val loader)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    @property
    def best_epoch(self) -> int:
        """1-based epoch with the lowest validation loss (or training loss without validation).

        >>> History(train_loss=[0.9, 0.5, 0.7]).best_epoch
        2
        """
        losses = self.val_loss or self.train_loss
        return min(range(len(losses)), key=losses.__getitem__) + 1


def train_one_epoch(model: nn.Module, loader: Iterable, loss_fn: Callable, optimizer: torch.optim.Optimizer,
                    device: torch.device | str, prepare: Prepare | None = None) -> float:
    """One pass over ``loader`` in training mode; returns the mean loss per sample.

    Taught in: ch02_neural_networks/02_training_dropout_functional.ipynb, 2.4.
    """
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        if prepare is not None:
            inputs = prepare(inputs)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * targets.shape[0]
        count += targets.shape[0]
    return total / max(count, 1)


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, loss_fn: Callable | None, device: torch.device | str,
             prepare: Prepare | None = None) -> tuple[float, float]:
    """Mean loss per sample (``nan`` without ``loss_fn``) and accuracy of argmax predictions.

    Taught in: ch02_neural_networks/02_training_dropout_functional.ipynb, 2.4.
    """
    model.eval()
    total, correct, count = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        if prepare is not None:
            inputs = prepare(inputs)
        outputs = model(inputs)
        if loss_fn is not None:
            total += loss_fn(outputs, targets).item() * targets.shape[0]
        correct += (outputs.argmax(dim=1) == targets).sum().item()
        count += targets.shape[0]
    count = max(count, 1)
    return (total / count if loss_fn is not None else math.nan), correct / count


@torch.no_grad()
def predict(model: nn.Module, loader: Iterable, device: torch.device | str,
            prepare: Prepare | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """All targets and argmax predictions of ``loader``, as two CPU int64 tensors."""
    model.eval()
    ys, ps = [], []
    for inputs, targets in loader:
        inputs = inputs.to(device)
        if prepare is not None:
            inputs = prepare(inputs)
        ps.append(model(inputs).argmax(dim=1).cpu())
        ys.append(targets.cpu())
    return torch.cat(ys).long(), torch.cat(ps).long()


def fit(model: nn.Module, train_loader: Iterable, loss_fn: Callable, optimizer: torch.optim.Optimizer,
        epochs: int, device: torch.device | str, val_loader: Iterable | None = None,
        prepare: Prepare | None = None, progress: bool = True, log: bool = True) -> History:
    """Train for ``epochs`` epochs, evaluating on ``val_loader`` after each; returns a :class:`History`.

    ``prepare`` is applied to each input batch (e.g. ``lambda x: x.view(x.shape[0], -1)`` to flatten).
    With ``log`` each epoch prints one line ``| Epoch: 01 | Train Loss: ... | Val. Loss: ... |``.
    """
    history = History()
    for epoch in tqdm(range(1, epochs + 1), desc="epochs", disable=not progress, leave=False):
        history.train_loss.append(train_one_epoch(model, train_loader, loss_fn, optimizer, device, prepare))
        line = f"| Epoch: {epoch:02} | Train Loss: {history.train_loss[-1]:.4f} |"
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device, prepare)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
            line += f" Val. Loss: {val_loss:.4f} | Val. Acc: {val_acc:.2%} |"
        if log:
            print(line)
    return history


def train_steps(model: nn.Module, dataset: Dataset, optimizer: torch.optim.Optimizer, steps: int,
                batch_size: int, loss_fn: Callable = nn.functional.cross_entropy,
                device: torch.device | str = "cpu", seed: int = 0, progress: bool = False) -> list[float]:
    """Train ``model`` for exactly ``steps`` optimiser steps on shuffled batches of ``dataset``.

    The budgeted loop of the chapters' outcome-graded challenges: epochs repeat (reshuffled with a
    generator seeded by ``seed``) until ``steps`` batches have been used, so two runs with the same
    arguments train identically. Returns the loss of every step.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"train_steps needs steps >= 1 and batch_size >= 1, got steps={steps}, batch_size={batch_size}")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
    losses: list[float] = []
    model.train()
    with tqdm(total=steps, desc="training", disable=not progress, leave=False) as bar:
        while len(losses) < steps:
            for inputs, targets in loader:
                inputs, targets = inputs.to(device), targets.to(device)
                optimizer.zero_grad()
                loss = loss_fn(model(inputs), targets)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                bar.update()
                if len(losses) == steps:
                    break
    return losses
