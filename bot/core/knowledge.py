"""Knowledge files: loading a folder of YAML topic files, synonyms, JSONL sets, and export.

A knowledge folder holds one YAML file per topic (``topic`` and ``entries``) and optionally
``synonyms.yaml``. Every problem found is reported with its file, entry id and field; a single
broken file stops the whole load so the bot never runs on half its knowledge. The entry model
and its field checks are in ``bot.core.entries``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.base.config import DEFAULT_MAX_FILE_BYTES
from bot.base.errors import KnowledgeError, Problem
from bot.base.yamlcache import ParseCache
from bot.core.entries import (
    FILE_KEYS,
    MAX_ANSWER,
    MAX_ID,
    MAX_PHRASING,
    MAX_QUESTION,
    SYNONYMS_FILE,
    Entry,
    Knowledge,
    Link,
    clip,
    describe,
    entry_from_data,
    phrasing_key,
)
from bot.core.files import knowledge_files, read_yaml
from bot.core.signatures import signature_key

__all__ = (
    "MAX_ANSWER",
    "MAX_ID",
    "MAX_PHRASING",
    "MAX_QUESTION",
    "Entry",
    "Knowledge",
    "Link",
    "dump_entries",
    "entry_from_data",
    "load_jsonl",
    "load_knowledge",
    "phrasing_key",
)


def load_entries_file(
    path: Path,
    problems: list[Problem],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: ParseCache | None = None,
) -> list[Entry]:
    """Load and validate one topic file, appending every problem found."""
    data = read_yaml(path, problems, max_bytes, cache)
    source = str(path)
    if data is None:
        if not problems or problems[-1].file != source:
            problems.append(Problem(source, None, None, "is empty; expected 'entries:'"))
        return []
    if not isinstance(data, dict):
        problems.append(Problem(source, None, None, "must be a mapping with 'entries:'"))
        return []
    for key in sorted(set(data) - FILE_KEYS, key=str):
        problems.append(Problem(source, None, clip(key), "is not a known top-level key"))
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


def load_synonyms(
    path: Path,
    problems: list[Problem],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: ParseCache | None = None,
) -> dict[str, tuple[str, ...]]:
    """Load ``synonyms.yaml``: canonical form -> variants; a variant belongs to one group."""
    reported = len(problems)
    data = read_yaml(path, problems, max_bytes, cache)
    source = str(path)
    groups = data.get("synonyms") if isinstance(data, dict) else None
    if len(problems) > reported:  # unreadable: that is the problem, not its missing mapping
        return {}
    if not isinstance(groups, dict):
        problems.append(Problem(source, None, "synonyms", "must be a mapping of lists"))
        return {}
    seen: dict[str, str] = {}
    result: dict[str, tuple[str, ...]] = {}
    for canonical, variants in groups.items():
        if not isinstance(canonical, str) or not isinstance(variants, list):
            problems.append(
                Problem(source, clip(canonical), None, "must map a string to a list of strings")
            )
            continue
        clean = []
        for variant in variants:
            if not isinstance(variant, str) or not variant.strip():
                problems.append(
                    Problem(source, clip(canonical), None, f"bad variant {describe(variant)}")
                )
                continue
            key = phrasing_key(variant)
            if key in seen or key in groups:
                other = seen.get(key, key)
                problems.append(
                    Problem(
                        source,
                        clip(canonical),
                        None,
                        f"{describe(variant)} already belongs to {describe(other)}",
                    )
                )
                continue
            seen[key] = canonical
            clean.append(variant.strip())
        result[canonical.strip()] = tuple(clean)
    return result


def check_collisions(entries: Sequence[Entry], problems: list[Problem]) -> None:
    """Report duplicate ids, and phrasings or signatures shared by two entries."""
    first_by_id: dict[str, Entry] = {}
    owner: dict[str, Entry] = {}
    signed: dict[str, Entry] = {}
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
        for text in entry.signatures:
            holder = signed.setdefault(signature_key(text), entry)
            if holder is not entry:
                where = f" in {holder.source}" if holder.source != entry.source else ""
                message = f"signature {text!r} is also a signature of {holder.id!r}{where}"
                problems.append(Problem(str(entry.source), entry.id, "signatures", message))


def load_knowledge(
    paths: Iterable[Path],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: ParseCache | None = None,
) -> Knowledge:
    """Load every topic file and the synonyms; raise KnowledgeError listing every problem.

    It blocks for as long as the files take to read (up to ``max_file_bytes`` each): an async
    caller runs it in a thread, as ``KnowledgeService.reload`` does. ``cache`` keeps each
    file's parsed YAML between starts (``bot.base.yamlcache``); validation runs either way.
    """
    paths = list(paths)
    problems: list[Problem] = []
    entries: list[Entry] = []
    synonyms: dict[str, tuple[str, ...]] = {}
    files = knowledge_files(paths, problems)
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), None, None, "does not exist"))
        elif path.name == SYNONYMS_FILE:
            synonyms.update(load_synonyms(path, problems, max_file_bytes, cache))
        else:
            entries.extend(load_entries_file(path, problems, max_file_bytes, cache))
    if not files and not problems:
        problems.append(Problem(", ".join(map(str, paths)), None, None, "holds no YAML files"))
    check_collisions(entries, problems)
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(tuple(entries), synonyms)


def load_jsonl(path: Path) -> Knowledge:
    """Load an interchange ``kb.jsonl`` (id, question, alternates, answer); KnowledgeError naming
    the line of a row that cannot be read. The rows' texts are not validated further."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError([Problem(str(path), None, None, f"cannot be read: {exc}")]) from exc
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entries.append(
                Entry(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    answer=row.get("answer") or "",
                    alternates=tuple(row.get("alternates") or ()),
                    source=str(path),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problem = Problem(str(path), None, None, f"line {number}: not a kb row ({reason})")
            raise KnowledgeError([problem]) from exc
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
