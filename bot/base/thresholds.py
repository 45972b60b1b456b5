"""The matcher's bars for each mode: what a null threshold key means, and what a set one does.

``matcher.answer_threshold``, ``passive_answer_threshold``, ``margin`` and ``suggest_threshold``
are flat keys whose default is null: "the default of the mode in use". The mode is hybrid when a
sentence encoder is configured (``matcher.semantic.model``, or ``--mode hybrid`` for eval/bench),
lexical otherwise. A key that is set is used as given in whichever mode is in use.

What each bar reads differs by mode:

* **lexical**: ``answer_threshold`` and ``passive_answer_threshold`` are bars on the top entry's
  lexical score (0..1) and ``margin`` its lead over the runner-up; ``suggest_threshold`` is the
  score an entry needs to be offered. Defaults are today's: 0.50, 0.60, 0.16, 0.30.
* **hybrid**: ``answer_threshold`` and ``passive_answer_threshold`` are bars on the estimated
  probability that the fused top entry is right (the logistic answer rule of
  ``bot.semantic.decide``); ``margin`` is an extra minimum lead on the fused score (0: the
  probability already weighs the lead); ``suggest_threshold`` is the fused score an entry needs
  to be offered. Defaults 0.76, 0.93, 0.0, 0.50, fitted by leave-one-set-out
  (``benchmarks/SEMANTIC.md``): the answer bar for precision >= 0.92 on every fit set, the
  passive bar for precision >= 0.95 on every fit set (a passive answer interrupts someone who did
  not ask, so it must be rarer and surer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Mode = Literal["lexical", "hybrid"]
KEYS = ("answer_threshold", "passive_answer_threshold", "margin", "suggest_threshold")


@dataclass(frozen=True)
class Bars:
    """The effective thresholds of one mode (see the module docstring for their meaning)."""

    mode: Mode
    answer: float
    passive_answer: float
    margin: float
    suggest: float

    def value(self, key: str) -> float:
        """The value behind a ``matcher.*`` threshold key."""
        return float(getattr(self, key.removesuffix("_threshold")))

    def describe(self) -> str:
        """One line for ``faqbot doctor`` and ``config check``: the mode and every bar."""
        scale = "P(right)" if self.mode == "hybrid" else "score"
        return (
            f"{self.mode} mode: answer {scale} >= {self.answer:.2f} "
            f"(passive {self.passive_answer:.2f}), margin {self.margin:.2f}, "
            f"suggest {'fused ' if self.mode == 'hybrid' else ''}score >= {self.suggest:.2f}"
        )


DEFAULTS: dict[Mode, Bars] = {
    "lexical": Bars("lexical", answer=0.50, passive_answer=0.60, margin=0.16, suggest=0.30),
    "hybrid": Bars("hybrid", answer=0.76, passive_answer=0.93, margin=0.0, suggest=0.50),
}


class ThresholdKeys(Protocol):
    """The four keys as ``MatcherSettings`` holds them (None: the mode's default)."""

    answer_threshold: float | None
    passive_answer_threshold: float | None
    margin: float | None
    suggest_threshold: float | None


def effective(keys: ThresholdKeys, mode: Mode) -> Bars:
    """The bars in use: each key as set, or the mode's default where it is null."""
    default = DEFAULTS[mode]

    def pick(key: str) -> float:
        value = getattr(keys, key)
        return default.value(key) if value is None else float(value)

    return Bars(
        mode,
        answer=pick("answer_threshold"),
        passive_answer=pick("passive_answer_threshold"),
        margin=pick("margin"),
        suggest=pick("suggest_threshold"),
    )
