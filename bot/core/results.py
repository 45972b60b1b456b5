"""What matching returns: the outcome, the candidates it was decided from, and their scores.

Plain records with no behaviour beyond reading them (``bot.core.matcher`` builds them; the
responder, the front ends and the evaluation read them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, eq=False)
class Candidate:
    """One entry considered for a query, with its score and the reason for it.

    The reason may be given as a function that writes it: it is written on the first read of
    ``why`` (a ranking keeps dozens of candidates; a reply or ``--explain`` shows a few).
    """

    entry_id: str
    score: float
    phrasing: str
    reason: str | Callable[[], str] = field(repr=False)
    coverage: float = 1.0  # share of the question's weight the entry's words account for
    # Each scorer's raw score (scorer name -> score): what a fusion of several scorers reads.
    signals: Mapping[str, float] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """The readable reason for the score."""
        reason = self.reason
        if not isinstance(reason, str):
            reason = reason()
            object.__setattr__(self, "reason", reason)  # written once; the same text after
        return reason

    def _key(self) -> tuple[str, float, str, str, float]:
        return (self.entry_id, self.score, self.phrasing, self.why, self.coverage)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Candidate):
            return NotImplemented
        return self._key() == other._key() and dict(self.signals) == dict(other.signals)

    def __hash__(self) -> int:
        return hash(self._key())


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
