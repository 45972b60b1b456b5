"""What a library is read from at start and on reload: the YAML, the model, the store.

A restart recomputes little: what did not change since the start before is read back from the
data folder's ``cache/`` (the validated knowledge, ``bot.core.knowledge_state``; each file's
parsed YAML, ``bot.base.yamlcache``; the phrasing index, ``bot.core.index_state``; the vectors,
``bot.core.kept_vectors``). What is left runs side by side, so a start takes about the time of
its slowest part: the YAML (Python, it holds the GIL), the ONNX model (onnxruntime imports, then
builds its session in C++), an existing database's opening and the kept vectors (both mostly
without the GIL); then the lexical index and the semantic scorer, in two threads
(``python -m benchmarks.cold_start``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from bot.base.config import Settings
from bot.base.datafolder import data_folder
from bot.base.keptfiles import KeptFiles
from bot.base.yamlcache import ParseCache
from bot.core import knowledge_state
from bot.core.assembly import build_base
from bot.core.embedding import vector_base
from bot.core.index_state import index_files
from bot.core.kept_vectors import Prefetched, adopt, read_kept
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.knowledge_state import dump, kept_knowledge, knowledge_files_kept, knowledge_name
from bot.core.layers import BaseLayer
from bot.core.models import load_encoder, model_file
from bot.core.overlay import apply_overlay
from bot.core.vectors import VectorCache, VectorStore
from bot.semantic.encoder import file_hash
from bot.storage import Revision, Store

CACHE = "cache"  # under the data folder, beside the database


def parse_cache(settings: Settings) -> ParseCache:
    """Where parsed knowledge files are kept between starts (``bot.base.yamlcache``)."""
    return ParseCache(data_folder(settings.storage) / CACHE / "parsed-yaml")


def kept_indexes(settings: Settings) -> KeptFiles:
    """Where the base's phrasing index is kept between starts (``bot.core.index_state``)."""
    return index_files(data_folder(settings.storage) / CACHE / "phrasing-index")


def read_knowledge(settings: Settings, paths: Iterable[Path] | None = None) -> Knowledge:
    """The configured (or given) knowledge files, loaded and validated (KnowledgeError); what
    no file's change can have changed is read back from the start before (blocking: run it in
    a thread)."""
    paths = tuple(paths or settings.knowledge.paths)
    limit = settings.knowledge.max_file_bytes
    kept = knowledge_files_kept(data_folder(settings.storage) / CACHE / "knowledge")
    name = knowledge_name(paths, limit)
    loaded = kept_knowledge(kept, name) if name is not None else None
    if loaded is None:
        parsed = parse_cache(settings)
        loaded = load_knowledge(paths, max_file_bytes=limit, cache=parsed)
        parsed.prune()
        if name is not None and len(loaded.entries) >= knowledge_state.KEEP_FROM:
            kept.put(name, dump(loaded))
    kept.prune()
    return loaded


async def read_inputs(
    settings: Settings, knowledge: Knowledge | None = None, store: Store | None = None
) -> tuple[Knowledge, VectorCache | None, Store]:
    """The knowledge (unless given), an empty vector cache on the encoder when a model is
    configured, and the store (unless given), loaded side by side.

    KnowledgeError comes first, then ModelError, then a store error: an operator fixes the
    YAML first, and a model that cannot be loaded stops the start (never lexical). A database
    that does not exist yet is only created once both loaded: a failed start leaves no file.
    """
    storage = settings.storage
    encoding = prefetch = opening = None
    if settings.matcher.semantic.model:
        encoding = asyncio.ensure_future(asyncio.to_thread(load_encoder, settings))
        prefetch = asyncio.ensure_future(asyncio.to_thread(_read_kept_vectors, settings))
    if store is None and (storage.url or await asyncio.to_thread(storage.database.exists)):
        opening = asyncio.ensure_future(Store.open(storage.database, storage))
    try:
        if knowledge is None:
            knowledge = await asyncio.to_thread(read_knowledge, settings)
        vectors = VectorCache(await encoding) if encoding is not None else None
    except BaseException:
        for work in (encoding, prefetch):  # outcomes no longer wanted, but not left unretrieved
            if work is not None:
                work.cancel()  # the thread finishes on its own; nothing waits for it
                with contextlib.suppress(BaseException):
                    await work
        if opening is not None:
            with contextlib.suppress(BaseException):
                await (await opening).close()
        raise
    if vectors is not None and prefetch is not None:
        adopt(vectors, await prefetch)
    if opening is not None:
        store = await opening
    return (
        knowledge,
        vectors,
        store or await Store.open(settings.storage.database, settings.storage),
    )


def _read_kept_vectors(settings: Settings) -> Prefetched | None:
    """The kept vectors of the configured model (read while the model loads), or None."""
    path = model_file(settings)
    if path is None:
        return None  # load_encoder says what is wrong
    try:
        model_hash = file_hash(path)
    except OSError:
        return None
    return read_kept(data_folder(settings.storage) / CACHE / "vectors", model_hash)


async def index_base(
    settings: Settings,
    knowledge: Knowledge,
    revisions: Sequence[Revision],
    encoding: tuple[VectorCache | None, VectorStore, int | None],
) -> BaseLayer:
    """The base layer of the knowledge and the operator's overlay, indexed in worker threads.

    ``encoding`` is (the vector cache or None for lexical-only, where vectors are stored, how
    many missing vectors are embedded before answering: None for all). A large base's phrasing
    index is read back from the start before when nothing it depends on changed.
    """
    vectors, store, inline = encoding
    kept = kept_indexes(settings)
    build = partial(build_base, knowledge, revisions, settings, vectors, kept=kept)
    if vectors is None:
        base = await asyncio.to_thread(build, False)
    else:
        slots = apply_overlay(knowledge.entries, revisions).values()
        live = [slot.entry for slot in slots if not slot.removed]
        keep = data_folder(settings.storage) / CACHE / "vectors"
        base = await vector_base(live, vectors, store, inline, build, keep)
    kept.prune()
    return base
