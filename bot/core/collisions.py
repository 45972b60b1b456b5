"""Phrasings that the matcher would give to another entry than their own."""

from __future__ import annotations

from bot.base.config import MatcherSettings
from bot.core.knowledge import Knowledge
from bot.core.matcher import Matcher, Outcome


def find_collisions(knowledge: Knowledge, settings: MatcherSettings | None = None) -> list[str]:
    """One line per phrasing that does not get its own entry as a clear answer."""
    matcher = Matcher(knowledge.entries, knowledge.synonyms, settings)
    lines = []
    for entry in knowledge.entries:
        for phrasing in entry.phrasings:
            result = matcher.match(phrasing)
            if result.outcome is Outcome.ANSWER and result.entry_id == entry.id:
                continue
            best = result.best
            if best is None:
                lines.append(f"{entry.source}: entry {entry.id!r}: {phrasing!r} matches nothing")
            elif best.entry_id != entry.id:
                lines.append(
                    f"{entry.source}: entry {entry.id!r}: {phrasing!r} matches "
                    f"{best.entry_id!r} better ({best.score:.2f}) than its own entry"
                )
            else:
                runner = result.candidates[1] if len(result.candidates) > 1 else None
                other = f"; runner-up {runner.entry_id!r} {runner.score:.2f}" if runner else ""
                lines.append(
                    f"{entry.source}: entry {entry.id!r}: {phrasing!r} is not a clear "
                    f"answer ({result.outcome}, {best.score:.2f}{other})"
                )
    return lines
