"""The signature index: which entries' signatures a post contains, and the outcome they decide.

Each signature is filed under one of its anchor words (a whole word any post holding it holds;
the one fewest other signatures are filed under). A post is folded once and cut into words; only
the signatures filed under a word the post holds are checked in full. The cost is linear in the
post plus the signatures checked, whatever the size of the knowledge.

A hit decides the outcome before any score does, in both modes: the curators chose that exact
string for that entry. One entry hit is the answer; several are suggested together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.gathering import Visible
from bot.core.signatures import WORD, Pattern, anchors, fold, signature_key

if TYPE_CHECKING:
    from bot.base.config import MatcherSettings
    from bot.core.entries import Entry
    from bot.core.matcher import Candidate, MatchResult


@dataclass(frozen=True, slots=True)
class SignatureHit:
    """An entry whose signature a post contains, with the signature as the curators wrote it."""

    entry_id: str
    signature: str
    weight: int  # the signature's literal characters: the more specific hit comes first


class SignatureIndex:
    """Every signature of a set of entries, filed for a linear scan of a post."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._by_word: dict[str, list[Pattern]] = {}
        self._patterns: dict[str, list[tuple[str, Pattern]]] = {}  # entry id -> (word, pattern)
        self._owners: dict[str, str] = {}  # signature key -> entry id
        self._order: dict[str, int] = {}
        for entry in entries:
            self.upsert(entry)

    def __len__(self) -> int:
        return sum(len(filed) for filed in self._patterns.values())

    def upsert(self, entry: Entry) -> None:
        """File an entry's signatures, replacing the ones it had."""
        self.remove(entry.id)
        self._order.setdefault(entry.id, len(self._order))
        filed = []
        for text in entry.signatures:
            words = anchors(text)
            if not words:  # refused by validation; an unchecked entry must not break the index
                continue
            word = min(words, key=lambda w: (len(self._by_word.get(w, ())), -len(w)))
            pattern = Pattern.of(entry.id, text)
            self._by_word.setdefault(word, []).append(pattern)
            self._owners.setdefault(signature_key(text), entry.id)
            filed.append((word, pattern))
        if filed:
            self._patterns[entry.id] = filed

    def remove(self, entry_id: str) -> None:
        """Forget an entry's signatures (no error if it has none)."""
        for word, pattern in self._patterns.pop(entry_id, ()):
            bucket = self._by_word[word]
            bucket.remove(pattern)
            if not bucket:
                del self._by_word[word]
            key = signature_key(pattern.text)
            if self._owners.get(key) == entry_id:
                del self._owners[key]

    def owner(self, signature: str) -> str | None:
        """The id of the entry that lists this signature (compared folded), if any."""
        return self._owners.get(signature_key(signature))

    def patterns(self) -> list[Pattern]:
        """Every filed signature, entry by entry."""
        return [pattern for filed in self._patterns.values() for _, pattern in filed]

    def hits(self, text: str, visible: Visible | None = None) -> list[SignatureHit]:
        """The visible entries whose signatures the text contains, most specific first."""
        if not self._by_word:
            return []
        folded = fold(text)
        best: dict[str, Pattern] = {}
        for word in set(WORD.findall(folded)) & self._by_word.keys():
            for pattern in self._by_word[word]:
                held = best.get(pattern.entry_id)
                if held is not None and held.weight >= pattern.weight:
                    continue
                if visible is not None and not visible(pattern.entry_id):
                    continue
                if pattern.found_in(folded):
                    best[pattern.entry_id] = pattern
        found = [SignatureHit(p.entry_id, p.text, p.weight) for p in best.values()]
        return sort_hits(found, self._order)


def sort_hits(hits: Iterable[SignatureHit], order: dict[str, int]) -> list[SignatureHit]:
    """Hits most specific first, then in knowledge order."""
    return sorted(hits, key=lambda h: (-h.weight, order.get(h.entry_id, len(order)), h.entry_id))


def signature_result(
    text: str,
    hits: Sequence[SignatureHit],
    ranked: Sequence[Candidate],
    settings: MatcherSettings,
) -> MatchResult:
    """The outcome signature hits decide: one entry is the answer, several are suggested.

    The hit entries lead the candidates (score 1, with the signature in ``why`` and the
    ``signature`` signal); the scored ranking follows, for ``--explain``.
    """
    from bot.core.matcher import Candidate, MatchResult, Outcome

    scored = {c.entry_id: c for c in ranked}
    first = []
    for hit in hits:
        was = scored.get(hit.entry_id)
        why = f"signature {hit.signature!r} is in the post"
        signals = {**(was.signals if was else {}), "signature": 1.0}
        if was is not None:
            why += f" (scored {was.score:.2f}: {was.why})"
        phrasing = was.phrasing if was else ""
        first.append(Candidate(hit.entry_id, 1.0, phrasing, why, 1.0, signals))
    rest = [c for c in ranked if c.entry_id not in {h.entry_id for h in hits}]
    candidates = (*first, *rest)[: max(len(first), len(ranked))]
    if len(first) == 1:
        why = f"the post contains {hits[0].signature!r}, a signature of {hits[0].entry_id!r}"
        return MatchResult(Outcome.ANSWER, text, candidates, why)
    why = f"the post contains signatures of {len(first)} entries"
    offered = tuple(first[: settings.max_suggestions])
    return MatchResult(Outcome.SUGGEST, text, candidates, why, offered)
