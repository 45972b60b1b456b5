"""Phrasings and signatures that the matcher would give to another entry than their own."""

from __future__ import annotations

from collections.abc import Iterable

from bot.base.config import MatcherSettings
from bot.core.knowledge import Entry, Knowledge
from bot.core.matcher import Matcher, Outcome
from bot.core.signature_index import SignatureIndex
from bot.core.signatures import literal_text


def signature_clashes(entries: Iterable[Entry], index: SignatureIndex) -> list[str]:
    """One line per signature whose text, pasted, would also hit another entry's signature."""
    lines = []
    for entry in entries:
        for signature in entry.signatures:
            for hit in index.hits(literal_text(signature)):
                if hit.entry_id != entry.id:
                    lines.append(
                        f"{entry.source}: entry {entry.id!r}: signature {signature!r} also "
                        f"matches {hit.entry_id!r}'s signature {hit.signature!r}"
                    )
    return lines


def find_collisions(knowledge: Knowledge, settings: MatcherSettings | None = None) -> list[str]:
    """One line per phrasing that does not get its own entry as a clear answer, and per
    signature that also matches another entry's."""
    matcher = Matcher(knowledge.entries, knowledge.synonyms, settings)
    lines = signature_clashes(knowledge.entries, matcher.signatures)
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
