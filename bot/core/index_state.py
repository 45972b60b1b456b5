"""The base's phrasing index kept between starts, so a restart does not rebuild it.

Building the index of 10,000 entries (40,000 phrasings cut into tokens, postings, entry counts,
weights, typo keys) is about a second of Python on this machine, and at start the base is
rebuilt from the same entries as the start before. Its state is plain values (``PhrasingIndex.
state``: dicts, lists, tuples of text, numbers), kept with ``marshal`` (no code runs when
it is read, unlike pickle) by ``bot.base.keptfiles`` under the sha256 of everything the index
is computed from: the entries (ids, phrasings and tags, in order), the synonyms, and the code
that turns text into tokens (the source of the modules below and the versions of the stemmer,
Unicode and Python). Any change there is another name: a kept index is never stale.

Only large bases are kept (``KEEP_FROM`` phrasings): a small one builds in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

from bot.base.keptfiles import KeptFiles
from bot.core import index as index_module
from bot.core import text, typos
from bot.core.index import PhrasingIndex
from bot.core.knowledge import Entry

log = logging.getLogger(__name__)

FORMAT = "faqbot-phrasing-index-2"  # 2: a phrasing's tokens are a tuple
KEEP_FROM = 5_000  # phrasings: below this a build costs less than reading a kept one
PARTS = 10  # values of PhrasingIndex.state()


def index_files(folder: Path) -> KeptFiles:
    """Where kept indexes live (``folder``: the data folder's cache)."""
    return KeptFiles(folder, ".marshal", marshal.dumps, marshal.loads)


@cache
def _code() -> str:
    """What, besides the entries, decides the tokens: our source and the libraries' versions."""
    digest = hashlib.sha256(FORMAT.encode())
    for module in (index_module, text, typos):
        digest.update(Path(module.__file__ or "").read_bytes())
    try:
        stemmer = metadata.version("snowballstemmer")
    except metadata.PackageNotFoundError:
        stemmer = "?"
    digest.update(f"{stemmer}\0{unicodedata.unidata_version}\0{sys.version}".encode())
    return digest.hexdigest()


def index_name(entries: Sequence[Entry], synonyms: Mapping[str, tuple[str, ...]]) -> str:
    """The name an index of these entries and synonyms is kept under."""
    inputs = [
        [[key, list(value)] for key, value in synonyms.items()],
        [[entry.id, list(entry.phrasings), list(entry.tags)] for entry in entries],
    ]
    digest = hashlib.sha256(_code().encode())
    digest.update(json.dumps(inputs, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def built_index(
    entries: Sequence[Entry],
    synonyms: Mapping[str, tuple[str, ...]] | None,
    kept: KeptFiles | None = None,
    keep_from: int | None = None,
) -> PhrasingIndex:
    """The phrasing index of ``entries``: read back when ``kept`` has it, else built (and kept
    when it has at least ``keep_from`` phrasings, None: ``KEEP_FROM`` as it is now)."""
    synonyms = synonyms or {}
    keep_from = KEEP_FROM if keep_from is None else keep_from
    if kept is None or sum(len(entry.phrasings) for entry in entries) < keep_from:
        return PhrasingIndex(entries, synonyms)
    name = index_name(entries, synonyms)
    found = kept.get(name)
    if found is not None:
        state = found[0]
        if _fits(state, entries):
            return PhrasingIndex.restored(entries, synonyms, state)
        log.warning("kept phrasing index %s does not fit its entries; building it again", name)
    index = PhrasingIndex(entries, synonyms)
    kept.put(name, index.state())
    return index


def _fits(state: object, entries: Sequence[Entry]) -> bool:
    """Whether a kept state has the shape of an index of these entries (a damaged file that
    still decodes must not become the index)."""
    if not isinstance(state, tuple) or len(state) != PARTS:
        return False
    phrasings, texts, tokens, owners, norms = state[:5]
    if not all(isinstance(part, list) for part in (texts, tokens, owners, norms)):
        return False
    if not len(texts) == len(tokens) == len(owners) == len(norms):
        return False
    return isinstance(phrasings, dict) and phrasings.keys() == {entry.id for entry in entries}
