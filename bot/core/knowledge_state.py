"""The validated knowledge kept between starts, so a restart does not validate it again.

With each file's parsed YAML kept (``bot.base.yamlcache``), what is left of loading 10,000
entries is validating them: every field of every entry, then phrasing and signature collisions
across files, about 0.4 s of Python. When no file changed since the start before, neither can
that result: the whole knowledge (entries and synonyms) is kept with ``marshal`` (no code runs
when it is read) by ``bot.base.keptfiles``, under the sha256 of every file's path and exact text,
the size limit, and the source of the code that reads and validates them. Only a knowledge base
that loaded without a problem is kept; any change is another name, and a file that cannot be
read skips the kept copy, so the loader reports it as always.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import marshal
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.base import safeyaml
from bot.base.errors import Problem
from bot.base.keptfiles import KeptFiles
from bot.core import entries, files, knowledge, signatures
from bot.core.files import Refused, knowledge_files, read_capped
from bot.core.knowledge import Entry, Knowledge, Link

log = logging.getLogger(__name__)

FORMAT = "faqbot-knowledge-1"
KEEP_FROM = 1_000  # entries: a smaller knowledge base validates in milliseconds, keep none


def knowledge_files_kept(folder: Path) -> KeptFiles:
    """Where kept knowledge lives (``folder``: in the data folder's cache)."""
    return KeptFiles(folder, ".marshal", marshal.dumps, marshal.loads)


@cache
def _code() -> str:
    """What, besides the files, decides the result: our reading and validating code."""
    digest = hashlib.sha256(FORMAT.encode())
    for module in (entries, files, knowledge, signatures, safeyaml):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(f"{yaml.__version__}\0{sys.version}".encode())
    return digest.hexdigest()


def knowledge_name(paths: Iterable[Path], max_file_bytes: int) -> str | None:
    """The name the knowledge of these files is kept under; None when a file cannot be read
    as it is (the loader then reports it)."""
    problems: list[Problem] = []
    found = knowledge_files(list(paths), problems)
    if problems or not found:
        return None
    digest = hashlib.sha256(f"{_code()}\0{max_file_bytes}".encode())
    for path in found:
        try:
            text = read_capped(path, max_file_bytes)
        except (Refused, OSError, UnicodeDecodeError):
            return None
        digest.update(f"\0{path}\0{len(text)}\0".encode())
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def dump(loaded: Knowledge) -> tuple[Any, ...]:
    """The knowledge as plain values (marshal keeps no dates or dataclasses)."""
    rows = tuple(
        (
            e.id,
            e.question,
            e.answer,
            e.alternates,
            e.tags,
            tuple((link.title, link.url) for link in e.links),
            e.updated.isoformat() if e.updated is not None else None,
            e.source,
            e.signatures,
        )
        for e in loaded.entries
    )
    return (rows, dict(loaded.synonyms))


def restore(state: Any) -> Knowledge:
    """The knowledge ``dump`` gave (ValueError or TypeError on a state of another shape)."""
    rows, synonyms = state
    restored = tuple(
        Entry(
            id=entry_id,
            question=question,
            answer=answer,
            alternates=alternates,
            tags=tags,
            links=tuple(Link(title, url) for title, url in links),
            updated=dt.date.fromisoformat(updated) if updated is not None else None,
            source=source,
            signatures=signed,
        )
        for entry_id, question, answer, alternates, tags, links, updated, source, signed in rows
    )
    if not isinstance(synonyms, dict):
        raise TypeError("synonyms are not a mapping")
    return Knowledge(restored, synonyms)


def kept_knowledge(kept: KeptFiles, name: str) -> Knowledge | None:
    """The knowledge kept under ``name``, or None (missing, or damaged: logged)."""
    found = kept.get(name)
    if found is None:
        return None
    try:
        return restore(found[0])
    except (TypeError, ValueError) as exc:
        log.warning("kept knowledge %s cannot be used (%s); loading the files", name, exc)
        return None
