"""Dataset classes that DataLoader worker processes can import (chapter 7, data pipelines).

Taught in: ch07_data_pipelines/02_loader_performance.ipynb, 7.3 (the notebook writes ``EncodedImages``
out and explains it; ``tests/helpers/test_pipelines.py`` checks that this copy behaves exactly like
the notebook's).

Why a copy lives here: with ``num_workers > 0`` every worker process needs the dataset object. On
Linux the default start method is ``fork``: a worker is a copy of the notebook's process and already
has every class the notebook defined. On macOS and Windows the default is ``spawn``: a worker is a
fresh Python interpreter that receives the dataset *pickled*, and a pickled object only names its
class (``module.ClassName``); the worker must then import that module. A class defined in a notebook
lives in ``__main__``, which a spawned worker cannot import (``AttributeError: Can't get attribute
'EncodedImages' on <module '__main__'>``), whereas ``helpers.pipelines.EncodedImages`` imports fine.
The same holds for a ``collate_fn``, ``worker_init_fn`` or transform defined in a notebook.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image
from torch.utils.data import Dataset

__all__ = ["EncodedImages"]


class EncodedImages(Dataset):
    """Images kept as compressed bytes (JPEG, PNG, ...), decoded and transformed on every access.

    ``blobs[i]`` holds the encoded file of image ``i``, ``labels[i]`` its label. ``ds[i]`` returns
    ``(image, label)`` where ``image`` is the decoded RGB PIL image passed through ``transform``
    (when given). Decoding plus augmentation is the CPU work that DataLoader workers parallelise.
    """

    def __init__(self, blobs: Sequence[bytes], labels: Sequence[int], transform: Callable | None = None) -> None:
        if len(blobs) != len(labels):
            raise ValueError(f"EncodedImages: {len(blobs)} images but {len(labels)} labels")
        self.blobs = list(blobs)
        self.labels = [int(y) for y in labels]
        self.transform = transform

    def __len__(self) -> int:
        return len(self.blobs)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        with Image.open(io.BytesIO(self.blobs[index])) as img:   # decode (and close the buffer)
            image = img.convert("RGB")
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]
