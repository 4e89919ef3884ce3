"""One module per course data set, each defining ``DATASET``, its :class:`~helpers.data.dataset.DataSet` entry.

A module holds everything specific to its data set: the real sources and checksums, how the
download is unpacked, and the stand-in generator with its sizes per profile and seed. To add a
data set, add a module here and register it in :data:`helpers.data.registry.REGISTRY`.
"""
