"""The library: what every scope of one running bot shares, and the scopes it serves.

It holds the settings, the base knowledge (YAML plus the operator's overlay, with the one shared
index), the store, and one ``KnowledgeService`` per scope asked for so far: the operator's, and
each community's, built the first time it is needed from that community's own overlay. A change
to the knowledge, in any scope, takes the library's one lock: a community's checks read the base,
so no change may see another half done. Changes other processes made (the CLI, another shard)
arrive as notes of the store's change sequence: ``apply_changes`` re-reads what they name.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

from bot.base.config import Settings
from bot.base.errors import KnowledgeError, Problem
from bot.core import ann
from bot.core.assembly import live_phrasings, own_slots
from bot.core.embedding import INLINE_EMBED, Embedder, Progress
from bot.core.knowledge import Knowledge
from bot.core.layers import BaseLayer, CommunityLayer, topic_of
from bot.core.overlay import apply_overlay
from bot.core.semantic import VectorCache, load_stored, save_pending
from bot.core.service import KnowledgeService
from bot.core.startup import index_base, read_inputs, read_knowledge
from bot.core.totals import sum_stats
from bot.storage import (
    OPERATOR_SCOPE,
    ChangeKind,
    ChangeNote,
    Revision,
    Stats,
    Store,
)

log = logging.getLogger(__name__)


class Library:
    """The shared base and the services of every scope asked for so far.

    With an encoder, missing vectors are embedded before ``open`` returns, unless
    ``background=True`` (``run``, the console): then a base missing more than ``inline_embed``
    vectors answers lexically at once and ``embedder`` completes them (``bot.core.embedding``).
    A reload does the same whenever the library was opened in the background mode.
    """

    inline_embed = INLINE_EMBED

    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        store: Store,
        base: BaseLayer,
        vectors: VectorCache | None = None,
        *,
        seq: int = 0,
    ):
        self.settings = settings
        self.seq = seq  # the change sequence's last seq before the overlays were read
        self.vectors = vectors  # the encoder's vector cache when matching is hybrid
        self.knowledge = knowledge
        self.store = store
        self.base = base
        self.change_lock = asyncio.Lock()
        self.operator = KnowledgeService(self, OPERATOR_SCOPE, base)
        self._communities: dict[str, KnowledgeService] = {}
        self._missed = 0  # changes to communities not built: one being built must read again
        self.background = False
        self.embedder = Embedder(vectors, store) if vectors is not None else None

    def progress(self) -> Progress:
        """How far the vectors are, and whether matching is hybrid yet."""
        if self.embedder is None:
            return Progress(0, 0, "lexical")
        return self.embedder.progress(self.base)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        knowledge: Knowledge | None = None,
        store: Store | None = None,
        background: bool = False,
    ) -> Self:
        """Load the YAML (KnowledgeError if broken), open the store and apply the overlay;
        ``background``: answer lexically while missing vectors are computed."""
        # A configured model that cannot be loaded stops here (ModelError).
        knowledge, vectors, store = await read_inputs(settings, knowledge, store)
        try:
            # Read first: a change made while we load is then applied again, never missed.
            seq = await store.last_change_seq()
            revisions = await store.scoped(OPERATOR_SCOPE).current_revisions()
            inline = cls.inline_embed if background else None
            base = await index_base(settings, knowledge, revisions, (vectors, store, inline))
            await store.expire_text()
        except BaseException:
            await store.close()
            raise
        log.info("knowledge ready with %d entries", len(base))
        library = cls(settings, knowledge, store, base, vectors, seq=seq)
        library.background = background
        await library._start_vector_work()
        return library

    async def _start_vector_work(self) -> None:
        """Complete the base's vectors, or build its approximate index, in the background."""
        embedder, base = self.embedder, self.base
        if embedder is None:
            return
        scorer = base.matcher.semantic
        # Large enough for the approximate index: the task itself asks whether faiss is
        # installed (importing it takes a fifth of a second that start-up need not wait for).
        if scorer is None or (not scorer.approximate and scorer.live >= ann.MIN_ROWS):
            texts = live_phrasings(base.slots())
            own = [live_phrasings(s.matcher.own_slots()) for s in self._communities.values()]
            texts += [t for part in own for t in part]
            await embedder.start(base, lambda: self.base, texts)

    async def community(self, scope: str) -> KnowledgeService:
        """The service of one scope (a guild id, or ``operator``), built on first use."""
        if scope == OPERATOR_SCOPE:
            return self.operator
        service = self._communities.get(scope)
        if service is None:
            missed, layer = self._missed, await self._community_layer(scope, self.base)
            # A reload swapped the base, or another process changed a community, while we read.
            while layer.base is not self.base or missed != self._missed:
                missed, layer = self._missed, await self._community_layer(scope, self.base)
            service = self._communities.setdefault(scope, KnowledgeService(self, scope, layer))
        return service

    def topics_off(self, scope: str) -> frozenset[str]:
        """The base topics this community does not get (operator settings)."""
        chosen = self.settings.communities.topics.get(scope)
        if chosen is None:
            chosen = self.settings.communities.default_topics
        if chosen is None:
            return frozenset()
        every = {topic for entry in self.knowledge.entries if (topic := topic_of(entry))}
        return frozenset(every - set(chosen))

    async def _community_layer(self, scope: str, base: BaseLayer) -> CommunityLayer:
        own = await own_slots(self.store.scoped(scope), base)
        if self.vectors is None:
            return CommunityLayer(base, own, topics_off=self.topics_off(scope))
        texts = live_phrasings(own.values())
        await load_stored(self.vectors, self.store, texts)
        # A community's few own phrasings are embedded before it answers, hybrid base or not.
        await asyncio.to_thread(self.vectors.embed_missing, texts)
        layer = await asyncio.to_thread(
            CommunityLayer, base, own, topics_off=self.topics_off(scope)
        )
        await save_pending(self.vectors, self.store)
        return layer

    async def reload(self, paths: Iterable[Path] | None = None, *, announce: bool = True) -> int:
        """Re-read the YAML and every overlay, then swap them in at once; on KnowledgeError
        keep what we had and re-raise. ``announce``: tell other processes to reload too.

        Reading, validating and indexing run in a worker thread, so members are answered
        meanwhile; past ``knowledge.reload_timeout_seconds`` the reload gives up with a
        KnowledgeError (the thread finishes in the background and its result is dropped).
        """
        paths = tuple(paths or self.settings.knowledge.paths)
        budget = self.settings.knowledge.reload_timeout_seconds
        async with self.change_lock:
            revisions = await self.store.scoped(OPERATOR_SCOPE).current_revisions()
            try:
                knowledge, base = await asyncio.wait_for(self._stage(paths, revisions), budget)
            except KnowledgeError:
                log.warning("reload refused: the knowledge has problems; keeping the current one")
                raise
            except TimeoutError:
                log.warning("reload gave up after %g s; keeping the current knowledge", budget)
                where = ", ".join(map(str, paths))
                message = (
                    f"took longer than {budget:g} s to load (knowledge.reload_timeout_seconds)"
                )
                raise KnowledgeError([Problem(where, None, None, message)]) from None
            layers: dict[str, CommunityLayer] = {}
            # A community first asked for meanwhile joins the loop; the swap below does not
            # await, so none can appear between the last check and the swap.
            while missing := [scope for scope in self._communities if scope not in layers]:
                for scope in missing:
                    layers[scope] = await self._community_layer(scope, base)
            if self.vectors is not None:
                await save_pending(self.vectors, self.store)
            # Everything swaps at once on the event loop: no question sees half of it.
            self.knowledge, self.base = knowledge, base
            self.operator.bind(base)
            for scope, service in self._communities.items():
                service.bind(layers[scope])
            await self._start_vector_work()
            if announce:
                await self.store.note_reload()
        log.info("knowledge reloaded: %d entries", len(base))
        return len(base)

    async def apply_changes(self, notes: Sequence[ChangeNote]) -> int:
        """Re-read what other processes changed (``Store.changes_since``) and update the live
        layers as a local edit would, writing nothing; how many entries, scopes or groups were
        re-read. Our own notes are skipped: their change is already live here. A review group's
        note updates the store's grouping index (``Store.follow_groups``). An operator reload note
        reloads everything; a note about a community this process has not built does nothing
        (it reads its overlay when first asked for).
        """
        theirs = [note for note in notes if not note.mine]
        async with self.change_lock:  # a local review's index update is never overtaken
            done = await self.store.follow_groups(theirs)
        if any(n.kind is ChangeKind.RELOAD and n.scope == OPERATOR_SCOPE for n in theirs):
            # A reload re-reads every entry the notes name. If this process's YAML is broken,
            # it keeps serving what it had (reload logged why).
            with contextlib.suppress(KnowledgeError):
                await self.reload(announce=False)
            return done + 1
        async with self.change_lock:
            entries = (n for n in theirs if n.kind is not ChangeKind.GROUP)
            for scope, entry_id in dict.fromkeys((n.scope, n.entry_id) for n in entries):
                done += await self._apply_one(scope, entry_id)
        return done

    async def _apply_one(self, scope: str, entry_id: str | None) -> int:
        """Re-read one entry (or one community's whole overlay) and make it live; 0 or 1."""
        service = self.operator if scope == OPERATOR_SCOPE else self._communities.get(scope)
        if service is None:
            self._missed += 1
            return 0
        log.info("applying a change made elsewhere: %s in %s", entry_id or "everything", scope)
        if entry_id is None:  # a community's whole overlay (an operator one is a reload)
            service.bind(await self._community_layer(scope, self.base))
            return 1
        latest = (await self.store.scoped(scope).revisions(entry_id))[-1:]
        if scope == OPERATOR_SCOPE:  # over the YAML entry, as at start
            slots = apply_overlay([e for e in self.knowledge.entries if e.id == entry_id], latest)
        else:  # over the base entry (for its topic), as ``own_slots``
            under = self.base.slot(entry_id)
            slots = apply_overlay([], latest, sources={entry_id: under.entry} if under else None)
        slot = slots.get(entry_id)
        if slot is None:
            return 0
        vectors = self.vectors
        if vectors is not None and not slot.removed:
            # As for a local edit: embedded (or read from the store) before it is visible.
            await load_stored(vectors, self.store, slot.entry.phrasings)
            await asyncio.to_thread(vectors.get, list(slot.entry.phrasings))
        service.curator.layer.apply(slot)
        if vectors is not None:
            await save_pending(vectors, self.store)
        return 1

    async def _stage(
        self, paths: tuple[Path, ...], revisions: Sequence[Revision]
    ) -> tuple[Knowledge, BaseLayer]:
        """Load, overlay and index the knowledge (the work runs in worker threads)."""
        knowledge = await asyncio.to_thread(read_knowledge, self.settings, paths)
        inline = self.inline_embed if self.background else None
        encoding = (self.vectors, self.store, inline)
        return knowledge, await index_base(self.settings, knowledge, revisions, encoding)

    async def stats_everywhere(
        self, period: dt.timedelta = dt.timedelta(days=7), *, top: int = 5
    ) -> Stats:
        """The operator's stats: every scope's counts summed, tops merged (read from the store:
        no community's knowledge needs building for it)."""
        until = self.store.clock()
        span = (until - period, until + dt.timedelta(seconds=1))
        parts = [
            await self.store.scoped(scope).stats(*span, top=top)
            for scope in await self.store.scopes() or [OPERATOR_SCOPE]
        ]
        return sum_stats(parts, top)

    async def close(self) -> None:
        """Stop the background vector work, then close the store."""
        if self.embedder is not None:
            await self.embedder.stop()
        await self.store.close()
