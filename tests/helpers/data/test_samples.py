"""helpers.data.samples: a real photo, available offline."""
from __future__ import annotations

import numpy as np
from PIL import Image

from helpers import data


def test_sample_image_is_a_real_rgb_photo():
    image = data.sample_image()
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (640, 427)
    assert np.asarray(image).std() > 30
