"""Sample pictures available offline, for the lessons that transform one image."""
from __future__ import annotations

from PIL import Image


def sample_image(name: str = "china.jpg") -> Image.Image:
    """A real RGB photo available offline (scikit-learn's bundled ``china.jpg`` or ``flower.jpg``, 640x427)."""
    from sklearn.datasets import load_sample_image  # scikit-learn takes a while to import: only when asked

    return Image.fromarray(load_sample_image(name)).convert("RGB")
