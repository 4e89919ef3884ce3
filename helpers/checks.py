"""Assertions for exercise test cells: type first, then value, with "expected X, got Y" messages.

Test cells import what they use, in the cell itself::

    from helpers.checks import check_close, check_equal

so a solution cell that rebinds those names in the notebook cannot reach them. This module is
read-only (assigning to its attributes raises ``AttributeError``) and keeps its own references to
the functions it relies on (``torch.isclose``, ``isinstance``, ...), taken when the notebook's
setup cell imports it, so patching ``torch``, ``numpy`` or the builtins later changes nothing
here; the grader's audit flags such attempts (see ``cookbook.audit``).

Every check tests the *type* before the value, so an object whose ``__eq__`` always returns True
fails; values are compared on the CPU, so checks work whatever device an answer lives on.
"""
from __future__ import annotations

import builtins as _builtins
import contextlib
import re
import sys
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["check_accuracy", "check_close", "check_constant_work", "check_equal", "check_in_range", "check_outputs",
           "check_parameters", "check_raises", "check_tensor", "check_true", "check_type"]

# References taken at import time: later patches of torch/numpy/builtins do not reach the checks.
_isinstance, _type, _len, _repr, _float, _abs = (_builtins.isinstance, _builtins.type, _builtins.len,
                                                  _builtins.repr, _builtins.float, _builtins.abs)
_Tensor, _ndarray, _dtype, _Module = torch.Tensor, np.ndarray, torch.dtype, torch.nn.Module
_isclose, _equal, _array_equal = torch.isclose, torch.equal, np.array_equal
_detach, _cpu, _to, _tolist = torch.Tensor.detach, torch.Tensor.cpu, torch.Tensor.to, torch.Tensor.tolist
_no_grad, _argmax = torch.no_grad, torch.argmax
_Module_train, _Module_parameters, _named_parameters = (torch.nn.Module.train, torch.nn.Module.parameters,
                                                        torch.nn.Module.named_parameters)
_SCALARS = (bool, int, float, complex, str, bytes, type(None))
MAX_MESSAGE = 4000


def _name(obj: Any) -> str:
    """Type name, qualified when not a builtin (``numpy.bool`` is not ``bool``)."""
    cls = _type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _show(obj: Any, limit: int = 600) -> str:
    """A repr for a message, shortened with a note when it is long (never cut silently)."""
    try:
        text = _repr(obj)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real failure
        text = f"<{_name(obj)} object>"
    return text if _len(text) <= limit else f"{text[:limit]}... ({_len(text) - limit} more characters)"


def _fail(message: str) -> None:
    if _len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}... ({_len(message) - MAX_MESSAGE} more characters)"
    raise AssertionError(message)


def check_type(got: Any, expected_type: type | tuple[type, ...], what: str = "the result") -> None:
    """Fail unless ``got`` is an instance of ``expected_type`` (``bool`` never passes as ``int``)."""
    types_ = expected_type if _isinstance(expected_type, tuple) else (expected_type,)
    ok = _isinstance(got, types_) and not (_isinstance(got, bool) and bool not in types_)
    if not ok:
        names = " or ".join(t.__name__ for t in types_)
        _fail(f"{what} should be a {names}, got {_name(got)}: {_show(got)}")


def check_tensor(got: Any, *, shape: Sequence[int] | None = None, dtype: torch.dtype | None = None,
                 what: str = "the result") -> None:
    """Fail unless ``got`` is a ``torch.Tensor`` with the given shape and dtype (when given)."""
    if not _isinstance(got, _Tensor):
        _fail(f"{what} should be a torch.Tensor, got {_name(got)}: {_show(got, 200)}")
    if shape is not None and tuple(got.shape) != tuple(shape):
        _fail(f"{what}: expected shape {tuple(shape)}, got {tuple(got.shape)}")
    if dtype is not None and got.dtype != dtype:
        _fail(f"{what}: expected dtype {dtype}, got {got.dtype}")


def _cpu_tensor(t: torch.Tensor) -> torch.Tensor:
    return _cpu(_detach(t))


def check_close(got: Any, expected: Any, *, what: str = "the result", rtol: float = 1e-5, atol: float = 1e-6,
                check_dtype: bool = True) -> None:
    """Compare a tensor (or a number) with the expected one: type, shape, dtype, then values.

    Tensors are compared on the CPU with ``|got - expected| <= atol + rtol * |expected|`` element-wise
    (NaN equals NaN); numbers must be ``int`` or ``float`` (not ``bool``, not a tensor).
    """
    if _isinstance(expected, _Tensor):
        check_tensor(got, shape=expected.shape, dtype=expected.dtype if check_dtype else None, what=what)
        g, e = _cpu_tensor(got), _cpu_tensor(expected)
        if not check_dtype:
            g = _to(g, e.dtype)
        if g.dtype == torch.bool or not (g.is_floating_point() or g.is_complex()):
            ok = _equal(g, e)
        else:
            ok = bool(_isclose(g, e, rtol=rtol, atol=atol, equal_nan=True).all())
        if not ok:
            detail = ""
            if g.is_floating_point() and g.numel():
                diff = (g.double() - e.double()).abs()
                worst = int(_argmax(torch.nan_to_num(diff, nan=float("inf"))))
                detail = (f"\nlargest difference {diff.flatten()[worst].item():.3g} at flat index {worst} "
                          f"(allowed: atol={atol:g} + rtol={rtol:g} x |expected|)")
            _fail(f"{what}: values differ from the expected ones.\nexpected:\n{_show(e)}\ngot:\n{_show(g)}{detail}")
        return
    if _isinstance(expected, bool) or not _isinstance(expected, (int, float)):
        raise TypeError("check_close compares tensors or numbers; use check_equal for other values")
    check_type(got, (int, float), what)
    if not (_abs(_float(got) - _float(expected)) <= atol + rtol * _abs(_float(expected))):
        _fail(f"{what}: expected {expected!r}, got {got!r} (tolerance atol={atol:g}, rtol={rtol:g})")


def _differences(got: Any, expected: Any, path: str) -> Iterator[str]:
    """Every place where ``got`` differs from ``expected`` in type or value (containers walked)."""
    if _type(got) is not _type(expected):
        yield f"{path}: expected a {_name(expected)} ({_show(expected, 200)}), got a {_name(got)} ({_show(got, 200)})"
        return
    if _isinstance(expected, _Tensor):
        if tuple(got.shape) != tuple(expected.shape) or got.dtype != expected.dtype:
            yield (f"{path}: expected a {expected.dtype} tensor of shape {tuple(expected.shape)}, "
                   f"got a {got.dtype} tensor of shape {tuple(got.shape)}")
        elif not _equal(_cpu_tensor(got), _cpu_tensor(expected)):
            yield f"{path}: expected\n{_show(_cpu_tensor(expected))}\ngot\n{_show(_cpu_tensor(got))}"
    elif _isinstance(expected, _ndarray):
        if got.shape != expected.shape or got.dtype != expected.dtype or not _array_equal(got, expected):
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    elif _isinstance(expected, (list, tuple)):
        if _len(got) != _len(expected):
            yield f"{path}: expected {_len(expected)} items, got {_len(got)}: {_show(got, 300)}"
        else:
            for i, (g, e) in enumerate(zip(got, expected)):
                yield from _differences(g, e, f"{path}[{i}]")
    elif _isinstance(expected, Mapping):
        missing, extra = [k for k in expected if k not in got], [k for k in got if k not in expected]
        if missing or extra:
            yield f"{path}: keys differ: missing {missing}, unexpected {extra}"
        for key in expected:
            if key in got:
                yield from _differences(got[key], expected[key], f"{path}[{key!r}]")
    elif _isinstance(expected, (set, frozenset)):
        if not (_all_same_types(got) and got == expected):
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    elif _isinstance(expected, _SCALARS + (_dtype, torch.device, torch.Size)):
        if not (expected == got and got == expected):
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    else:
        raise TypeError(f"check_equal cannot compare {_name(expected)} values exactly; compare their parts")


def _all_same_types(items) -> bool:
    return all(_type(x) in _SCALARS for x in items)


def check_equal(got: Any, expected: Any, what: str = "the result") -> None:
    """Exact comparison, type first at every level: numbers, strings, tensors, arrays, lists, tuples, dicts.

    ``check_equal([1, 2], [1, 2])`` passes; ``[1.0, 2]``, ``(1, 2)`` or a list of always-equal objects fail.
    """
    problems = list(_differences(got, expected, what))
    if problems:
        first = problems[0]
        more = f"\n(and {_len(problems) - 1} more difference(s))" if _len(problems) > 1 else ""
        _fail(first + more)


def check_true(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is exactly ``True`` (a real ``bool``, not just truthy)."""
    if _type(condition) is not bool:
        _fail(f"{message} (the check got a {_name(condition)}, not a bool: {_show(condition, 200)})")
    if condition is not True:
        _fail(message)


def check_in_range(got: Any, low: float | None = None, high: float | None = None, what: str = "the result") -> None:
    """Fail unless ``got`` is a real ``int``/``float`` with ``low <= got <= high`` (either bound optional)."""
    check_type(got, (int, float), what)
    if (low is not None and not got >= low) or (high is not None and not got <= high):
        bounds = (f"at least {low:g}" if high is None else f"at most {high:g}" if low is None
                  else f"between {low:g} and {high:g}")
        _fail(f"{what}: expected {bounds}, got {got!r}")


@contextlib.contextmanager
def check_raises(expected: type[BaseException] | tuple[type[BaseException], ...], what: str,
                 match: str | None = None) -> Iterator[None]:
    """Context manager: the block must raise ``expected`` (and its message must contain regex ``match``).

    >>> with check_raises(ValueError, "int('x')"):
    ...     int("x")
    """
    names = " or ".join(e.__name__ for e in (expected if _isinstance(expected, tuple) else (expected,)))
    try:
        yield
    except expected as exc:
        if match is not None and not re.search(match, str(exc)):
            _fail(f"{what}: raised {_name(exc)} as expected, but its message should mention {match!r}; "
                  f"it says: {_show(str(exc))}")
        return
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure we report
        _fail(f"{what}: expected {names}, got {_name(exc)}: {_show(str(exc))}")
    _fail(f"{what}: expected {names} to be raised, but nothing was raised")


def check_parameters(module: Any, expected: Mapping[str, Sequence[int]], what: str = "the model") -> None:
    """Fail unless ``module`` is an ``nn.Module`` whose parameters are exactly ``{name: shape}``."""
    check_type(module, _Module, what)
    got = {name: tuple(p.shape) for name, p in _named_parameters(module)}
    want = {name: tuple(shape) for name, shape in expected.items()}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    wrong = [f"{n}: expected {want[n]}, got {got[n]}" for n in sorted(set(want) & set(got)) if want[n] != got[n]]
    if missing or extra or wrong:
        parts = ([f"missing parameters {missing}"] if missing else []) + \
                ([f"unexpected parameters {extra}"] if extra else []) + wrong
        _fail(f"{what}: " + "; ".join(parts))


def check_outputs(got_fn: Callable, reference_fn: Callable, inputs: Sequence[Any], what: str = "the result",
                  rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Call both functions (or modules) on each input and compare the results with :func:`check_close`."""
    for i, x in enumerate(inputs):
        args = x if _isinstance(x, tuple) else (x,)
        shape = tuple(args[0].shape) if args and _isinstance(args[0], _Tensor) else None
        check_close(got_fn(*args), reference_fn(*args), rtol=rtol, atol=atol,
                    what=f"{what} for input {i}" + (f" of shape {shape}" if shape else ""))


def check_accuracy(model: Any, inputs: torch.Tensor, targets: torch.Tensor, at_least: float,
                   what: str = "the model", batch_size: int = 500) -> None:
    """Evaluate a classifier (argmax of its outputs) on ``inputs`` and fail below ``at_least``.

    Runs in eval mode without gradients on the model's device, then restores the model's mode. Like
    every check it returns None: a number left as a test cell's last value would be shown, and
    nbgrader would score it as partial credit.
    """
    check_type(model, _Module, what)
    params = list(_Module_parameters(model))
    device = params[0].device if params else torch.device("cpu")
    was_training = model.training
    _Module_train(model, False)
    correct = 0
    try:
        with _no_grad():
            for start in range(0, _len(targets), batch_size):
                out = model(_to(inputs[start:start + batch_size], device))
                check_tensor(out, what=f"{what}'s output")
                correct += int((_cpu_tensor(_argmax(out, dim=1)) == targets[start:start + batch_size]).sum())
    finally:
        _Module_train(model, was_training)
    accuracy = correct / max(_len(targets), 1)
    if not accuracy >= at_least:
        _fail(f"{what}: accuracy {accuracy:.3f} on {_len(targets)} held-out examples; it needs at least {at_least:.3f}")


class _TorchCallCounter(torch.overrides.TorchFunctionMode):
    """Counts the torch functions and tensor methods called while it is active (nested calls count once)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def check_constant_work(run: Callable[[int], Any], sizes: Sequence[int], what: str = "the function") -> None:
    """Fail unless ``run(n)`` calls the same number of torch operations for every ``n`` in ``sizes``.

    ``run(n)`` calls the code under test on inputs of size ``n`` (build the inputs beforehand). A Python loop
    over the samples of a batch makes the number of calls grow with ``n``; vectorised code does not. Counted
    are torch functions and tensor methods (``torch.where``, ``x.flip``, ``x[i]``...), via a ``TorchFunctionMode``.
    """
    counts = []
    for n in sizes:
        counter = _TorchCallCounter()
        with counter:
            run(n)
        counts.append(counter.calls)
    if _len(set(counts)) > 1:
        detail = ", ".join(f"{c} for size {n}" for n, c in zip(sizes, counts))
        _fail(f"{what}: the number of tensor operations grows with the input size ({detail}); "
              f"work on the whole batch at once instead of looping over its samples")


class _ReadOnlyModule(types.ModuleType):
    """The class of this module once imported: its attributes cannot be replaced or deleted."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"helpers.checks is read-only: test cells rely on `{name}` as it is")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"helpers.checks is read-only: test cells rely on `{name}` as it is")


sys.modules[__name__].__class__ = _ReadOnlyModule
