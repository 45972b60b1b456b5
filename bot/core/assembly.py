"""What a library is assembled from: the base layer, and the slots of each scope's overlay.

Pure functions of the knowledge, the overlay revisions and the settings (the library calls
them on start, on reload and when a community is first asked for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.base.config import Settings
from bot.base.keptfiles import KeptFiles
from bot.core.knowledge import Knowledge
from bot.core.layers import BaseLayer
from bot.core.overlay import Slot, apply_overlay
from bot.core.semantic import VectorCache
from bot.storage import Revision, ScopedStore


def build_base(
    knowledge: Knowledge,
    revisions: Sequence[Revision],
    settings: Settings,
    vectors: VectorCache | None = None,
    defer_semantic: bool = False,
    kept: KeptFiles | None = None,
) -> BaseLayer:
    """The base layer: the YAML with the operator's overlay applied, indexed (hybrid when
    given the encoder's vectors, unless deferred; ``kept``: where a large index is kept
    between starts, ``bot.core.index_state``)."""
    slots = apply_overlay(knowledge.entries, revisions)
    changed = {revision.entry_id for revision in revisions}
    return BaseLayer(
        slots,
        knowledge.synonyms,
        settings.matcher,
        changed=changed,
        vectors=vectors,
        defer_semantic=defer_semantic,
        kept=kept,
    )


def live_phrasings(slots: Iterable[Slot]) -> list[str]:
    """Every phrasing of the slots that are not removed (what the encoder must have)."""
    return [text for slot in slots if not slot.removed for text in slot.entry.phrasings]


async def own_slots(store: ScopedStore, base: BaseLayer) -> dict[str, Slot]:
    """One community's changes: each id it touched with its latest version there."""
    by_id = {slot.entry.id: slot.entry for slot in base.slots()}
    return apply_overlay([], await store.current_revisions(), sources=by_id)
