"""Knowledge entries and their YAML files: loading, validation and export.

A knowledge folder holds one YAML file per topic (``topic`` and ``entries``) and optionally
``synonyms.yaml``. Every problem found is reported with its file, entry id and field; a single
broken file stops the whole load so the bot never runs on half its knowledge.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.base.errors import KnowledgeError, Problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 64
MAX_QUESTION = 256  # Discord embed title limit
MAX_ANSWER = 4096  # Discord embed description limit
MAX_PHRASING = 300
MAX_LINK_TITLE = 100
SYNONYMS_FILE = "synonyms.yaml"
ENTRY_KEYS = frozenset({"id", "question", "alternates", "answer", "tags", "links", "updated"})
REQUIRED_KEYS = ("id", "question", "alternates", "answer", "tags")
FILE_KEYS = frozenset({"topic", "entries"})


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


def phrasing_key(text: str) -> str:
    """A phrasing reduced to what makes two phrasings 'the same' for duplicate checks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


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
            problem(f"{name}.url", f"{url!r} is not an http(s) URL with a host")
            continue
        if title is not None:
            links.append(Link(title, url.strip()))
    return tuple(links)


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


def entry_from_data(
    data: Any, source: str, problems: list[Problem], *, position: int = 0
) -> Entry | None:
    """Validate one entry's raw data, appending every problem; the entry if it is sound."""
    entry_id = data.get("id") if isinstance(data, dict) else None
    label = entry_id if isinstance(entry_id, str) else f"#{position}"
    before = len(problems)

    def problem(fieldname: str | None, message: str) -> None:
        problems.append(Problem(source, label, fieldname, message))

    if not isinstance(data, dict):
        problem(None, f"must be a mapping, not {type(data).__name__}")
        return None
    for key in sorted(set(data) - ENTRY_KEYS, key=str):
        problem(str(key), "is not a known key (known: " + ", ".join(sorted(ENTRY_KEYS)) + ")")
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
    updated = data.get("updated")
    if updated is not None and not isinstance(updated, dt.date):
        try:
            updated = dt.date.fromisoformat(str(updated))
        except ValueError:
            problem("updated", f"{updated!r} is not a date like 2026-01-31")
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
    )


# libyaml's safe loader when PyYAML was built with it (the wheels are): parsing the shipped
# knowledge drops from ~0.2 s to ~16 ms. It builds the same plain types as yaml.safe_load.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(str(path), None, None, f"is not valid YAML{where}: {reason}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"cannot be read: {exc}"))
    return None


def load_entries_file(path: Path, problems: list[Problem]) -> list[Entry]:
    """Load and validate one topic file, appending every problem found."""
    data = _read_yaml(path, problems)
    source = str(path)
    if data is None:
        if not problems or problems[-1].file != source:
            problems.append(Problem(source, None, None, "is empty; expected 'entries:'"))
        return []
    if not isinstance(data, dict):
        problems.append(Problem(source, None, None, "must be a mapping with 'entries:'"))
        return []
    for key in sorted(set(data) - FILE_KEYS, key=str):
        problems.append(Problem(source, None, str(key), "is not a known top-level key"))
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        problems.append(Problem(source, None, "entries", "must be a list of entries"))
        return []
    entries = []
    for n, raw in enumerate(raw_entries, 1):
        entry = entry_from_data(raw, source, problems, position=n)
        if entry is not None:
            entries.append(entry)
    return entries


def load_synonyms(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Load ``synonyms.yaml``: canonical form -> variants; a variant belongs to one group."""
    data = _read_yaml(path, problems)
    source = str(path)
    groups = data.get("synonyms") if isinstance(data, dict) else None
    if not isinstance(groups, dict):
        problems.append(Problem(source, None, "synonyms", "must be a mapping of lists"))
        return {}
    seen: dict[str, str] = {}
    result: dict[str, tuple[str, ...]] = {}
    for canonical, variants in groups.items():
        if not isinstance(canonical, str) or not isinstance(variants, list):
            problems.append(
                Problem(source, str(canonical), None, "must map a string to a list of strings")
            )
            continue
        clean = []
        for variant in variants:
            if not isinstance(variant, str) or not variant.strip():
                problems.append(Problem(source, canonical, None, f"bad variant {variant!r}"))
                continue
            key = phrasing_key(variant)
            if key in seen or key in groups:
                other = seen.get(key, key)
                problems.append(
                    Problem(source, canonical, None, f"{variant!r} already belongs to {other!r}")
                )
                continue
            seen[key] = canonical
            clean.append(variant.strip())
        result[canonical.strip()] = tuple(clean)
    return result


def knowledge_files(paths: Iterable[Path]) -> list[Path]:
    """Every YAML file under the given files and folders, sorted within a folder."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def check_collisions(entries: Sequence[Entry], problems: list[Problem]) -> None:
    """Report duplicate ids and phrasings shared by two entries."""
    first_by_id: dict[str, Entry] = {}
    owner: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in first_by_id:
            other = first_by_id[entry.id].source
            problems.append(Problem(str(entry.source), entry.id, "id", f"duplicate (also {other})"))
            continue
        first_by_id[entry.id] = entry
        for text in dict.fromkeys(phrasing_key(p) for p in entry.phrasings):
            holder = owner.setdefault(text, entry)
            if holder is not entry:
                problems.append(
                    Problem(
                        str(entry.source),
                        entry.id,
                        "alternates",
                        f"phrasing {text!r} is also a phrasing of {holder.id!r}",
                    )
                )


def load_knowledge(paths: Iterable[Path]) -> Knowledge:
    """Load every topic file and the synonyms; raise KnowledgeError listing every problem."""
    problems: list[Problem] = []
    entries: list[Entry] = []
    synonyms: dict[str, tuple[str, ...]] = {}
    files = knowledge_files(paths)
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), None, None, "does not exist"))
        elif path.name == SYNONYMS_FILE:
            synonyms.update(load_synonyms(path, problems))
        else:
            entries.extend(load_entries_file(path, problems))
    if not files:
        problems.append(Problem(", ".join(map(str, paths)), None, None, "holds no YAML files"))
    check_collisions(entries, problems)
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(tuple(entries), synonyms)


def load_jsonl(path: Path) -> Knowledge:
    """Load an interchange ``kb.jsonl`` (id, question, alternates, answer) without validation."""
    entries = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                entries.append(
                    Entry(
                        id=row["id"],
                        question=row["question"],
                        answer=row.get("answer") or "",
                        alternates=tuple(row.get("alternates") or ()),
                        source=str(path),
                    )
                )
    return Knowledge(tuple(entries), {})


def dump_entries(entries: Iterable[Entry], topic: str | None = None) -> str:
    """Entries as a YAML topic file that ``load_knowledge`` reads back unchanged."""
    document: dict[str, Any] = {}
    if topic:
        document["topic"] = topic
    document["entries"] = [entry.to_dict() for entry in entries]
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks so answers stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
