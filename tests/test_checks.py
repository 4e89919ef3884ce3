import pytest
import torch

from helpers.checks import check_close, check_equal, check_tensor, check_type


class AlwaysEqual:
    def __eq__(self, other):
        return True


def test_check_type_rejects_bool_for_int_and_names_types():
    check_type(3, int)
    with pytest.raises(AssertionError, match="should be a int, got bool"):
        check_type(True, int)
    with pytest.raises(AssertionError, match="got str"):
        check_type("3", (int, float), "answer")


def test_check_tensor_shape_and_dtype_messages():
    t = torch.zeros(2, 3)
    check_tensor(t, shape=(2, 3), dtype=torch.float32)
    with pytest.raises(AssertionError, match=r"expected shape \(3, 2\), got \(2, 3\)"):
        check_tensor(t, shape=(3, 2))
    with pytest.raises(AssertionError, match="expected dtype torch.int64"):
        check_tensor(t, dtype=torch.int64)
    with pytest.raises(AssertionError, match="should be a torch.Tensor"):
        check_tensor([[0.0] * 3] * 2)


def test_check_close_values_and_tolerance():
    check_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
    with pytest.raises(AssertionError, match="values differ"):
        check_close(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]))
    check_close(0.1 + 0.2, 0.3)
    with pytest.raises(AssertionError, match="expected 0.3, got 0.4"):
        check_close(0.4, 0.3)


def test_always_equal_objects_never_pass():
    with pytest.raises(AssertionError):
        check_equal(AlwaysEqual(), 5)
    with pytest.raises(AssertionError):
        check_close(AlwaysEqual(), torch.ones(2))
    with pytest.raises(AssertionError):
        check_close(AlwaysEqual(), 1.0)


def test_check_equal_exact():
    check_equal((2, 3), (2, 3))
    check_equal(torch.tensor([1, 2]), torch.tensor([1, 2]))
    with pytest.raises(AssertionError, match="expected \\(2, 3\\), got \\(3, 2\\)"):
        check_equal((3, 2), (2, 3), "shape")
    with pytest.raises(AssertionError, match="should be a tuple, got list"):
        check_equal([2, 3], (2, 3))


def test_non_builtin_types_are_named_in_full():
    import numpy as np

    with pytest.raises(AssertionError, match="should be a bool, got numpy.bool"):
        check_type(np.bool_(True), bool)
