"""The training and evaluation loops taught in chapters 1-2, packaged for later chapters.

Chapters that teach a loop write it out in the notebook; later chapters call :func:`fit`
so the lesson stays on what is new. The loops are the plain ones (no hidden tricks), so
they cost nothing measurable over a hand-written loop (see ``benchmarks/training_overhead.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch
from torch import nn
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
        """1-based epoch with the lowest validation loss (or training loss without validation)."""
        losses = self.val_loss or self.train_loss
        return min(range(len(losses)), key=losses.__getitem__) + 1


def train_one_epoch(model: nn.Module, loader: Iterable, loss_fn: Callable, optimizer: torch.optim.Optimizer,
                    device: torch.device | str, prepare: Prepare | None = None) -> float:
    """One pass over ``loader`` in training mode; returns the mean loss per sample."""
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
    """Mean loss per sample (``nan`` without ``loss_fn``) and accuracy of argmax predictions."""
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
