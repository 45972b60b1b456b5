"""Background vector work: embed what is missing, then switch to hybrid in one step.

A large knowledge base without stored vectors takes minutes to embed (about 126 phrasings a
second, one at a time, with the int8 model). ``faqbot run``, the console and ``/faq reload`` do not
wait for it: the base is built lexical (``defer_semantic``) and answers at once, while this task
embeds the missing phrasings in a worker thread, a batch at a time, each batch saved to the
vectors table before the next starts (a kill loses only the batch in flight). Once every phrasing
has a vector the semantic scorer is built in a worker thread and attached on the event loop in
one step: the base and every community's own entries together.

The same task then builds the approximate index of a very large base (``bot.core.ann``) and
swaps it in; until then the search is exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.kept_vectors import worth_rewriting, write_kept
from bot.core.vectors import VectorCache, VectorStore, load_stored, save_pending, text_key

if TYPE_CHECKING:
    from bot.core.knowledge import Entry
    from bot.core.layers import BaseLayer
    from bot.core.semantic import SemanticScorer

log = logging.getLogger(__name__)

BATCH = 32  # phrasings embedded (and saved) at a time: about 0.25 s of work
INLINE_EMBED = 64  # fewer missing than this: embed them before answering (a small reload)

LEXICAL, WAITING, HYBRID = "lexical", "lexical-until-ready", "hybrid"


@dataclass(frozen=True)
class Progress:
    """How far the vectors are: phrasings with a vector of all live ones, and the mode."""

    embedded: int
    total: int
    mode: str

    def line(self) -> str:
        """One readable line (doctor, console, logs)."""
        if self.mode == LEXICAL:
            return "lexical-only (no model configured)"
        done = f"{self.embedded:,} of {self.total:,} phrasings embedded"
        return f"{self.mode}: {done}"


class Embedder:
    """Completes the vectors of a library's knowledge in the background (one task at a time)."""

    def __init__(self, cache: VectorCache, store: VectorStore) -> None:
        self.cache = cache
        self.store = store
        self.embedded = 0
        self.total = 0
        self.task: asyncio.Task[None] | None = None

    def progress(self, base: BaseLayer) -> Progress:
        """Where the work stands for this base."""
        scorer = base.matcher.semantic
        if scorer is not None:
            return Progress(scorer.live, scorer.live, HYBRID)
        return Progress(self.embedded, self.total, WAITING)

    async def start(
        self, base: BaseLayer, current: Callable[[], BaseLayer], texts: Sequence[str]
    ) -> None:
        """Cancel the work under way and start over for ``base`` (``current`` says which base
        is live when the work ends: a reload may have replaced it)."""
        await self.stop()
        self.total = len(set(texts))
        self.task = asyncio.create_task(self._run(base, current, texts), name="faqbot-vectors")

    async def stop(self) -> None:
        """Cancel the work (the batch in flight finishes in its thread, unsaved)."""
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait(self) -> None:
        """Until the work under way is done (tests and tools)."""
        if self.task is not None:
            await asyncio.shield(self.task)

    async def _run(
        self, base: BaseLayer, current: Callable[[], BaseLayer], texts: Sequence[str]
    ) -> None:
        try:
            await self._complete(base, current, texts)
        except asyncio.CancelledError:
            raise
        except Exception:  # an encoder failure must not end the bot: it stays lexical
            log.exception("background embedding failed; matching stays lexical")

    async def _complete(
        self, base: BaseLayer, current: Callable[[], BaseLayer], texts: Sequence[str]
    ) -> None:
        cache = self.cache
        missing = await asyncio.to_thread(cache.missing, texts)
        self.embedded = self.total - len(missing)
        if missing:
            log.info("embedding %d phrasings in the background; answering lexically", len(missing))
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            await asyncio.to_thread(cache.embed_missing, batch)
            await save_pending(cache, self.store)
            self.embedded += len(batch)
        if not base.matcher.hybrid:
            from bot.core.semantic import SemanticScorer

            scorer = await asyncio.to_thread(
                SemanticScorer, cache, base.matcher.semantic_snapshot()
            )
            await save_pending(cache, self.store)  # anything an edit added meanwhile
            if current() is not base:
                return  # a reload replaced this base; it started its own work
            base.matcher.attach_semantic(scorer)  # one step on the event loop: now hybrid
            log.info("all %d phrasings have vectors: matching is hybrid", self.total)
        scorer = base.matcher.semantic
        if scorer is not None and await asyncio.to_thread(scorer.wants_ann):
            log.info("building the approximate index of %d phrasings", scorer.live)
            built = await asyncio.to_thread(scorer.prepare_ann)
            if current() is base:
                scorer.attach_ann(built)


async def vector_base(
    entries: Sequence[Entry],
    vectors: VectorCache,
    store: VectorStore,
    inline: int | None,
    build: Callable[[bool], BaseLayer],
    keep: Path | None = None,
) -> BaseLayer:
    """The base of these live entries (in knowledge order), built by ``build(defer)``: hybrid at
    once when at most ``inline`` phrasings lack a stored vector (None: embed them all first),
    else lexical until the embedder is done. ``keep``: the folder where a large base's vectors
    are kept for the next start (``bot.core.kept_vectors``)."""
    from bot.core.semantic import SemanticScorer

    texts = [text for entry in entries for text in entry.phrasings]

    async def semantic() -> SemanticScorer | None:
        await load_stored(vectors, store, texts)  # only what the kept file did not have
        missing = await asyncio.to_thread(vectors.missing, texts)
        if inline is not None and len(missing) > inline:
            return None  # the embedder completes them; answer lexically meanwhile
        # Embedding what is not stored yet, and placing every vector: off the event loop.
        scorer = await asyncio.to_thread(SemanticScorer, vectors, entries)
        keys = list(dict.fromkeys(map(text_key, texts)))
        if keep is not None and worth_rewriting(keys, vectors.kept):
            await asyncio.to_thread(write_kept, keep, vectors, keys)
            vectors.kept = keys
        return scorer

    # The lexical index (Python, a worker thread) and the vectors (SQLite's thread, numpy) need
    # nothing of each other: side by side they use both cores.
    base, scorer = await asyncio.gather(asyncio.to_thread(build, True), semantic())
    if scorer is not None:
        base.matcher.attach_semantic(scorer)  # nothing was edited meanwhile: no replay
    await save_pending(vectors, store)
    return base
