"""Shared helpers of PyTorch Cookbook Lab.

They only remove what is not the lesson (settings, stand-in data, plotting boilerplate,
loops already taught). Import what a notebook needs, e.g.::

    import helpers
    course = helpers.setup(profile=PROFILE, device=DEVICE, data=DATA, seed=SEED)
"""
from .config import Course, pick_device, seed_everything, setup
from .report import record

__all__ = ["Course", "pick_device", "record", "seed_everything", "setup"]
__version__ = "0.3.0"  # the course's one version (pyproject.toml reads it)
