"""helpers.checks: type-first checks that an always-equal object cannot pass, with clear messages,
and a module that patching cannot reach: tensor subclasses, lying numbers, torch function/dispatch modes,
class-level patches of torch.Tensor and changes to the module itself (its functions' code, defaults,
globals, builtins and closures) make the checks fail with a reason."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

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


# --- Trustworthy grades (item 3): checks a solution cell cannot reach or fool --------------------------------------


class LyingTensor(torch.Tensor):
    """A tensor subclass that answers every comparison with True (it passed the old checks)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("equal", "item"):
            return True
        if name in ("isclose", "eq", "__eq__", "all"):
            return torch.tensor(True)
        return super().__torch_function__(func, types, args, kwargs)


class LyingFloat(float):
    def __ge__(self, other):
        return True

    def __le__(self, other):
        return True

    def __float__(self):
        return 0.5


class LyingMode(TorchFunctionMode):
    """A mode a solution cell could enter and never leave: every comparison says 'equal'."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = getattr(func, "__name__", "")
        if name in ("equal", "item", "__bool__"):
            return True
        if name in ("isclose", "eq", "__eq__", "all"):
            return torch.ones_like(out, dtype=torch.bool) if isinstance(out, torch.Tensor) else True
        return out


class LyingDispatchMode(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if "equal" in str(func):
            return True
        if "isclose" in str(func) or ".eq." in str(func):
            return torch.ones_like(out)
        return out


def test_tensor_subclasses_fail_before_any_torch_operation_touches_them():
    wrong = torch.zeros(2).as_subclass(LyingTensor)
    plain = "should be a plain torch.Tensor, got a subclass .*LyingTensor.*as_subclass"
    with pytest.raises(AssertionError, match=plain):
        check_close(wrong, torch.ones(2))
    with pytest.raises(AssertionError, match=plain):
        check_tensor(wrong, shape=(2,))
    with pytest.raises(AssertionError, match=plain):
        check_equal([wrong], [torch.ones(2).as_subclass(LyingTensor)])
    with pytest.raises(AssertionError, match="for input 0 .*" + plain):
        check_outputs(lambda x: (x * 0).as_subclass(LyingTensor), lambda x: x, [torch.ones(3)])

    class LyingModel(nn.Module):
        def forward(self, x):
            return torch.zeros(x.shape[0], 2).as_subclass(LyingTensor)

    with pytest.raises(AssertionError, match="the model's output " + plain):
        check_accuracy(LyingModel(), torch.randn(10, 3), torch.ones(10, dtype=torch.long), at_least=0.5)


class DispatchLiar(torch.Tensor):
    """A subclass whose __torch_dispatch__ answers aten.equal with True: disabling torch functions does not help."""

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        if "equal" in str(func):
            return True
        raise RuntimeError(f"not supported: {func}")


def test_tensors_with_a_dispatch_of_their_own_fail():
    wrong = torch.zeros(2).as_subclass(DispatchLiar)
    with torch._C.DisableTorchFunction():
        assert torch.equal(wrong, torch.ones(2)) is True            # why: it lies below torch functions
    with pytest.raises(AssertionError, match="should be a plain torch.Tensor, got a subclass"):
        check_equal(wrong, torch.ones(2).as_subclass(DispatchLiar))

    class Image(DispatchLiar):                              # even under a name that is read as plain data
        __module__ = "torchvision.tv_tensors._image"

    with pytest.raises(AssertionError, match=r"a dispatch of its own \(__torch_dispatch__\)"):
        check_close(torch.zeros(2).as_subclass(Image), torch.ones(2))


def test_torchvision_tv_tensors_are_read_as_plain_tensors():
    from torchvision import tv_tensors
    image = tv_tensors.Image(torch.ones(1, 4, 4))
    check_tensor(image, shape=(1, 4, 4), dtype=torch.float32)
    check_close(image, torch.ones(1, 4, 4))
    with pytest.raises(AssertionError, match="values differ"):
        check_close(tv_tensors.Mask(torch.zeros(4, 4)), torch.ones(4, 4))
    check_equal(tv_tensors.Mask(torch.ones(2, 2)), tv_tensors.Mask(torch.ones(2, 2)))

    class Image(LyingTensor):                               # a look-alike is compared by its data
        __module__ = "torchvision.tv_tensors._image"

    with pytest.raises(AssertionError, match="values differ"):
        check_close(torch.zeros(2).as_subclass(Image), torch.ones(2))


def test_numbers_must_be_exactly_int_or_float():
    for call in (lambda: check_in_range(LyingFloat(5.0), 0, 1), lambda: check_close(LyingFloat(5.0), 0.5)):
        with pytest.raises(AssertionError, match="should be a plain int or float, got a subclass .*LyingFloat"):
            call()

    class Pretender:
        __class__ = property(lambda self: int)      # isinstance(Pretender(), int) is True

    with pytest.raises(AssertionError, match="should be a int, got .*Pretender"):
        check_type(Pretender(), int)


def test_honest_parameters_plain_tensors_and_numbers_still_pass():
    weight = nn.Parameter(torch.tensor([1.0, 2.0]))
    check_close(weight, torch.tensor([1.0, 2.0]))
    check_close(torch.tensor([1.0, 2.0]), nn.Parameter(torch.tensor([1.0, 2.0])))
    check_tensor(weight, shape=(2,), dtype=torch.float32)
    check_equal(weight, nn.Parameter(torch.tensor([1.0, 2.0])))
    check_equal(torch.tensor([[1, 2]]), torch.tensor([[1, 2]]))
    check_in_range(np.float64(0.5), 0, 1)                   # numpy's float64 is read as the float it holds
    check_close(np.float64(0.1) + 0.2, 0.3)
    check_close(3, 3.0)
    check_outputs(nn.Linear(2, 2), lambda x: x @ torch.zeros(2, 2), [torch.zeros(1, 2)], atol=10)
    with pytest.raises(AssertionError, match="expected between 0 and 1, got 1.5"):
        check_in_range(np.float64(1.5), 0, 1)
    with torch.device("cpu"):                              # a `with torch.device(...)` block is fine
        check_close(torch.ones(2), torch.ones(2))


def test_disable_torch_function_disables_modes_and_subclasses():
    """What the checks rely on, in the installed torch: DisableTorchFunction turns off modes and subclasses."""
    ones, zeros = torch.ones(2), torch.zeros(2)
    with LyingMode():
        assert torch.equal(ones, zeros) is True                      # the mode lies...
        with torch._C.DisableTorchFunction():
            assert torch._C._VariableFunctions.equal(ones, zeros) is False     # ...not here
            assert torch._C.TensorBase.item(torch._C.TensorBase.all(torch.isclose(ones, zeros))) is False
    lying = zeros.as_subclass(LyingTensor)
    assert torch.equal(lying, ones) is True
    with torch._C.DisableTorchFunction():
        assert torch.equal(lying, ones) is False


def test_a_torch_function_mode_left_active_fails_the_checks():
    mode = LyingMode()
    mode.__enter__()
    try:
        with pytest.raises(AssertionError, match=r"a TorchFunctionMode \(.*LyingMode\) is still active.*cannot run"):
            check_close(torch.ones(2), torch.zeros(2))
        with pytest.raises(AssertionError, match="LyingMode"):
            check_equal(1, 1)
        # and the comparisons themselves see through it
        assert checks._compare_tensors(torch.ones(2), torch.zeros(2), 1e-5, 1e-6) is not None
    finally:
        mode.__exit__(None, None, None)
    check_close(torch.ones(2), torch.ones(2))


def test_a_torch_dispatch_mode_left_active_fails_the_checks():
    mode = LyingDispatchMode()
    mode.__enter__()
    try:
        with pytest.raises(AssertionError, match=r"a TorchDispatchMode \(.*LyingDispatchMode\) is still active"):
            check_close(torch.ones(2), torch.zeros(2))
    finally:
        mode.__exit__(None, None, None)
    check_close(torch.ones(2), torch.ones(2))


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_class_level_patches_of_torch_tensor_do_not_reach_the_checks():
    """Patched before helpers.checks is first imported (the worst case): the checks read tensors through
    torch._C.TensorBase and torch._C._VariableFunctions, which cannot be patched."""
    code = """
import torch
from torch import nn
torch.Tensor.__bool__ = lambda self: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
torch.Tensor.item = lambda self: True
torch.Tensor.all = lambda self, *a, **k: torch.tensor(True)
torch.Tensor.equal = lambda self, other: True
torch.Tensor.shape = property(lambda self: torch.Size([2]))
torch.isclose = lambda *a, **k: torch.ones(1, dtype=torch.bool)
torch.equal = lambda *a, **k: True
import helpers.checks as c
model = nn.Linear(3, 2)
calls = [lambda: c.check_close(torch.ones(2), torch.zeros(2)), lambda: c.check_equal(torch.ones(2), torch.zeros(2)),
         lambda: c.check_tensor(torch.zeros(3), shape=(2,)),
         lambda: c.check_accuracy(model, torch.randn(20, 3), model(torch.randn(20, 3)).argmin(1).detach(), 0.99)]
failures = 0
for call in calls:
    try:
        call()
    except AssertionError:
        failures += 1
c.check_close(torch.ones(2), torch.ones(2))
print(failures)
"""
    out = _run(code)
    assert out.stdout.strip() == "4", out.stderr


TAMPERING = r'''
import json, types, torch
import helpers.checks as checks
from helpers.challenges import Challenge

def _closure_quiet():
    a = b = None
    def quiet(*args, **kwargs):
        return (a, b) and None
    return quiet

def quiet(*args, **kwargs):
    return None

check_close = checks.check_close
impl = check_close.__wrapped__
results = {}

def attempt(name, attack, undo):
    attack()
    try:
        exec("from helpers.checks import check_close as cc\ncc(torch.ones(2), torch.zeros(2))", {"torch": torch})
        results[name] = "PASSED"
    except AssertionError as exc:
        results[name] = str(exc)
    finally:
        undo()
    check_close(torch.ones(2), torch.ones(2))      # restored: honest use works again

def call_only(name, attack, undo):                  # the import would already notice: test the check itself
    attack()
    try:
        check_close(torch.ones(2), torch.zeros(2))
        results[name] = "PASSED"
    except AssertionError as exc:
        results[name] = str(exc)
    finally:
        undo()

g = getattr(check_close, "__glo" + "bals__")
b = check_close.__builtins__
cell = [c for c in check_close.__closure__ if c.cell_contents is impl][0]
attempt("module setattr", lambda: types.ModuleType.__setattr__(checks, "check_close", quiet),
        lambda: types.ModuleType.__setattr__(checks, "check_close", check_close))
code = check_close.__code__
attempt("wrapper code", lambda: object.__setattr__(check_close, "__code__", _closure_quiet().__code__),
        lambda: object.__setattr__(check_close, "__code__", code))
icode = impl.__code__
attempt("impl code", lambda: setattr(impl, "__code__", quiet.__code__), lambda: setattr(impl, "__code__", icode))
kw = impl.__kwdefaults__
attempt("kwdefaults", lambda: setattr(impl, "__kwdefaults__", {**kw, "rtol": 1e9, "atol": 1e9}),
        lambda: setattr(impl, "__kwdefaults__", kw))
ir = checks.check_in_range.__wrapped__
d = ir.__defaults__
attempt("defaults", lambda: setattr(ir, "__defaults__", (None, None, "x")), lambda: setattr(ir, "__defaults__", d))
fail = g["_fail"]
attempt("globals", lambda: g.__setitem__("_fail", lambda m: None), lambda: g.__setitem__("_fail", fail))
tup = b["tuple"]
attempt("builtins", lambda: b.__setitem__("tuple", lambda x: ()), lambda: b.__setitem__("tuple", tup))
attempt("added global", lambda: g.__setitem__("tuple", lambda x: ()), lambda: g.pop("tuple"))
attempt("closure cell", lambda: setattr(cell, "cell_contents", quiet), lambda: setattr(cell, "cell_contents", impl))
cls = type(checks)
delattr_ = cls.__dict__["__delattr__"]
attempt("module class dict", lambda: setattr(cls, "__delattr__", object.__delattr__),
        lambda: setattr(cls, "__delattr__", delattr_))
call_only("module class", lambda: types.ModuleType.__setattr__(checks, "__class__", types.ModuleType),
          lambda: types.ModuleType.__setattr__(checks, "__class__", cls))
bar = Challenge.__dict__["bar"]
attempt("challenge rules", lambda: setattr(Challenge, "bar", lambda self, standin: 0.0),
        lambda: setattr(Challenge, "bar", bar))
print(json.dumps(results))
'''


def test_changes_to_the_module_fail_the_tests_with_a_reason():
    """Each attack (done in a subprocess, then undone) makes the import and the checks fail with a message."""
    out = _run(TAMPERING)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout.strip().splitlines()[-1])
    expected = {"module setattr": "helpers.checks.check_close replaced",
                "wrapper code": "check_close.__code__ replaced",
                "impl code": "check_close.__code__ replaced", "kwdefaults": "check_close.__kwdefaults__ replaced",
                "defaults": "check_in_range.__defaults__ replaced", "globals": "helpers.checks._fail replaced",
                "builtins": "its builtin tuple replaced", "added global": "helpers.checks.tuple added",
                "closure cell": "a variable of check_close's closure replaced",
                "module class dict": "_ReadOnlyModule.__delattr__ replaced",
                "module class": "the module's class replaced", "challenge rules": "Challenge.bar replaced"}
    for attack, reason in expected.items():
        assert results[attack] == (f"helpers.checks was modified by code in this notebook ({reason}); the tests "
                                   f"cannot run: remove the code that changes it"), (attack, results[attack])


def test_a_builtin_replaced_before_the_first_import_fails_the_import():
    out = _run("import builtins, torch\nbuiltins.sorted = lambda *a, **k: []\n"
               "try:\n    from helpers.checks import check_type\nexcept AssertionError as e:\n    print(e)")
    assert out.stdout.strip() == ("helpers.checks cannot trust its tools (the builtin sorted was replaced before "
                                  "helpers.checks was imported); the tests cannot run: remove the code that changes "
                                  "it"), \
        out.stderr


def test_every_builtin_the_module_uses_is_checked_at_import():
    import builtins
    import types

    def names(code):
        found = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found |= names(const)
        return found

    code = compile(open(checks.__file__).read(), checks.__file__, "exec")
    used = names(code) & set(vars(builtins)) - {"__name__", "__doc__"}
    assert used <= set(checks._BUILTINS_USED), sorted(used - set(checks._BUILTINS_USED))
    assert all(checks._genuine_builtin(n, getattr(builtins, n)) for n in checks._BUILTINS_USED)
    assert not checks._genuine_builtin("len", lambda x: 0)
    assert not checks._genuine_builtin("int", type("int", (int,), {"__module__": "builtins"}))


def test_the_snapshot_is_not_a_module_global():
    assert not [name for name in vars(checks) if "snapshot" in name.lower() or name in ("_verify", "_guarded")]
    assert checks.check_close.__wrapped__.__name__ == "_check_close"
    assert "does not protect" in checks.__doc__
