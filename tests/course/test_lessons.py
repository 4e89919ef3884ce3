"""Helpers tied to their lessons: every helper whose docstring says `Taught in: <chapter>/<notebook>, <ID>`
names a notebook that has that section and defines the same name there, and the two behave the same
(the notebook's definition is executed from the notebook itself and compared with the helper)."""
from __future__ import annotations

import ast
import copy
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import helpers
from cookbook.audit import python_source
from cookbook.nbfiles import read_notebook
from tests.course import ROOT

TAUGHT_IN = re.compile(r"Taught in: (?P<path>ch\d\d_\w+/[\w.-]+\.ipynb), (?P<section>\d+\.\d+)"
                       r"(?: \(``(?P<alias>\w+)`` there)?")


def taught_helpers() -> list[tuple[str, object, str, str]]:
    """``(qualified name, object, notebook path, section, name in the notebook)`` for every helper naming its lesson."""
    found = []
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            match = TAUGHT_IN.search(inspect.getdoc(obj) or "")
            if match:
                found.append((f"{module.__name__}.{name}", obj, match["path"], match["section"], match["alias"] or name))
    return found


HELPERS = taught_helpers()


def _code_cells(path: str) -> list:
    return [c for c in read_notebook(ROOT / "solutions" / path).cells if c.cell_type == "code"]


def section_namespace(path: str, section: str) -> dict:
    """Run a notebook's demo cells (no exercise or test cell) from the start to the end of ``section``."""
    from cookbook import rules

    cells, inside, namespace = read_notebook(ROOT / "solutions" / path).cells, False, {}
    for cell in cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^##\s+(\d+\.\d+)\b", cell.source, flags=re.M)
            if inside and headings and section not in headings:
                break
            inside = inside or section in headings
        elif not (rules.is_solution(cell) or rules.is_test(cell)):
            exec(compile(python_source(cell.source), f"{path}", "exec"), namespace)  # noqa: S102 - our notebooks
    return namespace


def lesson_definition(path: str, section: str, name: str) -> dict:
    """Run a notebook's demo cells (no exercise or test cell) from the top to the last cell of ``section`` that
    defines ``name`` (or the last definition before the section ends), as a student would; return the namespace."""
    from cookbook import rules

    cells = [c for c in read_notebook(ROOT / "solutions" / path).cells
             if not (rules.is_solution(c) or rules.is_test(c))]
    current, defining, end_of_section = None, [], len(cells)
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            headings = re.findall(r"^##\s+(\d+\.\d+)\b", cell.source, flags=re.M)
            if headings and current == section and section not in headings:
                end_of_section = i
                break
            current = headings[-1] if headings else current
        elif any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name
                 for n in ast.parse(python_source(cell.source)).body):
            defining.append(i)
    defining = [i for i in defining if i < end_of_section]
    assert defining, f"{path} defines no `{name}` in a demo cell up to section {section} (the helper says it is taught there)"
    namespace: dict = {}
    for cell in cells[:defining[-1] + 1]:
        if cell.cell_type == "code":
            exec(compile(python_source(cell.source), f"{path}", "exec"), namespace)  # noqa: S102 - our own notebooks
    return namespace


# --------------------------------------------------------------------------------------- comparisons
def _classification_problem(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(70, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (70,), generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=32)  # a smaller last batch: per-sample averaging matters


def _same_training(helper: Callable, lesson: Callable) -> None:
    loader = _classification_problem()
    torch.manual_seed(0)
    a = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.LogSoftmax(dim=1))
    b = copy.deepcopy(a)
    loss_a = helper(a, loader, nn.NLLLoss(), torch.optim.SGD(a.parameters(), lr=0.1), "cpu")
    loss_b = lesson(b, loader, nn.NLLLoss(), torch.optim.SGD(b.parameters(), lr=0.1), "cpu")
    assert loss_a == pytest.approx(loss_b, rel=1e-6)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def _same_evaluation(helper: Callable, lesson: Callable) -> None:
    loader = _classification_problem(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.LogSoftmax(dim=1))
    got, want = lesson(model, loader, nn.NLLLoss(), "cpu"), helper(model, loader, nn.NLLLoss(), "cpu")
    assert got == pytest.approx(want, rel=1e-6)


def _same_module(helper: type, lesson: type) -> None:
    torch.manual_seed(0)
    a = helper()
    b = lesson()
    assert [(n, p.shape) for n, p in a.named_parameters()] == [(n, p.shape) for n, p in b.named_parameters()]
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    x = torch.randn(4, *getattr(helper, "example_input_shape", (1, 28, 28)))
    torch.testing.assert_close(a(x), b(x))


def _same_tokens(helper: Callable, lesson: Callable) -> None:
    for text in ("This is a test for tokenizer!", "U.S. stocks rose 3.5% on Monday; oil didn't.", "  Tabs\tand\nlines "):
        assert helper(text) == lesson(text), text


def _same_collate(helper: Callable, lesson: Callable) -> None:
    batch = [(torch.tensor([5, 6, 7]), torch.tensor(2)), (torch.tensor([8]), torch.tensor(0))]
    padded, labels = helper(batch)
    lesson_out = lesson(batch)
    torch.testing.assert_close(padded, lesson_out[0])
    torch.testing.assert_close(labels, lesson_out[-1])


def _same_batches(helper: type, lesson: type) -> None:
    lengths = [int(x) for x in torch.randint(1, 60, (500,), generator=torch.Generator().manual_seed(3))]
    a, b = helper(lengths, 16, pool_batches=5, seed=4), lesson(lengths, 16, pool_batches=5, seed=4)
    assert [list(a), list(a)] == [list(b), list(b)], "two epochs of batches differ"


def _same_lstm(helper: type, lesson: type) -> None:
    torch.manual_seed(0)
    a, b = helper(50, 8, 12, 4, 0.5), lesson(50, 8, 12, 4, 0.5)
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    text = torch.tensor([[4, 9, 2, 1, 1], [7, 3, 1, 1, 1], [5, 5, 5, 5, 6]])
    torch.testing.assert_close(a(text), b(text))


def _same_mnist_dataset(helper: Callable, lesson: Callable) -> None:
    rng = np.random.default_rng(6)
    for shape in [(5, 28, 28), (3, 784)]:
        images, labels = rng.integers(0, 256, size=shape, dtype=np.uint8), rng.integers(0, 10, size=shape[0], dtype=np.uint8)
        a, b = helper(images, labels), lesson(images, labels)
        assert len(a.tensors) == len(b.tensors) == 2
        for ta, tb in zip(a.tensors, b.tensors):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape and torch.equal(ta, tb)


def _same_news_pipeline(path: str, section: str) -> None:
    from helpers.news import news_data

    ns = section_namespace(path, section)
    news = news_data(ns["course"], min_freq=ns["min_freq"])
    assert news.itos == ns["itos"], "vocabulary differs"
    lesson_train = ns["train_set"]
    assert len(news.train) == len(lesson_train)
    for i in range(0, len(lesson_train), max(1, len(lesson_train) // 50)):
        assert torch.equal(news.train[i][0], lesson_train[i][0]) and int(news.train[i][1]) == int(lesson_train[i][1])


COMPARISONS: dict[str, Callable] = {
    "helpers.training.train_one_epoch": _same_training, "helpers.training.evaluate": _same_evaluation,
    "helpers.text.basic_english": _same_tokens, "helpers.news.collate_batch": _same_collate,
    "helpers.news.BucketBatchSampler": _same_batches, "helpers.news.LSTMClassifier": _same_lstm,
    "helpers.mnist.to_dataset": _same_mnist_dataset,
}
#: helpers that package the steps of a section rather than one definition: compared with the section's run
PIPELINES: dict[str, Callable[[str, str], None]] = {
    "helpers.news.news_data": _same_news_pipeline, "helpers.news.EncodedTexts": _same_news_pipeline,
}



# chapter 5 (helpers.transfer): a head factory, a model adapter, a transform pair, a run folder, the split pipeline
def _same_head(helper: Callable, lesson: Callable) -> None:
    for features, classes in ((16, 2), (8, 5)):
        torch.manual_seed(0)
        a, b = helper(features, classes), lesson(features, classes)
        assert [type(m) for m in a] == [type(m) for m in b]
        b.load_state_dict(a.state_dict())
        x = torch.randn(4, 2 * features, 1, 1)
        torch.testing.assert_close(a.eval()(x), b.eval()(x))


def _same_adapted_resnet(helper: Callable, lesson: Callable) -> None:
    from helpers.models import standin_resnet

    torch.manual_seed(0)
    base = standin_resnet("resnet18")
    a, b = helper(copy.deepcopy(base)), lesson(copy.deepcopy(base))
    trainable = lambda m: [n for n, p in m.named_parameters() if p.requires_grad]  # noqa: E731
    assert trainable(a) == trainable(b) and list(a.state_dict()) == list(b.state_dict())
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(a.eval()(x), b.eval()(x))


def _same_transforms(helper: Callable, lesson: Callable) -> None:
    from PIL import Image

    image = Image.fromarray(torch.randint(0, 256, (310, 270), dtype=torch.uint8).numpy()).convert("RGB")
    for size in (256, 64):
        (train_a, eval_a), (train_b, eval_b) = helper(size), lesson(size)
        torch.testing.assert_close(eval_a(image), eval_b(image))
        torch.manual_seed(size)
        augmented = train_a(image)
        torch.manual_seed(size)
        torch.testing.assert_close(augmented, train_b(image))


def _same_run_dir(helper: Callable, lesson: Callable) -> None:
    import os
    import tempfile

    old = os.environ.get("COOKBOOK_RUNS_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COOKBOOK_RUNS_DIR"] = tmp
        try:
            folders = [helper("chapter"), lesson("chapter"), helper("chapter"), lesson("chapter")]
        finally:
            os.environ.pop("COOKBOOK_RUNS_DIR") if old is None else os.environ.update(COOKBOOK_RUNS_DIR=old)
        assert len(set(folders)) == 4 and all(f.is_dir() and f.parent.name == "chapter" for f in folders)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?", f.name) for f in folders), folders


def _same_xray_splits(path: str, section: str) -> None:
    from helpers.transfer import chest_xray_splits

    ns = section_namespace(path, section)
    train, valid, test = chest_xray_splits(ns["course"], 256, valid_fraction=0.2, seed=ns["SEED"])
    assert train.indices == ns["train_part"].indices and valid.indices == ns["valid_part"].indices
    assert len(test) == len(ns["test_set"])
    torch.testing.assert_close(valid[0][0], ns["valid_part"][0][0])


COMPARISONS.update({"helpers.transfer.source_head": _same_head, "helpers.transfer.adapt_resnet": _same_adapted_resnet,
                    "helpers.transfer.chest_xray_transforms": _same_transforms, "helpers.transfer.run_dir": _same_run_dir})
PIPELINES["helpers.transfer.chest_xray_splits"] = _same_xray_splits

# chapter 7 (helpers.imbalance): the rare-class problem of 7.4 and the training run that scores a sampler
def _fake_image_set(seed: int):
    g = torch.Generator().manual_seed(seed)
    return type("ImageSet", (), {"data": torch.randint(0, 256, (300, 6, 6), dtype=torch.uint8, generator=g),
                                 "targets": torch.randint(0, 4, (300,), generator=g)})()


def _same_two_classes(helper: Callable, lesson: Callable) -> None:
    dataset = _fake_image_set(7)
    for common, rare, share in ((0, 2, 0.05), (1, 3, None), (3, 0, 0.0)):
        (xa, ya), (xb, yb) = helper(dataset, common, rare, share), lesson(dataset, common=common, rare=rare, rare_share=share)
        assert xa.dtype == xb.dtype and torch.equal(xa, xb) and torch.equal(ya, yb), (common, rare, share)


def _same_recalls(helper: Callable, lesson: Callable) -> None:
    from torch.utils.data import WeightedRandomSampler

    g = torch.Generator().manual_seed(8)
    x, y = torch.rand(120, 36, generator=g), (torch.rand(120, generator=g) < 0.1).long()
    x_test, y_test = torch.rand(40, 36, generator=g), torch.arange(40) % 2
    for sampler in (None, WeightedRandomSampler(1.0 / torch.bincount(y)[y].double(), num_samples=len(y))):
        got = helper(sampler, x, y, x_test, y_test, steps=20, seed=3)
        assert got == lesson(sampler, x, y, x_test, y_test, steps=20, seed=3)


COMPARISONS.update({"helpers.imbalance.two_classes": _same_two_classes,
                    "helpers.imbalance.recalls_after_training": _same_recalls})


@pytest.mark.parametrize("qualified, helper, path, section, name", HELPERS, ids=[h[0] for h in HELPERS])
def test_helper_behaves_like_its_lesson(qualified, helper, path, section, name):
    nb = read_notebook(ROOT / "solutions" / path)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if re.match(rf"^#+\s+{re.escape(section)}\b", line)]
    assert headings, f"{path} has no section {section}"
    if qualified in PIPELINES:
        return PIPELINES[qualified](path, section)
    lesson = lesson_definition(path, section, name)[name]
    if qualified in COMPARISONS:
        return COMPARISONS[qualified](helper, lesson)
    assert inspect.isclass(helper) and issubclass(helper, nn.Module), (
        f"{qualified} names its lesson but tests/course/test_lessons.py has no comparison for it: add one")
    _same_module(helper, lesson)


def test_the_training_helpers_name_their_lesson():
    names = {h[0] for h in HELPERS}
    assert {"helpers.training.train_one_epoch", "helpers.training.evaluate"} <= names
