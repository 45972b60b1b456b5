"""Knowledge entries: the data model and the validation of one entry's fields.

An entry is checked field by field with messages a curator understands (file, entry id, field);
``entry_from_data`` is the one way YAML, JSONL and moderators' edits become an ``Entry``.
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.base.errors import Problem
from bot.core.signatures import MAX_SIGNATURES, signature_key, signature_problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 64
MAX_QUESTION = 256  # Discord embed title limit
MAX_ANSWER = 4096  # Discord embed description limit
MAX_PHRASING = 300
MAX_LINK_TITLE = 100
SYNONYMS_FILE = "synonyms.yaml"
ENTRY_KEYS = frozenset(
    {"id", "question", "alternates", "signatures", "answer", "tags", "links", "updated"}
)
REQUIRED_KEYS = ("id", "question", "alternates", "answer", "tags")
FILE_KEYS = frozenset({"topic", "entries"})
MAX_LABEL = 80  # an id, key or value quoted in a message is cut to this

# Bad values are quoted through this: a value reached through YAML aliases can be huge once
# walked, and a message must cost what it shows, not what the value holds.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 3, 3
_SHORT.maxstring = _SHORT.maxother = MAX_LABEL


@dataclass(frozen=True)
class Link:
    """A titled link shown under an answer."""

    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One curated question and its answer."""

    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    updated: dt.date | None = None
    source: str | None = field(default=None, compare=False)
    signatures: tuple[str, ...] = ()  # error strings members paste (``bot.core.signatures``)

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question followed by every alternate phrasing."""
        return (self.question, *self.alternates)

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain data in the YAML schema (no ``source``)."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "alternates": list(self.alternates),
        }
        if self.signatures:  # only when there are some: entries without them read as before
            data["signatures"] = list(self.signatures)
        data |= {
            "answer": self.answer,
            "tags": list(self.tags),
        }
        if self.links:
            data["links"] = [{"title": link.title, "url": link.url} for link in self.links]
        if self.updated is not None:
            data["updated"] = self.updated
        return data


@dataclass(frozen=True)
class Knowledge:
    """Every entry (in file order) and the synonym groups."""

    entries: tuple[Entry, ...]
    synonyms: Mapping[str, tuple[str, ...]]


# ASCII letters and digits stay, every other ASCII character becomes a space: the ASCII case of
# the general rule below, without its per-character Python loop (start-up keys 40,000 phrasings).
_ASCII_KEY = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def phrasing_key(text: str) -> str:
    """A phrasing reduced to what makes two phrasings 'the same' for duplicate checks."""
    if text.isascii():  # NFKC leaves ASCII as it is, and casefold is lower there
        return " ".join(text.lower().translate(_ASCII_KEY).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


def describe(value: Any) -> str:
    """A bad value for a message: a short string as typed, else its type and a capped form."""
    if isinstance(value, str):
        return _SHORT.repr(value)
    return f"{type(value).__name__} {_SHORT.repr(value)}"


def clip(value: Any) -> str:
    """A key or id as text for a message's 'where' part, cut to MAX_LABEL characters."""
    text = value if isinstance(value, str) else _SHORT.repr(value)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _check_text(
    value: Any, name: str, limit: int, problem: Any, *, required: bool = True
) -> str | None:
    if not isinstance(value, str):
        problem(name, f"must be a string, not {type(value).__name__}")
        return None
    if required and not value.strip():
        problem(name, "must not be empty")
        return None
    if len(value) > limit:
        problem(name, f"is {len(value)} characters long; the limit is {limit}")
        return None
    return value.strip()


def _check_links(value: Any, problem: Any) -> tuple[Link, ...]:
    if not isinstance(value, list):
        problem("links", f"must be a list, not {type(value).__name__}")
        return ()
    links = []
    for n, item in enumerate(value, 1):
        name = f"links[{n}]"
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            problem(name, "must be a mapping with exactly the keys 'title' and 'url'")
            continue
        title = _check_text(item["title"], f"{name}.title", MAX_LINK_TITLE, problem)
        url = item["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            problem(f"{name}.url", f"{describe(url)} is not an http(s) URL with a host")
            continue
        if title is not None:
            links.append(Link(title, url.strip()))
    return tuple(links)


def _check_date(value: Any, problem: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str | int) and not isinstance(value, bool):  # 20260131 is ISO too
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            pass
    problem("updated", f"{describe(value)} is not a date like 2026-01-31")
    return None


def _check_list_of_text(value: Any, name: str, problem: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        problem(name, f"must be a list, not {type(value).__name__}")
        return ()
    out = []
    for n, item in enumerate(value, 1):
        text = _check_text(item, f"{name}[{n}]", MAX_PHRASING, problem)
        if text is not None:
            out.append(text)
    return tuple(out)


def _check_signatures(value: Any, problem: Any) -> tuple[str, ...]:
    texts = _check_list_of_text(value, "signatures", problem)
    if len(texts) > MAX_SIGNATURES:
        problem("signatures", f"has {len(texts)} signatures; the limit is {MAX_SIGNATURES}")
    seen: set[str] = set()
    for n, text in enumerate(texts, 1):
        why = signature_problem(text)
        if why is None and signature_key(text) in seen:
            why = "is a duplicate of an earlier signature of this entry"
        if why is not None:
            problem(f"signatures[{n}]", f"{describe(text)} {why}")
        seen.add(signature_key(text))
    return texts


def entry_from_data(
    data: Any, source: str, problems: list[Problem], *, position: int = 0
) -> Entry | None:
    """Validate one entry's raw data, appending every problem; the entry if it is sound."""
    entry_id = data.get("id") if isinstance(data, dict) else None
    label = clip(entry_id) if isinstance(entry_id, str) else f"#{position}"
    before = len(problems)

    def problem(fieldname: str | None, message: str) -> None:
        problems.append(Problem(source, label, fieldname, message))

    if not isinstance(data, dict):
        problem(None, f"must be a mapping, not {type(data).__name__}")
        return None
    for key in sorted(set(data) - ENTRY_KEYS, key=str):
        problem(clip(key), "is not a known key (known: " + ", ".join(sorted(ENTRY_KEYS)) + ")")
    for key in REQUIRED_KEYS:
        if key not in data:
            problem(key, "is missing")
    if isinstance(entry_id, str):
        if not ID_PATTERN.match(entry_id) or len(entry_id) > MAX_ID:
            problem("id", "must be a lowercase slug like 'point-domain-at-vps' (max 64)")
    elif "id" in data:
        problem("id", f"must be a string, not {type(entry_id).__name__}")
    question = _check_text(data.get("question", ""), "question", MAX_QUESTION, problem)
    answer = _check_text(data.get("answer", ""), "answer", MAX_ANSWER, problem)
    alternates = _check_list_of_text(data.get("alternates", []), "alternates", problem)
    tags = _check_list_of_text(data.get("tags", []), "tags", problem)
    links = _check_links(data.get("links", []), problem)
    signatures = _check_signatures(data.get("signatures", []), problem)
    updated = _check_date(data.get("updated"), problem)
    if len(problems) > before:
        return None
    return Entry(
        id=entry_id,
        question=question,
        answer=answer,
        alternates=alternates,
        tags=tuple(t.casefold() for t in tags),
        links=links,
        updated=updated,
        source=source,
        signatures=signatures,
    )
