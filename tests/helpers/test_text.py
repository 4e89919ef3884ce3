"""helpers.text: the tokeniser and the word vectors learnt from co-occurrences."""
from __future__ import annotations

import numpy as np
import torch

from helpers.text import basic_english, cooccurrence_vectors, ppmi_components, unit_vectors


def test_basic_english():
    assert basic_english("This is a test for tokenizer") == ["this", "is", "a", "test", "for", "tokenizer"]
    assert basic_english("Apple's shares rose 3%, again!") == ["apple's", "shares", "rose", "3", "%", ",", "again", "!"]




def test_cooccurrence_vectors_are_unit_rows_of_the_frequent_words():
    sentences = [["king", "rules", "land"], ["queen", "rules", "land"], ["king", "and", "queen"]] * 3
    words, vectors = cooccurrence_vectors(sentences, dim=3, window=2, min_count=4)
    assert words == ["king", "land", "queen", "rules"], "seen at least min_count times, most frequent first"
    assert vectors.shape == (4, 3) and vectors.dtype == torch.float32
    torch.testing.assert_close(vectors.norm(dim=1), torch.ones(4))
    _, components = ppmi_components(sentences, window=2, min_count=4)
    assert torch.equal(unit_vectors(components, 3), vectors)
    assert unit_vectors(np.ones((2, 1)), 3)[:, 1:].abs().sum() == 0, "zero-padded beyond the components"
