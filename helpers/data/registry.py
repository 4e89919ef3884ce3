"""The registry of the course data sets: every module of :mod:`helpers.data.sets`, by data set name.

Each module defines ``DATASET``, its :class:`~helpers.data.dataset.DataSet` entry; :data:`REGISTRY`
collects them in the course's order.

>>> list(REGISTRY)
['fashion_mnist', 'mnist', 'cifar10', 'news', 'chest_xray', 'glove']
>>> REGISTRY["mnist"].sizes["smoke"]
(2000, 500)
"""
from __future__ import annotations

from .dataset import DataSet
from .sets import chest_xray, cifar10, fashion_mnist, glove, mnist, news

__all__ = ["REGISTRY", "SETS", "DataSet"]

#: Every data set of the course, by name: add a new module of :mod:`helpers.data.sets` here.
REGISTRY: dict[str, DataSet] = {module.DATASET.name: module.DATASET
                                for module in (fashion_mnist, mnist, cifar10, news, chest_xray, glove)}
#: The names of the data sets, in the course's order.
SETS = tuple(REGISTRY)
