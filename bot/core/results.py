"""What matching returns: the outcome, the candidates it was decided from, and their scores.

Plain records with no behaviour beyond reading them (``bot.core.matcher`` builds them; the
responder, the front ends and the evaluation read them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a query, with its score and the reason for it."""

    entry_id: str
    score: float
    phrasing: str
    why: str
    coverage: float = 1.0  # share of the question's weight the entry's words account for
    # Each scorer's raw score (scorer name -> score): what a fusion of several scorers reads.
    signals: Mapping[str, float] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MatchResult:
    """The decision for one query and the candidates it was made from."""

    outcome: Outcome
    query: str
    candidates: tuple[Candidate, ...]
    explanation: str
    offered: tuple[Candidate, ...] = ()

    @property
    def best(self) -> Candidate | None:
        """The top candidate, whatever the outcome."""
        return self.candidates[0] if self.candidates else None

    @property
    def entry_id(self) -> str | None:
        """The answered entry, when the outcome is an answer."""
        return self.candidates[0].entry_id if self.outcome is Outcome.ANSWER else None

    @property
    def score(self) -> float:
        """The top candidate's score (0 when there is none)."""
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        """The entries offered as "did you mean", when the outcome is suggest."""
        return self.offered if self.outcome is Outcome.SUGGEST else ()
