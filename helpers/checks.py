"""Assertions for exercise test cells, with "expected X, got Y" messages.

They check the *type* first, so an object whose ``__eq__`` always returns True cannot pass,
and they compare values in a device-agnostic way (everything is moved to the CPU).
"""
from __future__ import annotations

from typing import Any, Sequence

import torch


def _name(obj: Any) -> str:
    """Type name, qualified when not a builtin (``numpy.bool`` is not ``bool``)."""
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def check_type(got: Any, expected_type: type | tuple[type, ...], what: str = "the result") -> None:
    """Fail unless ``got`` is an instance of ``expected_type`` (``bool`` never passes as ``int``)."""
    types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    ok = isinstance(got, types) and not (isinstance(got, bool) and bool not in types)
    if not ok:
        names = " or ".join(t.__name__ for t in types)
        raise AssertionError(f"{what} should be a {names}, got {_name(got)}: {got!r}"[:500])


def check_tensor(got: Any, *, shape: Sequence[int] | None = None, dtype: torch.dtype | None = None,
                 what: str = "the result") -> None:
    """Fail unless ``got`` is a ``torch.Tensor`` with the given shape and dtype (when given)."""
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor, got {_name(got)}")
    if shape is not None and tuple(got.shape) != tuple(shape):
        raise AssertionError(f"{what}: expected shape {tuple(shape)}, got {tuple(got.shape)}")
    if dtype is not None and got.dtype != dtype:
        raise AssertionError(f"{what}: expected dtype {dtype}, got {got.dtype}")


def check_close(got: Any, expected: Any, *, what: str = "the result", rtol: float = 1e-5,
                atol: float = 1e-6, check_dtype: bool = True) -> None:
    """Compare a tensor (or number) with the expected one: type, shape, dtype, then values.

    Tensors are compared on the CPU, so the check works whatever device the answer lives on.
    """
    if isinstance(expected, torch.Tensor):
        check_tensor(got, shape=expected.shape, dtype=expected.dtype if check_dtype else None, what=what)
        g, e = got.detach().cpu(), expected.detach().cpu()
        if not check_dtype:
            g = g.to(e.dtype)
        try:
            torch.testing.assert_close(g, e, rtol=rtol, atol=atol)
        except AssertionError as exc:
            raise AssertionError(f"{what}: values differ from the expected ones.\n"
                                 f"expected:\n{e}\ngot:\n{g}\n{exc}") from None
        return
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        raise TypeError("check_close compares tensors or numbers; use check_equal for other values")
    check_type(got, (int, float), what)
    if abs(float(got) - float(expected)) > atol + rtol * abs(float(expected)):
        raise AssertionError(f"{what}: expected {expected!r}, got {got!r}")


def check_equal(got: Any, expected: Any, what: str = "the result") -> None:
    """Exact comparison that checks the type first (``type(got) is type(expected)``)."""
    if type(got) is not type(expected):
        raise AssertionError(f"{what} should be a {_name(expected)}, got {_name(got)}: {got!r}"[:500])
    if isinstance(expected, torch.Tensor):
        check_close(got, expected, what=what, rtol=0, atol=0)
    elif not (expected == got and got == expected):
        raise AssertionError(f"{what}: expected {expected!r}, got {got!r}"[:800])
