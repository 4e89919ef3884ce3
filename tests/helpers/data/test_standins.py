"""Stand-in data: real shapes/dtypes/classes, deterministic, balanced, learnable with honest difficulty."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from helpers import data
from helpers.data import formats
from helpers.data.draw import balanced_labels
from helpers.data.registry import REGISTRY
from helpers.data.sets import chest_xray, cifar10, fashion_mnist, mnist, news
from helpers.text import basic_english, cooccurrence_vectors
from tests.helpers.data.realfiles import course


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


@pytest.mark.parametrize("name, shape", [("fashion_mnist", (28, 28)), ("mnist", (28, 28)), ("cifar10", (32, 32, 3))])
def test_image_standins_match_the_real_structure(smoke, name, shape):
    loader = getattr(data, name)
    train, test = loader(smoke), loader(smoke, train=False)
    assert (len(train), len(test)) == REGISTRY[name].sizes["smoke"]
    assert train.classes == list(REGISTRY[name].classes) and train.standin
    assert tuple(train.data.shape[1:]) == shape and np.asarray(train.data).dtype == np.uint8
    counts = np.bincount(np.asarray(train.targets), minlength=10)
    assert counts.min() == counts.max() == len(train) // 10, "balanced classes"
    pixels = np.asarray(train.data)
    assert pixels.min() == 0 and pixels.max() >= 250, "full 0-255 range like the real images"
    image, label = train[0]
    assert image.size == shape[1::-1] and isinstance(label, int)


def test_generation_is_deterministic():
    labels = balanced_labels(40, 10, np.random.default_rng(0))
    for render in (fashion_mnist.images, cifar10.images):
        first = render(labels, np.random.default_rng(7))
        assert np.array_equal(first, render(labels, np.random.default_rng(7)))
        assert not np.array_equal(first, render(labels, np.random.default_rng(8)))
    a = mnist.images(labels, np.random.default_rng(7), test=False)
    assert np.array_equal(a, mnist.images(labels, np.random.default_rng(7), test=False))
    assert not np.array_equal(a, mnist.images(labels, np.random.default_rng(8), test=False))
    assert news.rows(5, np.random.default_rng(3)) == news.rows(5, np.random.default_rng(3))
    assert news.rows(5, np.random.default_rng(3)) != news.rows(5, np.random.default_rng(4))


def test_cached_files_are_byte_identical_across_generations(tmp_path):
    for folder in ("a", "b"):
        data.mnist_idx_files(course(tmp_path / folder, "synthetic"))
    a, b = (sorted((tmp_path / f / "standin" / "mnist" / "smoke" / "MNIST" / "raw").glob("*.gz")) for f in "ab")
    assert len(a) == 4 and [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


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


def test_mnist_standin_is_drawn_like_mnist(smoke):
    """Thin strokes, ink in a 20x20 box centred by centre of mass, about MNIST's mean brightness, thin 1s."""
    train = data.mnist(smoke)
    x, y = train.data.numpy().astype(np.float64) / 255, train.targets.numpy()
    assert 0.09 < x.mean() < 0.17, f"mean pixel {x.mean():.3f} (MNIST: 0.131)"
    ink = x > 0.5
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    side = np.maximum(*(27 - a[:, ::-1].argmax(1) - a.argmax(1) + 1 for a in (rows, cols)))
    assert np.percentile(side, 5) >= 18 and np.percentile(side, 95) <= 21, "ink fits a 20x20 box, like MNIST's"
    axis = np.arange(28)
    mass = x.sum(axis=(1, 2))
    for centre in ((x.sum(2) * axis).sum(1) / mass, (x.sum(1) * axis).sum(1) / mass):
        assert np.percentile(np.abs(centre - 13.5), 95) < 1.25, "centred by centre of mass"
    ones = x[y == 1]
    width = ones.sum(axis=2)[ones.max(axis=2) > 0.5]  # ink across each row of a 1: its stroke width
    assert 1.5 < np.median(width) < 3.5, f"1s should be thin strokes, median width {np.median(width):.2f} px"


def test_mnist_source_digits_of_train_and_test_are_disjoint():
    paths, labels, test = mnist.pen_paths()
    assert len(paths) == len(labels) == len(test) > 1500
    assert 0.18 < test.mean() < 0.22 and set(labels[test]) == set(labels[~test]) == set(range(10))
    train_paths = {path.tobytes() for path, is_test in zip(paths, test) if not is_test}
    assert not any(path.tobytes() in train_paths for path, is_test in zip(paths, test) if is_test)


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
    assert image.mode == "RGB" and image.size == (chest_xray.PIXELS,) * 2
    assert len(data.chest_xray(smoke, "val")) == 16


def test_chest_xray_opacities_are_learnable():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 200, dtype=np.float32)
    images = torch.from_numpy(chest_xray.images(labels, rng, size=64)).float()[:, None] / 255
    features = nn.functional.avg_pool2d(images, 8).flatten(1)
    x, y = (features - features.mean(0)) / features.std(0), torch.as_tensor(labels).long()
    acc = accuracy(nn.Linear(x.shape[1], 2), (x[:300], y[:300]), (x[300:], y[300:]), epochs=40)
    assert acc > 0.65, f"pneumonia should be detectable above chance (0.5), got {acc:.3f}"


def test_news_bag_of_words_is_good_but_not_perfect(smoke):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    paths = data.news(smoke)
    train_texts, train_labels, classes = formats.read_news_csv(paths["train"])
    test_texts, test_labels, _ = formats.read_news_csv(paths["test"])
    assert classes == ["Business", "SciTech", "Sports", "World"]
    assert len(train_texts) == REGISTRY["news"].sizes["smoke"][0]
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


def test_glove_standin_is_learnt_from_the_news_standin_training_articles(smoke):
    texts, _, _ = formats.read_news_csv(data.news(smoke)["train"])
    words, vectors = cooccurrence_vectors((basic_english(t) for t in texts), dim=100)
    got_words, got_vectors = data.glove(smoke, dim=100)
    assert got_words == words
    torch.testing.assert_close(got_vectors, vectors, atol=1e-5, rtol=0)  # written with 5 decimals
