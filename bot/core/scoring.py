"""The seam under the matcher: what a scorer is, and what it says about an entry.

A scorer reads a question once (``prepare``), then both proposes candidates (the entry ids it
finds, best first, within a view of the knowledge) and scores a candidate set it is given, which
may hold entries another scorer proposed and it never found. The lexical scorer
(``bot.core.lexical``) is the first; a sentence encoder plugs in beside it. The matcher takes the
union of the proposals, asks every scorer to score it, and keeps each scorer's raw score on the
candidate (``Candidate.signals``), so a fusion of them can replace the single score later.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from bot.core.gathering import Visible

__all__ = ["Scorer", "Signal", "Visible"]


class Signal(Protocol):
    """One scorer's judgement of one entry for one question (each scorer has its dataclass)."""

    @property
    def score(self) -> float:
        """0 to 1; 1 is a perfect match by this scorer's measure."""
        ...

    @property
    def phrasing(self) -> str:
        """The entry's phrasing that supports it best."""
        ...

    @property
    def coverage(self) -> float:
        """Share of the question's weight the entry accounts for."""
        ...

    @property
    def why(self) -> str:
        """The readable reason, for --explain and the moderators (built when asked for)."""
        ...


Prepared = TypeVar("Prepared")


class Scorer(Protocol[Prepared]):
    """Proposes and scores entries for a question (see the module docstring)."""

    name: str  # the key of its score in ``Candidate.signals``

    def prepare(self, text: str) -> Prepared | None:
        """The question read once for this scorer; None when it has nothing to score with."""
        ...

    def propose(self, query: Prepared, limit: int, visible: Visible | None = None) -> list[str]:
        """Up to ``limit`` entry ids worth scoring, best first, only among the visible ones."""
        ...

    def score(self, query: Prepared, entry_ids: Iterable[str]) -> dict[str, Signal]:
        """A signal for every given entry id (the ones it cannot support score 0)."""
        ...
