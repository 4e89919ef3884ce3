"""Assertions for exercise test cells: type first, then value, with "expected X, got Y" messages.

Test cells import what they use, in the cell itself::

    from helpers.checks import check_close, check_equal

so a solution cell that rebinds those names in the notebook cannot reach them. Every check tests the
*type* before the value, so an object whose ``__eq__`` always returns True fails; values are compared
on the CPU, so checks work whatever device an answer lives on.

What this module protects, inside the kernel it shares with the student's code:

* **Plain values only.** Tensors must be exactly ``torch.Tensor`` (or ``nn.Parameter``), numbers exactly
  ``int``/``float`` (``numpy.float64`` is read as the float it holds): a subclass that answers
  ``isclose``/``equal``/``__eq__``/``__ge__`` with True fails with a message, before any torch operation
  touches it, and so does a tensor with a ``__torch_dispatch__`` of its own. torchvision's tv_tensors
  (``Image``, ``Mask``, ..., what its v2 transforms return) are read as the plain tensors of their data.
  Types are read with ``type()``, never ``isinstance`` (which believes a fake ``__class__``).
* **Comparisons no patch reaches.** Every torch operation of a check runs with torch-function dispatch
  disabled (``torch._C.DisableTorchFunction``: modes and subclasses) and goes through references taken
  at import from PyTorch's C types (``torch._C.TensorBase.item``, ``torch._C._VariableFunctions.isclose``,
  which cannot be patched), never through ``bool(t)``, ``t == u`` or ``torch.Tensor`` attributes, so
  class-level patches of ``torch.Tensor`` and patches of ``torch``/``numpy`` functions do not reach them.
  The functions of this module look builtins up in a private copy of ``builtins``, checked at import.
  A ``TorchFunctionMode`` or ``TorchDispatchMode`` left active by the notebook (other than a
  ``with torch.device(...)`` block) fails every check: it would reach the test cell's own computations.
* **A module that checks itself.** The module is read-only (assigning or deleting attributes raises
  ``AttributeError``). At the end of import it takes a snapshot (kept in closures, not in a module global):
  the identity of every entry of the module's namespace and of its builtins, and of every function's
  ``__code__``, ``__defaults__``, ``__kwdefaults__``, ``__closure__`` and closure cells (public checks,
  private helpers, methods, and the outside Python functions it calls, such as ``train_steps``). Each
  ``from helpers.checks import ...`` and each call of a public check compares the module with it; a
  difference (``types.ModuleType.__setattr__(checks, ...)``, a replaced ``__code__``, a patched
  ``__globals__`` entry) fails the test with "helpers.checks was modified by code in this notebook
  (...); the tests cannot run".

The builtins this module uses are checked when it is imported: one replaced by the notebook before the
first ``from helpers.checks import ...`` makes the import fail with "helpers.checks cannot trust its tools".

What it does not protect: code in the same process can always go further: disable both points of
verification (replace a public check's ``__code__`` *and* the module's class or its ``__getattribute__``),
rewrite the snapshot through closure cells, replace ``sys.modules["helpers.checks"]`` or
``builtins.__import__`` so that the test cell imports something else, patch the Python-level parts of
torch and helpers it calls (``nn.Module`` methods, ``torch.manual_seed``, the internals of
``train_steps``) before the notebook first imports this module, or write memory with ``ctypes``. Each of
those needs dunder attributes, ``sys``, ``builtins``, ``gc`` or ``ctypes``, which :mod:`cookbook.audit`
flags for an instructor's review; the grader's sandbox protects files and processes. These defences make
the known cheats fail loudly instead of scoring; they are not a security boundary.
"""
from __future__ import annotations

import builtins as _builtins_module

# The functions of this module look builtins up here, not in the kernel's (shared, patchable) builtins.
__builtins__ = _builtins_module.__dict__.copy()
#: Every builtin this module uses (tests/helpers/test_checks.py keeps the list complete), checked right here.
#: ``__import__`` is not: debuggers replace it, and whoever controls it controls what a test cell imports anyway.
_BUILTINS_USED = ("AssertionError", "AttributeError", "Exception", "KeyError", "TypeError", "ValueError",
                  "__build_class__", "abs", "all", "bool", "bytes", "callable", "complex", "dict",
                  "enumerate", "float", "frozenset", "getattr", "globals", "id", "int", "isinstance", "issubclass",
                  "len", "list", "max", "min", "object", "range", "repr", "set", "slice", "sorted", "str", "sum",
                  "super", "tuple", "type", "vars", "zip")
_IMMUTABLE_TYPE = 1 << 8   # Py_TPFLAGS_IMMUTABLETYPE: static types (int, ...) have it, classes made in Python never


def _genuine_builtin(name, value):
    """Whether ``value`` is the interpreter's own builtin ``name`` (a C function or type), not a replacement.

    Uses no builtin itself (they are what it checks): literals, attribute access and ``is``.
    """
    real_type = ().__class__.__class__
    if real_type(value) is real_type([].append):          # builtin_function_or_method
        owner = value.__self__
        return real_type(owner) is real_type(_builtins_module) and owner.__name__ == "builtins" \
            and value.__name__ == name
    if real_type(value) is real_type:
        return (value.__flags__ & _IMMUTABLE_TYPE) != 0 and value.__module__ == "builtins" and value.__name__ == name
    return False


for _builtin in _BUILTINS_USED:
    if not _genuine_builtin(_builtin, __builtins__.get(_builtin)):
        _problem = (f"helpers.checks cannot trust its tools (the builtin {_builtin} was replaced before helpers.checks "
                    f"was imported); the tests cannot run: remove the code that changes it")
        if _genuine_builtin("AssertionError", __builtins__.get("AssertionError")):
            raise __builtins__["AssertionError"](_problem)
        assert False, _problem  # noqa: B011 - the genuine AssertionError, even when the builtin name was replaced
del _builtin

import contextlib  # noqa: E402 - after the private builtins, so that every function below uses them
import dataclasses  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable, Iterator, Mapping, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.optim.optimizer as _optimizer_module  # noqa: E402
from torch.utils._device import DeviceContext as _DeviceContext  # noqa: E402

from . import challenges as _challenges  # noqa: E402
from . import training as _training  # noqa: E402

__all__ = ("check_accuracy", "check_challenge", "check_close", "check_constant_work", "check_equal",
           "check_in_range", "check_outputs", "check_parameters", "check_raises", "check_tensor", "check_true",
           "check_type")

# ----------------------------------------------------------------------------------------------------------------
# References taken at import time: later patches of torch, numpy or the builtins do not reach the checks.
# Tensor methods and torch functions come from PyTorch's C types, which cannot be patched at all.
_isinstance, _issubclass, _type, _len, _repr, _float, _abs_, _getattr = (
    __builtins__[n] for n in ("isinstance", "issubclass", "type", "len", "repr", "float", "abs", "getattr"))
_object_getattribute, _float_value = object.__getattribute__, float.__float__
_TB, _VF = torch._C.TensorBase, torch._C._VariableFunctions
_DisableTorchFunction = torch._C.DisableTorchFunction
_Tensor, _Parameter = torch.Tensor, torch.nn.Parameter
_PLAIN_TENSORS = (_Tensor, _Parameter)
_TV_TENSORS = frozenset({"Image", "Video", "Mask", "BoundingBoxes", "KeyPoints"})
_dispatch_keys, _PYTHON_DISPATCH = torch._C._dispatch_keys, torch._C.DispatchKey.Python
_SHAPE, _DTYPE, _DEVICE = (_TB.__dict__[n].__get__ for n in ("shape", "dtype", "device"))
_REQUIRES_GRAD = _TB.__dict__["requires_grad"].__get__
_detach, _cpu, _to, _double, _tabs, _flatten, _numel = (_TB.detach, _TB.cpu, _TB.to, _TB.double, _TB.abs,
                                                        _TB.flatten, _TB.numel)
_is_floating_point, _is_complex, _all, _sum, _item, _eq, _getitem = (_TB.is_floating_point, _TB.is_complex, _TB.all,
                                                                     _TB.sum, _TB.item, _TB.eq, _TB.__getitem__)
_clone, _sub, _tmax, _as_subclass, _tolist = _TB.clone, _TB.sub, _TB.max, _TB.as_subclass, _TB.tolist
_isclose, _equal, _nan_to_num, _argmax, _bincount, _zeros, _ones = (_VF.isclose, _VF.equal, _VF.nan_to_num,
                                                                    _VF.argmax, _VF.bincount, _VF.zeros, _VF.ones)
_tensor_repr = torch.Tensor.__repr__
_BOOL, _INT64, _dtype, _device, _Size = torch.bool, torch.int64, torch.dtype, torch.device, torch.Size
_is_grad_enabled, _set_grad_enabled = torch._C.is_grad_enabled, torch._C._set_grad_enabled
_tf_stack_len, _tf_stack_at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at
_dispatch_stack_len, _dispatch_stack_at = torch._C._len_torch_dispatch_stack, torch._C._get_dispatch_stack_at
_ndarray, _array_equal, _np_float64 = np.ndarray, np.array_equal, np.float64
_Module = torch.nn.Module
_Module_train, _Module_parameters, _named_parameters, _Module_to = (_Module.train, _Module.parameters,
                                                                    _Module.named_parameters, _Module.to)
_Optimizer, _register_step_post_hook = torch.optim.Optimizer, torch.optim.Optimizer.register_step_post_hook
_GLOBAL_STEP_HOOKS = (_optimizer_module._global_optimizer_pre_hooks, _optimizer_module._global_optimizer_post_hooks)
#: The optimizer classes torch.optim defines (a subclass defined elsewhere could do extra work in step()).
_TORCH_OPTIMIZERS = frozenset(v for v in vars(torch.optim).values()
                              if _type(v) is type and _issubclass(v, _Optimizer) and v is not _Optimizer
                              and v.__module__.startswith("torch.optim"))
_manual_seed, _train_steps, _re_search = torch.manual_seed, _training.train_steps, re.search
_Challenge = _challenges.Challenge
#: A private copy of today's challenge rules (field values only): changing the registry later changes no grade.
_CHALLENGE_TABLE = types.MappingProxyType({k: dataclasses.astuple(v) for k, v in _challenges.CHALLENGES.items()})
_SCALARS = (bool, int, float, complex, str, bytes, type(None))
_PUBLIC = frozenset(__all__)
MAX_MESSAGE = 4000
#: Examples used to check that a challenge model is untrained (the first ones of the test split).
UNTRAINED_EXAMPLES = 2000


class _NoGrad:
    """``torch.no_grad()`` from the C switch itself (the Python class could be patched)."""

    def __enter__(self) -> None:
        self.previous = _is_grad_enabled()
        _set_grad_enabled(False)

    def __exit__(self, *exc: Any) -> None:
        _set_grad_enabled(self.previous)


def _name(obj: Any) -> str:
    """Type name, qualified when not a builtin (``numpy.bool`` is not ``bool``)."""
    cls = _type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _show(obj: Any, limit: int = 600) -> str:
    """A repr for a message, shortened with a note when it is long (never cut silently)."""
    try:
        if _type(obj) in _PLAIN_TENSORS:
            with _DisableTorchFunction():
                text = _tensor_repr(obj)
        else:
            text = _repr(obj)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real failure
        text = f"<{_name(obj)} object>"
    if _type(text) is not str:
        text = f"<{_name(obj)} object>"
    return text if _len(text) <= limit else f"{text[:limit]}... ({_len(text) - limit} more characters)"


def _fail(message: str) -> None:
    if _len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}... ({_len(message) - MAX_MESSAGE} more characters)"
    raise AssertionError(message)


def _is_tv_tensor(cls: type) -> bool:
    """torchvision's tv_tensors (what its v2 transforms return): read as the plain tensors of their data."""
    return cls.__module__.startswith("torchvision.tv_tensors.") and cls.__name__ in _TV_TENSORS


def _plain_tensor(got: Any, what: str) -> torch.Tensor:
    """``got`` itself when its type is exactly torch.Tensor or nn.Parameter, else fail (before any torch
    operation touches it). torchvision's tv_tensors (``Image``, ``Mask``, ...) are read as the plain tensor of
    their data. A tensor that brings its own ``__torch_dispatch__`` (which even disabled torch-function
    dispatch does not turn off) fails too."""
    cls = _type(got)
    tv_tensor = cls not in _PLAIN_TENSORS and _issubclass(cls, _Tensor) and _is_tv_tensor(cls)
    if cls in _PLAIN_TENSORS or tv_tensor:
        if _dispatch_keys(got).has(_PYTHON_DISPATCH):
            _fail(f"{what} should be a plain torch.Tensor, got a tensor with a dispatch of its own "
                  f"(__torch_dispatch__): return the tensor itself, not a wrapper around it")
        if tv_tensor:
            with _DisableTorchFunction():
                return _as_subclass(got, _Tensor)
        return got
    if _issubclass(cls, _Tensor):
        _fail(f"{what} should be a plain torch.Tensor, got a subclass {_name(got)}: return the tensor itself "
              f"(e.g. torch.as_tensor(x) on plain data, or x.as_subclass(torch.Tensor)), not a subclass whose "
              f"operations can behave differently")
    _fail(f"{what} should be a torch.Tensor, got {_name(got)}: {_show(got, 200)}")


def _plain(t: torch.Tensor) -> torch.Tensor:
    """A test's own tensor as a plain one (its data, without a subclass's behaviour)."""
    if _type(t) in _PLAIN_TENSORS:
        return t
    with _DisableTorchFunction():
        return _as_subclass(t, _Tensor)


def _plain_number(got: Any) -> int | float | None:
    """``got`` as an exact int or float, or None: a subclass of int/float (other than numpy.float64) is refused."""
    cls = _type(got)
    if cls is int or cls is float:
        return got
    if cls is _np_float64:
        return _float_value(got)
    return None


def _shape(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(_SHAPE(t))


def _cpu_tensor(t: torch.Tensor) -> torch.Tensor:
    return _cpu(_detach(t))


def _check_type(got: Any, expected_type: type | tuple[type, ...], what: str = "the result") -> None:
    """Fail unless ``got`` is an instance of ``expected_type`` (``bool`` never passes as ``int``).

    The type is read with ``type(got)``: an object that claims another ``__class__`` does not pass.
    """
    types_ = expected_type if _type(expected_type) is tuple else (expected_type,)
    cls = _type(got)
    ok = _issubclass(cls, types_) and not (_issubclass(cls, bool) and bool not in types_)
    if not ok:
        names = " or ".join(t.__name__ for t in types_)
        _fail(f"{what} should be a {names}, got {_name(got)}: {_show(got)}")


def _tensor_like(got: Any, shape: Sequence[int] | None, dtype: torch.dtype | None, what: str) -> torch.Tensor:
    """:func:`check_tensor`, returning the plain tensor that the values are then read from."""
    got = _plain_tensor(got, what)
    with _DisableTorchFunction():
        got_shape, got_dtype = _shape(got), _DTYPE(got)
    if shape is not None and got_shape != tuple(shape):
        _fail(f"{what}: expected shape {tuple(shape)}, got {got_shape}")
    if dtype is not None and got_dtype is not dtype:
        _fail(f"{what}: expected dtype {dtype}, got {got_dtype}")
    return got


def _check_tensor(got: Any, *, shape: Sequence[int] | None = None, dtype: torch.dtype | None = None,
                  what: str = "the result") -> None:
    """Fail unless ``got`` is a plain ``torch.Tensor`` (or ``nn.Parameter``) with the given shape and dtype.

    A subclass of ``torch.Tensor`` fails: return the tensor itself (torchvision's tv_tensors, which its v2
    transforms return, are read as plain tensors).
    """
    _tensor_like(got, shape, dtype, what)


def _compare_tensors(g: torch.Tensor, e: torch.Tensor, rtol: float, atol: float) -> str | None:
    """None when ``g`` matches ``e`` (CPU tensors of one dtype), else the largest difference, for the message."""
    with _DisableTorchFunction():
        if _DTYPE(g) is _BOOL or not (_is_floating_point(g) or _is_complex(g)):
            ok = _equal(g, e)
        else:
            ok = _item(_all(_isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)))
        if ok is True:
            return None
        detail = ""
        if _is_floating_point(g) and _numel(g):
            diff = _tabs(_sub(_double(g), _double(e)))
            worst = _item(_argmax(_nan_to_num(diff, nan=_float("inf"))))
            detail = (f"\nlargest difference {_item(_getitem(_flatten(diff), worst)):.3g} at flat index {worst} "
                      f"(allowed: atol={atol:g} + rtol={rtol:g} x |expected|)")
        return detail


def _check_close(got: Any, expected: Any, *, what: str = "the result", rtol: float = 1e-5, atol: float = 1e-6,
                 check_dtype: bool = True) -> None:
    """Compare a tensor (or a number) with the expected one: type, shape, dtype, then values.

    Tensors are compared on the CPU with ``|got - expected| <= atol + rtol * |expected|`` element-wise
    (NaN equals NaN); ``got`` must be a plain ``torch.Tensor`` (not a subclass). Numbers must be exactly
    ``int`` or ``float`` (not ``bool``, not a tensor, not a subclass; ``numpy.float64`` is read as a float).
    """
    if _issubclass(_type(expected), _Tensor):
        expected = _plain(expected)
        with _DisableTorchFunction():
            e_shape, e_dtype = _shape(expected), _DTYPE(expected)
        got = _tensor_like(got, e_shape, e_dtype if check_dtype else None, what)
        with _DisableTorchFunction():
            g, e = _cpu_tensor(got), _cpu_tensor(expected)
            if not check_dtype:
                g = _to(g, e_dtype)
        detail = _compare_tensors(g, e, rtol, atol)
        if detail is not None:
            _fail(f"{what}: values differ from the expected ones.\nexpected:\n{_show(e)}\ngot:\n{_show(g)}{detail}")
        return
    want = _plain_number(expected)
    if want is None:
        raise TypeError("check_close compares tensors or numbers; use check_equal for other values")
    _check_type(got, (int, float), what)
    value = _plain_number(got)
    if value is None:
        _fail(f"{what} should be a plain int or float, got a subclass {_name(got)}: return the number itself "
              f"(e.g. float(x))")
    if not (_abs_(_float(value) - _float(want)) <= atol + rtol * _abs_(_float(want))):
        _fail(f"{what}: expected {want!r}, got {value!r} (tolerance atol={atol:g}, rtol={rtol:g})")


def _differences(got: Any, expected: Any, path: str) -> Iterator[str]:
    """Every place where ``got`` differs from ``expected`` in type or value (containers walked)."""
    if _type(got) is not _type(expected):
        yield f"{path}: expected a {_name(expected)} ({_show(expected, 200)}), got a {_name(got)} ({_show(got, 200)})"
        return
    if _issubclass(_type(expected), _Tensor):
        got, expected = _plain_tensor(got, path), _plain(expected)
        with _DisableTorchFunction():
            g_shape, g_dtype, e_shape, e_dtype = _shape(got), _DTYPE(got), _shape(expected), _DTYPE(expected)
            same = g_shape == e_shape and g_dtype is e_dtype and _equal(_cpu_tensor(got), _cpu_tensor(expected))
        if g_shape != e_shape or g_dtype is not e_dtype:
            yield (f"{path}: expected a {e_dtype} tensor of shape {e_shape}, "
                   f"got a {g_dtype} tensor of shape {g_shape}")
        elif same is not True:
            yield f"{path}: expected\n{_show(_cpu_tensor(expected))}\ngot\n{_show(_cpu_tensor(got))}"
    elif _issubclass(_type(expected), _ndarray):
        if got.shape != expected.shape or got.dtype != expected.dtype or _array_equal(got, expected) is not True:
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    elif _issubclass(_type(expected), (list, tuple)):
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
    elif _issubclass(_type(expected), (set, frozenset)):
        if not (_all_same_types(got) and got == expected):
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    elif _issubclass(_type(expected), _SCALARS + (_dtype, _device, _Size)):
        if not (expected == got and got == expected):
            yield f"{path}: expected {_show(expected)}, got {_show(got)}"
    else:
        raise TypeError(f"check_equal cannot compare {_name(expected)} values exactly; compare their parts")


def _all_same_types(items) -> bool:
    return all(_type(x) in _SCALARS for x in items)


def _check_equal(got: Any, expected: Any, what: str = "the result") -> None:
    """Exact comparison, type first at every level: numbers, strings, tensors, arrays, lists, tuples, dicts.

    ``check_equal([1, 2], [1, 2])`` passes; ``[1.0, 2]``, ``(1, 2)`` or a list of always-equal objects fail.
    """
    problems = list(_differences(got, expected, what))
    if problems:
        first = problems[0]
        more = f"\n(and {_len(problems) - 1} more difference(s))" if _len(problems) > 1 else ""
        _fail(first + more)


def _check_true(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is exactly ``True`` (a real ``bool``, not just truthy)."""
    if _type(condition) is not bool:
        _fail(f"{message} (the check got a {_name(condition)}, not a bool: {_show(condition, 200)})")
    if condition is not True:
        _fail(message)


def _check_in_range(got: Any, low: float | None = None, high: float | None = None, what: str = "the result") -> None:
    """Fail unless ``got`` is a real ``int``/``float`` with ``low <= got <= high`` (either bound optional).

    The type must be exactly int or float (``numpy.float64`` is read as a float): a subclass of float with
    its own comparisons fails.
    """
    _check_type(got, (int, float), what)
    value = _plain_number(got)
    if value is None:
        _fail(f"{what} should be a plain int or float, got a subclass {_name(got)}: return the number itself "
              f"(e.g. float(x))")
    if (low is not None and not value >= low) or (high is not None and not value <= high):
        bounds = (f"at least {low:g}" if high is None else f"at most {high:g}" if low is None
                  else f"between {low:g} and {high:g}")
        _fail(f"{what}: expected {bounds}, got {value!r}")


@contextlib.contextmanager
def _check_raises(expected: type[BaseException] | tuple[type[BaseException], ...], what: str,
                  match: str | None = None) -> Iterator[None]:
    """Context manager: the block must raise ``expected`` (and its message must contain regex ``match``).

    >>> with check_raises(ValueError, "int('x')"):
    ...     int("x")
    """
    names = " or ".join(e.__name__ for e in (expected if _type(expected) is tuple else (expected,)))
    try:
        yield
    except expected as exc:
        if match is not None and not _re_search(match, str(exc)):
            _fail(f"{what}: raised {_name(exc)} as expected, but its message should mention {match!r}; "
                  f"it says: {_show(str(exc))}")
        return
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure we report
        _fail(f"{what}: expected {names}, got {_name(exc)}: {_show(str(exc))}")
    _fail(f"{what}: expected {names} to be raised, but nothing was raised")


def _check_parameters(module: Any, expected: Mapping[str, Sequence[int]], what: str = "the model") -> None:
    """Fail unless ``module`` is an ``nn.Module`` whose parameters are exactly ``{name: shape}``."""
    _check_type(module, _Module, what)
    with _DisableTorchFunction():
        got = {name: _shape(p) for name, p in _named_parameters(module)}
    want = {name: tuple(shape) for name, shape in expected.items()}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    wrong = [f"{n}: expected {want[n]}, got {got[n]}" for n in sorted(set(want) & set(got)) if want[n] != got[n]]
    if missing or extra or wrong:
        parts = ([f"missing parameters {missing}"] if missing else []) + \
                ([f"unexpected parameters {extra}"] if extra else []) + wrong
        _fail(f"{what}: " + "; ".join(parts))


def _check_outputs(got_fn: Callable, reference_fn: Callable, inputs: Sequence[Any], what: str = "the result",
                   rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Call both functions (or modules) on each input and compare the results with :func:`check_close`.

    Each output of ``got_fn`` must be a plain ``torch.Tensor`` when the reference's is a tensor.
    """
    for i, x in enumerate(inputs):
        args = x if _type(x) is tuple else (x,)
        with _DisableTorchFunction():
            shape = _shape(args[0]) if args and _type(args[0]) in _PLAIN_TENSORS else None
        _check_close(got_fn(*args), reference_fn(*args), rtol=rtol, atol=atol,
                     what=f"{what} for input {i}" + (f" of shape {shape}" if shape else ""))


def _model_device(model: torch.nn.Module) -> torch.device:
    for p in _Module_parameters(model):
        return _DEVICE(p)
    return _device("cpu")


def _correct(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor, what: str, batch_size: int,
             limit: int | None = None) -> tuple[int, int]:
    """(correct argmax predictions, examples) of ``model`` on the first ``limit`` examples, in eval mode.

    The model runs normally (it is the student's code); its outputs must be plain tensors, and everything
    done with them runs with torch-function dispatch disabled, through the references taken at import.
    """
    inputs = _plain_tensor(inputs, f"the inputs given to {what}")
    targets = _plain_tensor(targets, f"the labels {what} is compared with")
    with _DisableTorchFunction():
        n = _shape(targets)[0] if _shape(targets) else 0
    n = n if limit is None else min(n, limit)
    device = _model_device(model)
    was_training = model.training is True
    _Module_train(model, False)
    correct = 0
    try:
        with _NoGrad():
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                with _DisableTorchFunction():
                    batch = _to(_getitem(inputs, slice(start, stop)), device)
                out = _plain_tensor(model(batch), f"{what}'s output")
                with _DisableTorchFunction():
                    predicted = _cpu_tensor(_argmax(out, dim=1))
                    correct += _item(_sum(_eq(predicted, _cpu_tensor(_getitem(targets, slice(start, stop))))))
    finally:
        _Module_train(model, was_training)
    return correct, n


def _check_accuracy(model: Any, inputs: torch.Tensor, targets: torch.Tensor, at_least: float,
                    what: str = "the model", batch_size: int = 500) -> None:
    """Evaluate a classifier (argmax of its outputs) on ``inputs`` and fail below ``at_least``.

    Runs in eval mode without gradients on the model's device, then restores the model's mode. The model's
    outputs must be plain tensors. Like every check it returns None: a number left as a test cell's last
    value would be shown, and nbgrader would score it as partial credit.
    """
    _check_type(model, _Module, what)
    correct, n = _correct(model, inputs, targets, what, batch_size)
    accuracy = correct / max(n, 1)
    if not accuracy >= at_least:
        _fail(f"{what}: accuracy {accuracy:.3f} on {n} held-out examples; it needs at least {at_least:.3f}")


class _TorchCallCounter(torch.overrides.TorchFunctionMode):
    """Counts the torch functions and tensor methods called while it is active (nested calls count once)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def _check_constant_work(run: Callable[[int], Any], sizes: Sequence[int], what: str = "the function") -> None:
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


# ----------------------------------------------------------------------------------------------------------------
# Outcome-graded challenges (rules in helpers.challenges).

def _resolve_challenge(exercise_or_challenge: Any, profile: str | None) -> Any:
    if _type(exercise_or_challenge) is _Challenge:
        found = exercise_or_challenge
    elif _type(exercise_or_challenge) is str:
        values = _CHALLENGE_TABLE.get(exercise_or_challenge)
        if values is None:
            raise KeyError(f"no challenge {exercise_or_challenge!r}: the challenges are "
                           f"{', '.join(sorted(_CHALLENGE_TABLE))}")
        found = _Challenge(*values)
    else:
        raise TypeError(f"check_challenge takes an exercise id such as '2.6c' or a helpers.challenges.Challenge, "
                        f"got {_name(exercise_or_challenge)}")
    return found if profile is None else found.for_profile(profile)


def _chance_level(targets: torch.Tensor, n: int) -> float:
    """max(1 / number of classes, share of the most frequent class) among the first ``n`` labels."""
    with _DisableTorchFunction():
        labels = _cpu_tensor(_getitem(targets, slice(0, n)))
        if not n:
            return 1.0
        counts = _bincount(_flatten(_to(labels, _INT64)))
        classes = max(_shape(counts)[0], 1)
        return max(1 / classes, _item(_tmax(counts)) / n)


def _trainable_copies(model: torch.nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    with _DisableTorchFunction():
        return [(p, _clone(_detach(p))) for p in _Module_parameters(model) if _REQUIRES_GRAD(p) is True]


def _changed(copies: list[tuple[torch.Tensor, torch.Tensor]]) -> bool:
    """Whether any parameter moved (max |after - before| > 0; a NaN counts as a change)."""
    with _DisableTorchFunction():
        for p, before in copies:
            if _numel(before) and not _item(_tmax(_tabs(_sub(_double(_detach(p)), _double(before))))) == 0:
                return True
    return False


def _has_stepped(state: Mapping) -> bool:
    """Whether an optimizer's state shows a step: an entry with a ``step`` count above 0, or state without one
    (SGD's momentum buffers). Adagrad's fresh state (``step`` 0) is not a step; plain SGD keeps no state at all."""
    with _DisableTorchFunction():
        for entry in state.values():
            if not _isinstance(entry, Mapping) or not _len(entry):
                continue
            step = entry.get("step", _MISSING)
            if step is _MISSING:
                return True
            value = _item(step) if _type(step) in _PLAIN_TENSORS else step
            if not value == 0:
                return True
    return False


def _check_challenge(exercise_or_challenge: Any, make_model: Callable[..., Any], make_optimizer: Callable[..., Any],
                     batch_size: Any, train_set: Any, test: tuple[torch.Tensor, torch.Tensor], *, standin: bool,
                     device: Any, model_args: tuple = (), what: str = "your model",
                     profile: str | None = None) -> torch.nn.Module:
    """Grade an outcome-graded challenge within its budget; returns the trained model.

    ``exercise_or_challenge`` is an exercise id (``"2.6c"``: the rules are this module's copy of
    :data:`helpers.challenges.CHALLENGES`, taken at import) or a :class:`helpers.challenges.Challenge`;
    ``profile`` (``course.profile``) picks the full profile's step budget where a challenge has one.
    The check

    1. requires ``batch_size`` to be an ``int`` from 1 to the challenge's ``max_batch_size``;
    2. seeds torch with the challenge's seed and builds the model, ``make_model(*model_args)`` (an
       ``nn.Module``, moved to ``device``), and the optimizer, ``make_optimizer(model.parameters())``: an
       optimizer class of ``torch.optim`` itself (not a subclass), with no step taken and no step hooks;
    3. requires the model to be untrained: before training, its accuracy on (the first 2,000 examples of)
       ``test`` is at most chance level + the challenge's ``untrained_margin`` (0.10 unless it says otherwise),
       chance level being max(1 / number of classes, share of the most frequent class);
    4. trains it with :func:`helpers.training.train_steps` (``seed`` = the challenge's seed), counting the
       optimizer's steps with a step hook: exactly ``steps`` are allowed, and at least one trainable
       parameter must change;
    5. requires the challenge's bar on ``test`` (``(inputs, labels)``) with :func:`check_accuracy`.

    Every failure is an AssertionError that says why and what to do.
    """
    rules = _resolve_challenge(exercise_or_challenge, profile)
    steps, max_batch, seed, margin = rules.steps, rules.max_batch_size, rules.seed, rules.untrained_margin
    bar = rules.bar_standin if standin is True else rules.bar_real
    if _type(batch_size) is not int or not 1 <= batch_size <= max_batch:
        _fail(f"CHALLENGE_BATCH_SIZE should be an int from 1 to {max_batch}, got {_name(batch_size)} "
              f"{_show(batch_size, 100)}")
    if _type(test) is not tuple or _len(test) != 2:
        raise TypeError("check_challenge: test must be a tuple (inputs, labels)")
    test = (_plain_tensor(test[0], "the test inputs"), _plain_tensor(test[1], "the test labels"))
    model_call = "make_challenge_model(...)" if model_args else "make_challenge_model()"
    _manual_seed(seed)
    model = make_model(*model_args)
    _check_type(model, _Module, model_call)
    model = _Module_to(model, device)
    _check_type(model, _Module, f"{model_call}.to(device)")
    optimizer = make_optimizer(_Module_parameters(model))
    opt_call = "make_challenge_optimizer(model.parameters())"
    cls = _type(optimizer)
    if cls not in _TORCH_OPTIMIZERS or not cls.__module__.startswith("torch.optim"):
        _fail(f"{opt_call} should return an optimizer of torch.optim itself (torch.optim.SGD, Adam, AdamW, ...), "
              f"got {_name(optimizer)}: a class of your own could do work in step() that the budget does not count")
    instance = _object_getattribute(optimizer, "__dict__")
    shadowed = sorted(k for k in instance if callable(_getattr(cls, k, None)))
    if shadowed:
        _fail(f"{opt_call} replaced the optimizer's own methods ({', '.join(shadowed)}); return the optimizer as "
              f"torch.optim creates it")
    if not _isinstance(instance.get("state"), Mapping) or _has_stepped(instance["state"]):
        _fail(f"{opt_call} returned an optimizer that has already taken steps (its state is not empty): "
              f"return a new optimizer, the test takes all {steps} steps itself")
    hooks = [h for h in (instance.get("_optimizer_step_pre_hooks"), instance.get("_optimizer_step_post_hooks"))
             + _GLOBAL_STEP_HOOKS if h]
    if hooks:
        _fail(f"{opt_call} comes with optimizer step hooks (register_step_pre_hook/register_step_post_hook): "
              f"the challenge trains with a plain optimizer; remove them")
    correct, n = _correct(model, test[0], test[1], model_call, 500, limit=UNTRAINED_EXAMPLES)
    chance = _chance_level(test[1], n)
    if n and correct / n > chance + margin:
        _fail(f"{model_call} must return an untrained model: it already scores {correct / n:.3f} on {n} test "
              f"examples before the test trains it (chance level is {chance:.3f}); the challenge is to reach the bar "
              f"within {steps} steps")
    counted = [0]

    def count(opt, args, kwargs):
        counted[0] += 1

    copies = _trainable_copies(model)
    handle = _register_step_post_hook(optimizer, count)
    try:
        _train_steps(model, train_set, optimizer, steps=steps, batch_size=batch_size, device=device, seed=seed)
    finally:
        handle.remove()
    if counted[0] != steps:
        _fail(f"the optimizer took {counted[0]} steps during training; the budget is exactly {steps}: "
              f"do not step the optimizer (or train) anywhere else, e.g. inside the model's forward()")
    if not _changed(copies):
        _fail(f"training did not change the model's parameters (learning rate 0? an optimizer of other "
              f"parameters?): {opt_call} must optimise the parameters it is given")
    _check_accuracy(model, test[0], test[1], at_least=bar,
                    what=f"{what} after {steps} training steps, on the test split")
    return model


# ----------------------------------------------------------------------------------------------------------------
# The guard: a snapshot taken at the end of import, compared at every public access and call.

_MISSING = object()


def _watched(module_dict: dict) -> tuple[list, list]:
    """The functions (with a label) and classes whose state the snapshot keeps."""
    functions: dict[int, tuple[str, types.FunctionType]] = {}
    classes: dict[int, type] = {}
    todo = [(k, v) for k, v in module_dict.items()]
    while todo:
        label, obj = todo.pop()
        if _type(obj) is types.FunctionType:
            if id(obj) in functions:
                continue
            public = obj.__name__.lstrip("_")
            functions[id(obj)] = (public if public in _PUBLIC else obj.__qualname__, obj)
            if obj.__module__ == __name__ or obj.__closure__:
                for cell in obj.__closure__ or ():
                    try:
                        todo.append((label, cell.cell_contents))
                    except ValueError:   # an empty cell
                        pass
            wrapped = obj.__dict__.get("__wrapped__")
            if wrapped is not None:
                todo.append((label, wrapped))
        elif _type(obj) is types.MethodType and _type(obj.__func__) is types.FunctionType:
            todo.append((label, obj.__func__))
        elif _isinstance(obj, type) and (obj.__module__ == __name__ or obj is _Challenge) and id(obj) not in classes:
            classes[id(obj)] = obj
            for key, value in vars(obj).items():
                inner = _getattr(value, "__func__", None) or _getattr(value, "fget", None) or value
                todo.append((f"{obj.__name__}.{key}", inner))
    return list(functions.values()), list(classes.values())


def _make_guard() -> tuple[Callable[[], None], Callable[[types.ModuleType], None], Callable]:
    """(verify, seal, guarded): the snapshot lives in these closures only."""
    in_dicts: list = []         # (mapping, key, expected value, label): namespace, used builtins, class dicts
    in_functions: list = []     # (function, __code__, __defaults__, __kwdefaults__, __closure__, label)
    in_cells: list = []         # (closure cell, expected contents, label)
    dicts: list = []            # (label, mapping, its keys at seal time): nothing may be added
    problems: list = []         # found at import: builtins or torch replaced before this module was imported
    module_and_class: list = []

    def tampered(label: str) -> AssertionError:
        return AssertionError(f"helpers.checks was modified by code in this notebook ({label}); the tests cannot "
                              f"run: remove the code that changes it")

    def verify() -> None:
        for mapping, key, expected, label in in_dicts:
            if mapping.get(key, _MISSING) is not expected:
                raise tampered(label)
        for f, code, defaults, kwdefaults, closure, label in in_functions:
            if f.__code__ is not code:
                raise tampered(f"{label}.__code__ replaced")
            if f.__defaults__ is not defaults:
                raise tampered(f"{label}.__defaults__ replaced")
            if f.__kwdefaults__ is not kwdefaults:
                raise tampered(f"{label}.__kwdefaults__ replaced")
            if f.__closure__ is not closure:
                raise tampered(f"{label}.__closure__ replaced")
        for cell, expected, label in in_cells:
            try:
                same = cell.cell_contents is expected
            except ValueError:
                same = False
            if not same:
                raise tampered(label)
        for label, mapping, keys in dicts:
            if _len(mapping) != _len(keys):
                added = sorted(k for k in mapping if k not in keys and k != "__warningregistry__")
                if added:
                    raise tampered(f"{label}.{added[0]} added")
        module, cls = module_and_class
        if _type(module) is not cls:
            raise tampered("the module's class replaced")
        if problems:
            raise AssertionError(f"helpers.checks cannot trust its tools ({problems[0]}); the tests cannot run: "
                                 f"remove the code that changes it")
        mode = _foreign_mode()
        if mode is not None:
            raise AssertionError(f"{mode} is still active: code in this notebook entered it and did not leave it, so "
                                 f"every torch call of this test would go through it; the tests cannot run: use it in "
                                 f"a `with` block that ends before the test cell")

    def seal(module: types.ModuleType) -> None:
        if module_and_class:
            return
        namespace = _object_getattribute(module, "__dict__")
        private_builtins = namespace["__builtins__"]
        functions, classes = _watched(namespace)
        problem = _self_test()
        if problem:
            problems.append(problem)
        for key in _BUILTINS_USED:
            in_dicts.append((private_builtins, key, private_builtins[key], f"its builtin {key} replaced"))
        for key, value in namespace.items():
            if key != "__warningregistry__":
                in_dicts.append((namespace, key, value, f"helpers.checks.{key} replaced"))
        for cls in classes:
            for key, value in vars(cls).items():
                in_dicts.append((vars(cls), key, value, f"{cls.__name__}.{key} replaced"))
            dicts.append((cls.__name__, vars(cls), frozenset(vars(cls))))
        for label, f in functions:
            in_functions.append((f, f.__code__, f.__defaults__, f.__kwdefaults__, f.__closure__, label))
            for cell in f.__closure__ or ():
                try:
                    in_cells.append((cell, cell.cell_contents, f"a variable of {label}'s closure replaced"))
                except ValueError:   # an empty cell
                    pass
        dicts.append(("helpers.checks", namespace, frozenset(namespace)))
        module_and_class.extend((module, _type(module)))

    def guarded(impl: Callable, name: str) -> Callable:
        def check(*args: Any, **kwargs: Any) -> Any:
            verify()
            return impl(*args, **kwargs)

        check.__name__ = check.__qualname__ = name
        check.__doc__, check.__wrapped__ = impl.__doc__, impl
        return check

    return verify, seal, guarded


def _foreign_mode() -> str | None:
    """A torch function/dispatch mode left active by the notebook (``with torch.device(...)`` is fine)."""
    for i in range(_tf_stack_len()):
        mode = _tf_stack_at(i)
        if _type(mode) is not _DeviceContext:
            return f"a TorchFunctionMode ({_name(mode)})"
    if _dispatch_stack_len():
        return f"a TorchDispatchMode ({_name(_dispatch_stack_at(0))})"
    return None


def _self_test() -> str | None:
    """None when the captured comparisons see through a lying mode; else what is wrong (torch patched early)."""
    answers = frozenset({"equal", "isclose", "all", "item", "eq", "__eq__"})

    class Liar(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            if _getattr(func, "__name__", "") in answers:
                return True if _type(result) is bool or _type(result) in (int, float) else _ones(1, dtype=_BOOL)
            return result

    a, b = _ones(3), _zeros(3)
    try:
        with Liar():
            with _DisableTorchFunction():
                honest = (_equal(a, b), _item(_all(_isclose(a, b))), _type(_zeros(1)))
    except Exception as exc:  # noqa: BLE001 - any failure means the references cannot be trusted
        return f"torch's comparisons fail: {_name(exc)}"
    if honest != (False, False, _Tensor):
        return "torch's comparison functions were replaced before helpers.checks was imported"
    return None


_verify, _seal, _guarded = _make_guard()
for _public in __all__:
    globals()[_public] = _guarded(globals()[f"_{_public}"], _public)
del _public


def _make_getattribute(verify: Callable[[], None]) -> Callable:
    module_getattribute = types.ModuleType.__getattribute__

    def __getattribute__(self: types.ModuleType, name: str) -> Any:
        value = module_getattribute(self, name)
        if name in _PUBLIC:
            verify()
        return value

    return __getattribute__


class _ReadOnlyModule(types.ModuleType):
    """The class of this module once imported: its attributes cannot be replaced or deleted, and getting a
    public check verifies the module first (``from helpers.checks import check_close`` included)."""

    __getattribute__ = _make_getattribute(_verify)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"helpers.checks is read-only: test cells rely on `{name}` as it is")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"helpers.checks is read-only: test cells rely on `{name}` as it is")


del _make_getattribute, _verify, _guarded
sys.modules[__name__].__class__ = _ReadOnlyModule
_seal(sys.modules[__name__])
