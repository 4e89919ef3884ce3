"""helpers.imbalance: the rare-class problem of ch07 (7.4) and the training run that scores a sampler."""
import torch
from torch.utils.data import WeightedRandomSampler

from helpers.imbalance import recalls_after_training, two_classes


class ImageSet:
    """The two attributes `two_classes` reads, like torchvision's MNIST-style data sets."""

    def __init__(self, data: torch.Tensor, targets: torch.Tensor) -> None:
        self.data, self.targets = data, targets


def test_two_classes_keeps_two_classes_flattened_and_scaled():
    targets = torch.tensor([0, 2, 1, 0, 2, 2, 0, 3])
    data = torch.arange(8, dtype=torch.uint8).view(8, 1, 1).expand(8, 2, 2).contiguous() * 30
    x, y = two_classes(ImageSet(data, targets), common=0, rare=2)
    assert x.shape == (6, 4) and x.dtype == torch.float32 and y.dtype == torch.int64
    torch.testing.assert_close(x[:, 0], torch.tensor([0, 3, 6, 1, 4, 5]) * 30 / 255)   # common first, data order
    assert y.tolist() == [0, 0, 0, 1, 1, 1]


def test_two_classes_rare_share_keeps_at_least_one_rare_image():
    targets = torch.tensor([0] * 40 + [1] * 40)
    data = torch.zeros(80, 3, 3, dtype=torch.uint8)
    assert int(two_classes(ImageSet(data, targets), 0, 1, rare_share=0.1)[1].sum()) == 4
    assert int(two_classes(ImageSet(data, targets), 0, 1, rare_share=0.0)[1].sum()) == 1


def _rare_class_problem():
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(2, 20, generator=g) * 0.6
    y = (torch.arange(400) % 20 == 0).long()                     # class 1: 5 %
    x = centres[y] + torch.randn(400, 20, generator=g)
    y_test = torch.arange(200) % 2
    x_test = centres[y_test] + torch.randn(200, 20, generator=g)
    return x, y, x_test, y_test


def test_recalls_after_training_is_seeded_and_rebalancing_helps_the_rare_class():
    x, y, x_test, y_test = _rare_class_problem()
    plain = recalls_after_training(None, x, y, x_test, y_test, steps=60, seed=1)
    assert plain == recalls_after_training(None, x, y, x_test, y_test, steps=60, seed=1)
    assert len(plain) == 2 and all(isinstance(r, float) and 0 <= r <= 1 for r in plain)
    balanced = recalls_after_training(WeightedRandomSampler(1.0 / torch.bincount(y)[y].double(), len(y)),
                                      x, y, x_test, y_test, steps=60, seed=1)
    assert balanced[1] > plain[1] + 0.2 and sum(balanced) > sum(plain)
