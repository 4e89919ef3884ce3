"""helpers.news: the chapter 4 news pipeline (dataset, vocabulary, batches, LSTM classifier).

The pipeline helpers package what the chapter 4 notebooks teach (each docstring names its lesson); these
tests pin down the behaviour the notebooks rely on, on tiny CSV files in the real format.
"""
from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from helpers.data import NEWS_CLASSES, download, formats
from helpers.news import (PAD_ID, SPECIALS, UNK_ID, BucketBatchSampler, EncodedTexts, LSTMClassifier, NewsData,
                          collate_batch, news_data)
from tests.helpers.data.realfiles import course


def _write_news(folder, splits):
    folder.mkdir(parents=True)
    next_id = 0
    for split, articles in splits.items():
        rows = []
        for text, topic in articles:
            rows.append({"id": next_id, "content": text, **{c: int(c == topic) for c in NEWS_CLASSES}})
            next_id += 1
        formats.write_news_csv(folder / f"{split}.csv", rows, NEWS_CLASSES)


@pytest.fixture()
def tiny_news(tmp_path):
    _write_news(tmp_path / "news", {
        "train": [("Stocks rose, stocks fell.", "Business"), ("The striker scored!", "Sports"),
                  ("Stocks and the striker.", "Sports"), ("Rebels met.", "World")],
        "valid": [("Stocks soared.", "Business")],
        "test": [("The robot rose.", "SciTech"), ("Stocks, stocks, stocks, stocks", "Business")],
    })
    return course(tmp_path)


def test_news_data_vocabulary_and_items(tiny_news):
    news = news_data(tiny_news, min_freq=2)
    assert isinstance(news, NewsData) and news.standin is False and news.classes == list(NEWS_CLASSES)
    # training counts: stocks 3, . 3, the 2, striker 2; the others once
    assert news.itos == ["<unk>", "<pad>", "stocks", ".", "the", "striker"]
    assert news.stoi == {w: i for i, w in enumerate(news.itos)} and (news.unk_id, news.pad_id) == (UNK_ID, PAD_ID)
    assert SPECIALS == ("<unk>", "<pad>") and news.itos[UNK_ID] == "<unk>" and news.itos[PAD_ID] == "<pad>"
    ids, label = news.train[1]
    assert ids.dtype == torch.long and ids.tolist() == [4, 5, UNK_ID, UNK_ID]     # the striker scored !
    assert label.dtype == torch.long and label.ndim == 0 and int(label) == 2
    assert news.train.lengths == [6, 4, 5, 3] and len(news.train) == 4
    assert news.valid[0][0].tolist() == [2, UNK_ID, 3] and news.test.labels.tolist() == [1, 0]
    assert news.encode("The stocks of Gotham.").tolist() == [4, 2, UNK_ID, UNK_ID, 3]


def test_news_data_min_freq_and_max_length(tiny_news):
    everything = news_data(tiny_news, min_freq=1)
    assert len(everything.itos) == 2 + 12 and everything.itos[2:4] == ["stocks", "."]
    short = news_data(tiny_news, max_length=3)
    assert [len(x) for x in short.test.ids] == [3, 3] and short.train.lengths == [3, 3, 3, 3]
    assert short.encode("stocks stocks stocks stocks stocks").tolist() == [2, 2, 2]


def test_news_data_on_the_standin(tmp_path):
    news = news_data(course(tmp_path, "synthetic"))
    assert news.standin is True and len(news.train) == 2000 and news.itos[:2] == list(SPECIALS)
    assert news.train.labels.bincount().tolist() == [500] * 4


def test_encoded_texts_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        EncodedTexts([torch.tensor([2]), torch.tensor([3])], [0])


def test_collate_batch_pads_on_the_right():
    items = [(torch.tensor([5, 6]), torch.tensor(0)), (torch.tensor([7, 8, 9]), torch.tensor(3)),
             (torch.tensor([4]), torch.tensor(1))]
    texts, labels = collate_batch(items)
    assert texts.tolist() == [[5, 6, PAD_ID], [7, 8, 9], [4, PAD_ID, PAD_ID]]
    assert labels.tolist() == [0, 3, 1] and labels.dtype == torch.long
    assert collate_batch(items, pad_id=0)[0].tolist()[2] == [4, 0, 0]


def test_bucket_batch_sampler_covers_every_index_once_with_similar_lengths():
    lengths = torch.randint(1, 60, (1000,), generator=torch.Generator().manual_seed(0)).tolist()
    sampler = BucketBatchSampler(lengths, batch_size=32, pool_batches=10, seed=3)
    epoch1, epoch2 = list(sampler), list(sampler)
    for batches in (epoch1, epoch2):
        assert sorted(i for b in batches for i in b) == list(range(1000))
        assert len(batches) == len(sampler) == 32 and all(len(b) <= 32 for b in batches)
    assert epoch1 != epoch2                                        # a new shuffle every epoch
    assert list(BucketBatchSampler(lengths, 32, pool_batches=10, seed=3)) == epoch1     # seeded: runs repeat
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in epoch1) / len(epoch1)
    assert spread < 10                                             # random batches of 32 spread over ~55
    ordered = list(BucketBatchSampler(lengths, 100, shuffle=False))
    flat = [lengths[i] for b in ordered for i in b]
    assert flat == sorted(lengths) and [len(b) for b in ordered] == [100] * 10
    with pytest.raises(ValueError):
        BucketBatchSampler(lengths, 0)


def test_lstm_classifier_reads_each_text_to_its_own_end():
    torch.manual_seed(0)
    model = LSTMClassifier(30, embedding_dim=8, hidden_dim=6, output_dim=4, dropout=0.5).eval()
    assert [n for n, _ in model.named_parameters()] == [
        "embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
        "fc.weight", "fc.bias"]
    texts = [torch.tensor([5, 9, 2, 7]), torch.tensor([3, 4]), torch.tensor([8])]
    batch = pad_sequence(texts, batch_first=True, padding_value=PAD_ID)
    with torch.no_grad():
        scores = model(batch)
        alone = torch.cat([model(t[None]) for t in texts])
        longer = model(torch.nn.functional.pad(batch, (0, 5), value=PAD_ID))
    assert scores.shape == (3, 4)
    torch.testing.assert_close(scores, alone)
    torch.testing.assert_close(longer, scores)                     # extra padding changes nothing


def test_news_data_asks_the_data_policy_once(tmp_path, monkeypatch, capsys, policy_state):
    tries = []

    def offline(resource, *args, **kwargs):
        tries.append(resource.filename)
        raise download.DownloadError("no network (test)")
    monkeypatch.setattr(download, "fetch", offline)
    news = news_data(course(tmp_path, "auto"))
    assert news.standin is True and len(tries) == 1 and "news" in policy_state.unreachable
    assert capsys.readouterr().out.count("STAND-IN DATA for AG News") == 1
