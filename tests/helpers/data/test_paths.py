"""helpers.data.paths: paths that keep the data policy's answer (``standin``) with them."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.data.paths import DataFiles, DataPath, data_path


def test_data_files_are_a_dict_with_standin(tmp_path):
    files = DataFiles({"train": tmp_path / "train.csv", "test": tmp_path / "test.csv"}, standin=False)
    assert files == {"train": tmp_path / "train.csv", "test": tmp_path / "test.csv"} and files.standin is False
    assert isinstance(files, dict) and list(files.items())[0] == ("train", tmp_path / "train.csv")


def test_data_path_is_a_path_with_standin(tmp_path):
    path = data_path(tmp_path / "x.npz", standin=True)
    assert isinstance(path, Path) and isinstance(path, DataPath) and path.standin is True
    assert path == tmp_path / "x.npz" and path.parent == tmp_path and path.name == "x.npz"
    np.savez(path, a=np.arange(3))
    assert np.load(path)["a"].tolist() == [0, 1, 2], "usable wherever a path is"
