"""Layers of knowledge: the base every community shares, and one community's own changes on top.

- The **base layer** is the shipped and operator-configured YAML with the operator's overlay
  applied. It owns the one shared phrasing index, so 1,000 communities do not hold 1,000 copies.
- A **community layer** holds only what that community changed: entries it added, base entries it
  edited (a copy that replaces the base one for it alone), base entries it removed, and the base
  topics it does not get. Its own entries live in a small index of their own, so nothing one
  community does moves another's scores, word weights or typo vocabulary.

Matching in a community ranks the base index through a view that leaves out what the community
replaced, removed or switched off (applied while candidates are gathered), ranks its own index,
and decides on the merged ranking with the same outcome rule as a single index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.base.config import MatcherSettings
from bot.base.keptfiles import KeptFiles
from bot.core.knowledge import Entry, phrasing_key
from bot.core.matcher import Candidate, Matcher, MatchResult
from bot.core.overlay import Slot, phrasing_owners
from bot.core.posts import match_post
from bot.core.signature_index import SignatureHit, signature_result
from bot.core.text import Normaliser

if TYPE_CHECKING:
    from bot.core.semantic import VectorCache


def topic_of(entry: Entry) -> str | None:
    """The base topic an entry comes from: its knowledge file's name without ``.yaml``."""
    source = entry.source
    if not source or not source.endswith((".yaml", ".yml")):
        return None
    return Path(source).stem


class BaseLayer:
    """The entries every community sees (YAML plus the operator's overlay) and their index."""

    def __init__(
        self,
        slots: dict[str, Slot],
        synonyms: Mapping[str, tuple[str, ...]],
        settings: MatcherSettings,
        *,
        changed: Iterable[str] = (),
        vectors: VectorCache | None = None,
        defer_semantic: bool = False,
        kept: KeptFiles | None = None,
    ) -> None:
        self._slots = slots
        self._changed = set(changed)  # ids the operator's overlay added, edited or removed
        self._owner_map: dict[str, str] | None = None  # built when curation first asks
        live = [s.entry for s in slots.values() if not s.removed]
        self.matcher = Matcher(
            live, synonyms, settings, vectors=vectors, defer_semantic=defer_semantic, kept=kept
        )

    @property
    def _owners(self) -> dict[str, str]:
        """Phrasing key -> owning entry id: only curation asks, so start-up does not wait for
        it (40,000 phrasings keyed take a tenth of a second)."""
        if self._owner_map is None:
            self._owner_map = phrasing_owners(self._slots)
        return self._owner_map

    @property
    def normaliser(self) -> Normaliser:
        """How questions are cut into words (grouping tokens use it in every community)."""
        return self.matcher.normaliser

    @property
    def vectors(self) -> VectorCache | None:
        """The encoder's vector cache when matching is hybrid (shared by every community)."""
        return self.matcher.vectors

    def slot(self, entry_id: str) -> Slot | None:
        """The entry id's current version (removed ones included), or None."""
        return self._slots.get(entry_id)

    def slots(self) -> list[Slot]:
        """Every entry id's current version, in knowledge order."""
        return list(self._slots.values())

    def own_slots(self) -> list[Slot]:
        """Only what the operator's overlay changed (for its export)."""
        return [self._slots[entry_id] for entry_id in self._slots if entry_id in self._changed]

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id when it is not removed."""
        slot = self._slots.get(entry_id)
        return slot.entry if slot is not None and not slot.removed else None

    def owner_of(self, key: str) -> str | None:
        """The id of the (not removed) entry that owns a phrasing key."""
        return self._owners.get(key)

    def signature_owner(self, signature: str) -> str | None:
        """The id of the (not removed) entry that lists a signature."""
        return self.matcher.signatures.owner(signature)

    def signature_hits(self, text: str) -> list[SignatureHit]:
        """The entries whose signatures the text contains, most specific first."""
        return self.matcher.signatures.hits(text)

    def apply(self, slot: Slot) -> None:
        """Make a committed change visible: memory, phrasing owners and the index."""
        _replace(self._slots, self._owners, slot)
        self._changed.add(slot.entry.id)
        if slot.removed:
            self.matcher.remove(slot.entry.id)
        else:
            self.matcher.upsert(slot.entry)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries for a text, best first."""
        return self.matcher.rank(text, limit)

    def match(self, text: str, *, passive: bool = False) -> MatchResult:
        """Rank and decide between answer, suggest and none."""
        return self.matcher.match(text, passive=passive)

    def __len__(self) -> int:
        return len(self.matcher)


class CommunityLayer:
    """One community's changes over the base: what it alone sees."""

    def __init__(
        self,
        base: BaseLayer,
        own: dict[str, Slot],
        *,
        topics_off: Iterable[str] = (),
    ) -> None:
        self.base = base
        self._own = own
        self._owners = phrasing_owners(own)
        self.topics_off = frozenset(topics_off)
        self._matcher: Matcher | None = None
        for slot in own.values():
            if not slot.removed:
                self._own_matcher().upsert(slot.entry)

    def _own_matcher(self) -> Matcher:
        if self._matcher is None:
            base = self.base.matcher
            self._matcher = Matcher(
                (),
                base.synonyms,
                base.settings,
                vectors=base.vectors,
                defer_semantic=not base.hybrid,
            )
        return self._matcher

    def follow_base_mode(self) -> None:
        """Turn this community's own index hybrid once the base is (its few vectors are in
        the cache already: the library embeds them before the layer is built)."""
        own, base = self._matcher, self.base.matcher
        if own is not None and base.hybrid and not own.hybrid and base.vectors is not None:
            from bot.core.semantic import SemanticScorer

            own.attach_semantic(SemanticScorer(base.vectors, own.semantic_snapshot()))

    @property
    def normaliser(self) -> Normaliser:
        """The base normaliser: grouping tokens mean the same in every community."""
        return self.base.normaliser

    @property
    def vectors(self) -> VectorCache | None:
        """The base's vector cache (None when matching is lexical-only)."""
        return self.base.vectors

    def visible(self, entry_id: str) -> bool:
        """Whether a base entry is seen here (not replaced, removed, or in a topic switched off)."""
        if entry_id in self._own:
            return False
        if not self.topics_off:
            return True
        slot = self.base.slot(entry_id)
        return slot is not None and topic_of(slot.entry) not in self.topics_off

    def slot(self, entry_id: str) -> Slot | None:
        """The entry id's version here (removed ones included), or None."""
        own = self._own.get(entry_id)
        if own is not None:
            return own
        return self.base.slot(entry_id) if self.visible(entry_id) else None

    def slots(self) -> list[Slot]:
        """Base entries seen here in knowledge order, then this community's own."""
        seen = [s for s in self.base.slots() if self.visible(s.entry.id)]
        return seen + list(self._own.values())

    def own_slots(self) -> list[Slot]:
        """Only this community's changes (for its export)."""
        return list(self._own.values())

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id here when it is not removed."""
        slot = self.slot(entry_id)
        return slot.entry if slot is not None and not slot.removed else None

    def owner_of(self, key: str) -> str | None:
        """The id of the entry that owns a phrasing key here."""
        owner = self._owners.get(key)
        if owner is not None:
            return owner
        owner = self.base.owner_of(key)
        return owner if owner is not None and self.visible(owner) else None

    def signature_owner(self, signature: str) -> str | None:
        """The id of the entry seen here that lists a signature."""
        owner = self._matcher.signatures.owner(signature) if self._matcher else None
        if owner is not None:
            return owner
        owner = self.base.signature_owner(signature)
        return owner if owner is not None and self.visible(owner) else None

    def signature_hits(self, text: str) -> list[SignatureHit]:
        """The entries seen here whose signatures the text contains, most specific first."""
        hits = self.base.matcher.signatures.hits(text, self.visible)
        if self._matcher is not None:
            hits += self._matcher.signatures.hits(text)
        return sorted(hits, key=lambda hit: -hit.weight)  # stable: base order on a tie

    def apply(self, slot: Slot) -> None:
        """Make a committed change visible in this community only."""
        _replace(self._own, self._owners, slot)
        matcher = self._own_matcher()
        if slot.removed:
            matcher.remove(slot.entry.id)
        else:
            matcher.upsert(slot.entry)

    def _merged(self, text: str, limit: int) -> tuple[list[Candidate], bool]:
        self.follow_base_mode()  # both rankings must be on one scale
        ranked, as_typed = self.base.matcher.ranked(text, limit, self.visible)
        if self._matcher is not None and len(self._matcher):
            own, own_typed = self._matcher.ranked(text, limit)
            ranked = sorted([*ranked, *own], key=lambda c: -c.score)[:limit]
            as_typed = as_typed or own_typed
        return ranked, as_typed

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries seen here for a text, best first."""
        return self._merged(text, limit)[0]

    def match(self, text: str, *, passive: bool = False) -> MatchResult:
        """Rank what this community sees and decide with the base matcher's rule."""
        matcher = self.base.matcher
        hits = self.signature_hits(text)
        if hits:  # as in Matcher.match: a listed error string decides, on the whole post
            return signature_result(
                text, hits, self._merged(text, matcher.pool)[0], matcher.settings
            )
        return match_post(matcher, text, lambda part: self._merged(part, matcher.pool), passive)

    def __len__(self) -> int:
        return sum(1 for s in self.slots() if not s.removed)


Layer = BaseLayer | CommunityLayer


def _replace(slots: dict[str, Slot], owners: dict[str, str], slot: Slot) -> None:
    """Put a slot in place of the old one, moving its phrasings' ownership."""
    entry_id = slot.entry.id
    old = slots.get(entry_id)
    if old is not None and not old.removed:
        for text in old.entry.phrasings:
            if owners.get(phrasing_key(text)) == entry_id:
                del owners[phrasing_key(text)]
    slots[entry_id] = slot
    if not slot.removed:
        for text in slot.entry.phrasings:
            owners.setdefault(phrasing_key(text), entry_id)
