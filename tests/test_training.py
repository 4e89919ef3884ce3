import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers import training


def _problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=False)


def test_fit_learns_and_records_history(capsys):
    torch.manual_seed(0)
    loader = _problem()
    model = nn.Linear(4, 2)
    hist = training.fit(model, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.5),
                        epochs=5, device="cpu", val_loader=loader, progress=False)
    assert len(hist.train_loss) == len(hist.val_loss) == len(hist.val_accuracy) == 5
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert hist.val_accuracy[-1] > 0.9
    assert "| Epoch: 05 | Train Loss:" in capsys.readouterr().out
    assert 1 <= hist.best_epoch <= 5


def test_train_one_epoch_matches_a_hand_written_loop():
    loader = _problem(1)
    torch.manual_seed(0)
    a = nn.Linear(4, 2)
    b = nn.Linear(4, 2)
    b.load_state_dict(a.state_dict())
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    training.train_one_epoch(a, loader, loss_fn, opt_a, "cpu")
    for x, y in loader:
        opt_b.zero_grad()
        loss_fn(b(x), y).backward()
        opt_b.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_evaluate_and_predict_with_prepare():
    x = torch.zeros(10, 1, 2, 2)
    y = torch.arange(10) % 2
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    model = nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([1.0, 0.0]))
    flat = lambda t: t.view(t.shape[0], -1)  # noqa: E731
    loss, acc = training.evaluate(model, loader, None, "cpu", prepare=flat)
    assert math.isnan(loss) and acc == 0.5
    targets, preds = training.predict(model, loader, "cpu", prepare=flat)
    assert targets.tolist() == y.tolist() and preds.tolist() == [0] * 10
