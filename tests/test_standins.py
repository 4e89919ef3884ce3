"""Stand-in data: real shapes/dtypes/classes, deterministic, balanced, learnable with honest difficulty."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from helpers import data, standins, text
from helpers.config import Course


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Course:
    """One synthetic smoke-profile course per module, so each stand-in is generated once."""
    return Course(profile="smoke", device=torch.device("cpu"), data="synthetic", seed=0,
                  data_dir=tmp_path_factory.mktemp("standins"))


def arrays(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(np.asarray(dataset.data)).float() / 255
    x = x.permute(0, 3, 1, 2) if x.dim() == 4 else x[:, None]
    return (x - 0.5) / 0.5, torch.as_tensor(np.asarray(dataset.targets)).long()


def accuracy(model: nn.Module, train, test, epochs: int) -> float:
    """Train with Adam (batch 64) and return test accuracy; seeded."""
    torch.manual_seed(0)
    (x, y), (xt, yt) = train, test
    optimizer = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    with torch.no_grad():
        return (model(xt).argmax(1) == yt).float().mean().item()


@pytest.mark.parametrize("name, shape, classes", [
    ("fashion_mnist", (28, 28), data.standins.FASHION_CLASSES),
    ("mnist", (28, 28), data.standins.MNIST_CLASSES),
    ("cifar10", (32, 32, 3), data.standins.CIFAR10_CLASSES),
])
def test_image_standins_match_the_real_structure(smoke, name, shape, classes):
    loader = getattr(data, name)
    train, test = loader(smoke), loader(smoke, train=False)
    assert (len(train), len(test)) == standins.SIZES[name]["smoke"]
    assert train.classes == classes and train.standin
    assert tuple(train.data.shape[1:]) == shape and np.asarray(train.data).dtype == np.uint8
    counts = np.bincount(np.asarray(train.targets), minlength=10)
    assert counts.min() == counts.max() == len(train) // 10, "balanced classes"
    pixels = np.asarray(train.data)
    assert pixels.min() == 0 and pixels.max() >= 250, "full 0-255 range like the real images"
    image, label = train[0]
    assert image.size == shape[1::-1] and isinstance(label, int)


def test_generation_is_deterministic():
    labels = standins.balanced_labels(40, 10, np.random.default_rng(0))
    for render in (standins.fashion_mnist_images, standins.cifar10_images):
        first = render(labels, np.random.default_rng(7))
        assert np.array_equal(first, render(labels, np.random.default_rng(7)))
        assert not np.array_equal(first, render(labels, np.random.default_rng(8)))
    a = standins.mnist_images(labels, np.random.default_rng(7), test=False)
    assert np.array_equal(a, standins.mnist_images(labels, np.random.default_rng(7), test=False))
    assert standins.news_rows(5, np.random.default_rng(3)) == standins.news_rows(5, np.random.default_rng(3))


def test_cached_files_are_byte_identical_across_generations(tmp_path):
    for folder in ("a", "b"):
        c = Course(profile="smoke", device=torch.device("cpu"), data="synthetic", seed=0, data_dir=tmp_path / folder)
        data.mnist_idx_files(c)
    a, b = (sorted((tmp_path / f / "standin" / "mnist" / "smoke" / "MNIST" / "raw").glob("*.gz")) for f in "ab")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_cache_builds_once_and_replaces_stale_versions(tmp_path, monkeypatch):
    calls = []

    def build(folder):
        calls.append(folder)
        (folder / "payload").write_text(str(len(calls)))

    root = tmp_path / "standin" / "thing" / "smoke"
    assert standins.cached(root, build, {}) == root and standins.cached(root, build, {}) == root
    assert len(calls) == 1 and (root / "payload").read_text() == "1"
    monkeypatch.setattr(standins, "VERSION", standins.VERSION + 1)
    standins.cached(root, build, {})
    assert len(calls) == 2 and (root / "payload").read_text() == "2"
    assert sorted(p.name for p in root.parent.iterdir()) == ["smoke"], "no temporary folders left"


def test_fashion_mnist_linear_model_learns_well_above_chance(smoke):
    train, test = arrays(data.fashion_mnist(smoke)), arrays(data.fashion_mnist(smoke, train=False))
    acc = accuracy(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), train, test, epochs=5)
    assert 0.6 < acc < 0.97, f"linear accuracy {acc:.3f}: the stand-in should be learnable but not trivial"


def test_mnist_linear_model_learns_well_above_chance(smoke):
    train, test = arrays(data.mnist(smoke)), arrays(data.mnist(smoke, train=False))
    acc = accuracy(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), train, test, epochs=5)
    assert 0.6 < acc < 0.97, f"linear accuracy {acc:.3f}"


def test_small_cnn_beats_linear_model(smoke):
    train = arrays(data.take(data.mnist(smoke), 1000))
    test = arrays(data.mnist(smoke, train=False))
    linear = accuracy(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), train, test, epochs=3)
    cnn = accuracy(nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(32 * 7 * 7, 10)), train, test, epochs=3)
    assert 0.5 < linear < cnn, f"chance 0.1 < linear {linear:.3f} < CNN {cnn:.3f} expected"


def test_cifar10_linear_model_learns_above_chance(smoke):
    train, test = arrays(data.cifar10(smoke)), arrays(data.cifar10(smoke, train=False))
    acc = accuracy(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)), train, test, epochs=3)
    assert 0.25 < acc < 0.8, f"linear accuracy {acc:.3f}"


def test_chest_xray_standin_layout_and_imbalance(smoke):
    train = data.chest_xray(smoke, "train")
    assert train.classes == ["NORMAL", "PNEUMONIA"]
    counts = Counter(train.targets)
    assert counts[1] == 3 * counts[0], "about 1:3 NORMAL:PNEUMONIA like the real data"
    image, _ = train[0]
    assert image.mode == "RGB" and image.size == (standins.CHEST_PIXELS,) * 2
    assert len(data.chest_xray(smoke, "val")) == 16


def test_chest_xray_opacities_are_learnable():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 200, dtype=np.float32)
    images = torch.from_numpy(standins.chest_xray_images(labels, rng, size=64)).float()[:, None] / 255
    features = nn.functional.avg_pool2d(images, 8).flatten(1)
    x, y = (features - features.mean(0)) / features.std(0), torch.as_tensor(labels).long()
    acc = accuracy(nn.Linear(x.shape[1], 2), (x[:300], y[:300]), (x[300:], y[300:]), epochs=40)
    assert acc > 0.65, f"pneumonia should be detectable above chance (0.5), got {acc:.3f}"


def test_news_bag_of_words_is_good_but_not_perfect(smoke):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    paths = data.news(smoke)
    train_texts, train_labels, classes = text.read_news_csv(paths["train"])
    test_texts, test_labels, _ = text.read_news_csv(paths["test"])
    assert classes == ["Business", "SciTech", "Sports", "World"]
    assert len(train_texts) == standins.NEWS_SIZES["smoke"][0]
    vectorizer = CountVectorizer()
    model = LogisticRegression(max_iter=500).fit(vectorizer.fit_transform(train_texts), train_labels)
    acc = model.score(vectorizer.transform(test_texts), test_labels)
    assert 0.7 < acc < 0.99, f"bag-of-words accuracy {acc:.3f}"


def test_glove_standin_vectors_support_analogies(smoke):
    words, vectors = data.glove(smoke, dim=50)
    assert vectors.shape == (len(words), 50) and len(words) > 100
    index = {w: i for i, w in enumerate(words)}
    query = vectors[index["king"]] - vectors[index["man"]] + vectors[index["woman"]]
    scores = vectors @ query
    scores[[index["king"], index["man"], index["woman"]]] = -1
    assert words[int(scores.argmax())] == "queen"
