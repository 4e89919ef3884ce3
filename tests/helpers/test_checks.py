"""helpers.checks: type-first checks that an always-equal object cannot pass, with clear messages,
and a module that patching cannot reach."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import helpers.checks as checks
from helpers.checks import (check_accuracy, check_close, check_equal, check_in_range, check_outputs,
                            check_parameters, check_raises, check_tensor, check_true, check_type)


class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __getattr__(self, name):
        return Anything()

    def __float__(self):
        return 0.0


def test_type_first_everywhere():
    for call in (lambda: check_equal(Anything(), 3), lambda: check_equal([Anything(), Anything()], [1, 2]),
                 lambda: check_equal({"a": Anything()}, {"a": 1}), lambda: check_close(Anything(), 1.0),
                 lambda: check_close(Anything(), torch.ones(2)), lambda: check_tensor(Anything()),
                 lambda: check_in_range(Anything(), 0, 1), lambda: check_true(Anything(), "must hold"),
                 lambda: check_type(True, int)):
        with pytest.raises(AssertionError):
            call()


def test_check_equal_is_exact_and_deep():
    check_equal([1, (2, "a")], [1, (2, "a")])
    check_equal({"w": torch.tensor([1, 2])}, {"w": torch.tensor([1, 2])})
    check_equal(np.arange(3), np.arange(3))
    check_equal(torch.float32, torch.float32)
    with pytest.raises(AssertionError, match=r"the result\[1\]: expected a int \(2\), got a float \(2.0\)"):
        check_equal([1, 2.0], [1, 2])
    with pytest.raises(AssertionError, match="expected 3 items, got 2"):
        check_equal([1, 2], [1, 2, 3])
    with pytest.raises(AssertionError, match="keys differ"):
        check_equal({"a": 1}, {"b": 1})
    with pytest.raises(AssertionError, match="expected a torch.int64 tensor of shape \\(2,\\)"):
        check_equal(torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))


def test_check_close_tolerances_nan_and_messages():
    check_close(torch.tensor([1.0, float("nan")]), torch.tensor([1.0 + 1e-7, float("nan")]))
    check_close(0.1 + 0.2, 0.3)
    with pytest.raises(AssertionError, match="largest difference 0.5 at flat index 1"):
        check_close(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]), what="x")
    with pytest.raises(AssertionError, match="expected dtype torch.float64, got torch.float32"):
        check_close(torch.zeros(2), torch.zeros(2, dtype=torch.float64))
    check_close(torch.zeros(2), torch.zeros(2, dtype=torch.float64), check_dtype=False)
    with pytest.raises(TypeError, match="use check_equal"):
        check_close("a", "a")


def test_long_messages_are_never_cut_silently():
    with pytest.raises(AssertionError) as err:
        check_equal("x" * 5000, "y")
    assert "more characters" in str(err.value)
    with pytest.raises(AssertionError, match=r"expected shape \(1, 16, 32, 32\), got \(1, 16, 30, 30\)"):
        check_tensor(torch.zeros(1, 16, 30, 30), shape=(1, 16, 32, 32), what="conv output for a 1x3x32x32 image")


def test_check_raises():
    with check_raises(ValueError, "int('x')", match="invalid literal"):
        int("x")
    with pytest.raises(AssertionError, match="expected KeyError to be raised, but nothing was raised"):
        with check_raises(KeyError, "lookup"):
            pass
    with pytest.raises(AssertionError, match="expected KeyError, got ValueError"):
        with check_raises(KeyError, "lookup"):
            raise ValueError("nope")
    with pytest.raises(AssertionError, match="should mention 'missing.png'"):
        with check_raises(FileNotFoundError, "open"):
            raise FileNotFoundError("some other file")
        with check_raises(FileNotFoundError, "open", match="missing.png"):
            raise FileNotFoundError("some other file")


def test_check_parameters_outputs_accuracy_range():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    check_parameters(net, {"0.weight": (3, 4), "0.bias": (3,), "2.weight": (2, 3), "2.bias": (2,)})
    with pytest.raises(AssertionError, match=r"missing parameters \['1.weight'\].*unexpected parameters \['2.bias', "
                                             r"'2.weight'\]"):
        check_parameters(net, {"0.weight": (3, 4), "0.bias": (3,), "1.weight": (2, 3)})
    check_outputs(net, net, [torch.randn(5, 4)])
    with pytest.raises(AssertionError, match="for input 0 of shape \\(5, 4\\)"):
        check_outputs(net, lambda x: net(x) + 1, [torch.randn(5, 4)])
    x = torch.randn(200, 4)
    y = (x[:, 0] > 0).long()
    perfect = nn.Linear(4, 2)
    with torch.no_grad():
        perfect.weight.copy_(torch.tensor([[-10.0, 0, 0, 0], [10.0, 0, 0, 0]]))
        perfect.bias.zero_()
    perfect.train()
    assert check_accuracy(perfect, x, y, at_least=0.99) is None
    assert perfect.training, "the model's mode is restored"
    with pytest.raises(AssertionError, match="accuracy 0.0.. on 200 held-out examples; it needs at least 0.500"):
        check_accuracy(nn.Sequential(perfect, nn.Flatten()), x, 1 - y, at_least=0.5)
    check_in_range(0.5, 0, 1)
    with pytest.raises(AssertionError, match="expected at least 0.9, got 0.5"):
        check_in_range(0.5, low=0.9)


def test_every_check_returns_none_so_a_test_cell_ends_silently():
    assert check_equal(1, 1) is None and check_close(1.0, 1.0) is None and check_type(1, int) is None
    assert check_true(True, "x") is None and check_in_range(1, 0, 2) is None


def test_the_module_is_read_only():
    with pytest.raises(AttributeError, match="helpers.checks is read-only"):
        checks.check_close = lambda *a, **k: None
    with pytest.raises(AttributeError, match="read-only"):
        setattr(checks, "check_equal", print)
    with pytest.raises(AttributeError, match="read-only"):
        del checks.check_type


def test_patching_torch_numpy_or_builtins_later_does_not_reach_the_checks():
    code = """
import builtins, torch, numpy
import helpers.checks as c
torch.isclose = lambda *a, **k: torch.ones(1, dtype=torch.bool)
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
numpy.array_equal = lambda *a, **k: True
builtins.isinstance = lambda *a: True
failures = 0
for call in (lambda: c.check_close(torch.ones(2), torch.zeros(2)), lambda: c.check_equal(torch.ones(2), torch.zeros(2)),
             lambda: c.check_equal(numpy.ones(2), numpy.zeros(2)), lambda: c.check_type("x", int)):
    try:
        call()
    except AssertionError:
        failures += 1
print(failures)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "4", out.stderr


def test_check_constant_work_catches_a_python_loop_over_the_batch():
    import torch
    from helpers.checks import check_constant_work
    data = {n: torch.randn(n, 3) for n in (2, 9)}
    check_constant_work(lambda n: torch.where(data[n] > 0, data[n], -data[n]).sum(), (2, 9), "vectorised")
    with pytest.raises(AssertionError, match="grows with the input size"):
        check_constant_work(lambda n: [row.abs() for row in data[n]], (2, 9), "a loop over the rows")
    with pytest.raises(AssertionError, match="grows"):
        check_constant_work(lambda n: sum(float(data[n][i, 0]) for i in range(n)), (2, 9), "indexing each sample")
