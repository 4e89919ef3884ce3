"""The rules of the chapters' outcome-graded challenges, one :class:`Challenge` per exercise.

A challenge asks for ``make_challenge_model()``, ``make_challenge_optimizer(params)`` and
``CHALLENGE_BATCH_SIZE``; the test cell hands them to :func:`helpers.checks.check_challenge`, which
trains the model itself on a fixed budget (``steps`` optimiser steps with
:func:`helpers.training.train_steps`) and then requires the accuracy bar on the test split (visible
test) and on held-out data (hidden test). A notebook prints the rules the student plays by::

    from helpers.challenges import challenge
    print(challenge("2.6c"))

The numbers below are the ones the notebooks use; :func:`helpers.checks.check_challenge` keeps its own
copy, taken when it is imported, so changing this registry in a notebook does not change a grade.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["CHALLENGES", "Challenge", "challenge"]


@dataclass(frozen=True)
class Challenge:
    """The budget and the bars of one challenge (accuracies are fractions: 0.86 is 86%).

    ``steps`` optimiser steps with batches of at most ``max_batch_size`` examples, ``seed`` for
    ``torch.manual_seed`` before the model is built and for the order of the batches; ``bar_standin``
    applies on the stand-in data, ``bar_real`` on the real data set; ``heldout`` examples (drawn with
    ``heldout_seed``) are the hidden test, whose bars are the same unless ``heldout_bar_standin`` /
    ``heldout_bar_real`` say otherwise; ``full_steps`` replaces ``steps`` in the ``full`` profile.
    Before training, the model may score at most chance level + ``untrained_margin`` on the test split
    (chance level: max(1 / number of classes, share of the most frequent class)); a pretrained body with a
    fresh head lands anywhere around chance, so the transfer-learning challenges allow more.
    """

    exercise: str
    steps: int
    max_batch_size: int
    bar_standin: float
    bar_real: float
    seed: int
    heldout: int | None = None
    heldout_seed: int | None = None
    heldout_bar_standin: float | None = None
    heldout_bar_real: float | None = None
    full_steps: int | None = None
    data: str = "the training split"
    untrained_margin: float = 0.10

    def __post_init__(self) -> None:
        for name in ("steps", "max_batch_size", "seed"):
            value = getattr(self, name)
            if type(value) is not int or (value < 1 and name != "seed"):
                raise ValueError(f"Challenge {self.exercise}: {name} must be an int >= 1, got {value!r}")
        for name in ("bar_standin", "bar_real", "heldout_bar_standin", "heldout_bar_real", "untrained_margin"):
            value = getattr(self, name)
            if value is not None and not (type(value) in (int, float) and 0 <= value <= 1):
                raise ValueError(f"Challenge {self.exercise}: {name} must be an accuracy from 0 to 1, got {value!r}")

    def bar(self, standin: bool) -> float:
        """The accuracy the visible test requires: on stand-in data or on the real data set."""
        return self.bar_standin if standin else self.bar_real

    def heldout_bar(self, standin: bool) -> float:
        """The accuracy the hidden test requires on held-out data (the visible bar unless set apart)."""
        own = self.heldout_bar_standin if standin else self.heldout_bar_real
        return self.bar(standin) if own is None else own

    def for_profile(self, profile: str) -> Challenge:
        """This challenge in ``profile``: the ``full`` profile trains ``full_steps`` steps when it is set."""
        if profile == "full" and self.full_steps is not None:
            return dataclasses.replace(self, steps=self.full_steps, full_steps=None)
        return self

    def _bars(self, of, standin: bool | None) -> str:
        if standin is not None:
            return f"{of(standin):.0%} ({'stand-in' if standin else 'real'} data)"
        if of(True) == of(False):
            return f"{of(True):.0%}"
        return f"{of(True):.0%} on the stand-in data ({of(False):.0%} on the real data)"

    def describe(self, standin: bool | None = None) -> str:
        """The rules, in a few lines, for a notebook to print (``standin`` picks one bar; None shows both)."""
        full = f" ({self.full_steps} in the full profile)" if self.full_steps is not None else ""
        lines = [f"Challenge {self.exercise}: the test calls torch.manual_seed({self.seed}), builds your model and "
                 f"optimizer and trains them itself:",
                 f"- exactly {self.steps} optimiser steps{full} on shuffled batches of {self.data}, "
                 f"CHALLENGE_BATCH_SIZE examples each (an int from 1 to {self.max_batch_size});",
                 "- your model must not be trained for this task beforehand (before the first step its accuracy "
                 "must be near chance; a pretrained body with a new head is fine), your optimizer must be a fresh "
                 "torch.optim optimizer (no step taken), and the steps must change the model's parameters;",
                 f"- visible test: an accuracy of at least {self._bars(self.bar, standin)} on the test split"]
        if self.heldout is not None:
            lines[-1] += ";"
            lines.append(f"- hidden test: at least {self._bars(self.heldout_bar, standin)} on {self.heldout:,} "
                         f"held-out examples that no model has seen")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


#: Today's rules of each challenge, keyed by exercise id (read from the notebooks' test cells). The untrained
#: margins of 5.6c and 9.2c (pretrained bodies) come from the course's own designs with 20 seeds each: before
#: training they scored up to chance + 0.11 (5.6c) and chance + 0.09 (9.2c) on the smoke profile's test splits.
CHALLENGES: dict[str, Challenge] = {c.exercise: c for c in (
    Challenge("2.6c", steps=300, max_batch_size=128, bar_standin=0.80, bar_real=0.80, seed=0,
              heldout=2000, heldout_seed=31, data="train_tensors"),
    Challenge("3.7b", steps=200, max_batch_size=64, bar_standin=0.70, bar_real=0.40, seed=0,
              heldout=1000, heldout_seed=37, data="train_tensors"),
    Challenge("4.8b", steps=100, max_batch_size=128, bar_standin=0.75, bar_real=0.70, seed=0,
              heldout=800, heldout_seed=4_008_002, full_steps=1000, data="challenge_train"),
    Challenge("5.6c", steps=40, max_batch_size=64, bar_standin=0.67, bar_real=0.67, seed=562,
              heldout=200, heldout_seed=5620,
              data="challenge_train", untrained_margin=0.20),
    Challenge("6.8c", steps=150, max_batch_size=128, bar_standin=0.89, bar_real=0.92, seed=0,
              heldout=2000, heldout_seed=68, data="train_ds"),
    Challenge("8.6b", steps=150, max_batch_size=64, bar_standin=0.60, bar_real=0.30, seed=0,
              heldout=500, heldout_seed=86, data="challenge_set"),
    Challenge("9.2c", steps=20, max_batch_size=64, bar_standin=0.76, bar_real=0.76, seed=92,
              heldout=500, heldout_seed=9200, data="challenge_train", untrained_margin=0.20),
)}


def challenge(exercise: str, profile: str | None = None) -> Challenge:
    """The rules of challenge ``exercise`` (e.g. ``"2.6c"``), in ``profile`` when given."""
    try:
        found = CHALLENGES[exercise]
    except (KeyError, TypeError):
        raise KeyError(f"no challenge {exercise!r}: the challenges are {', '.join(sorted(CHALLENGES))}") from None
    return found if profile is None else found.for_profile(profile)

