"""Merging moderators' changes into a folder of YAML topic files, one entry at a time.

Only the lines of the entries that changed are rewritten: an edit replaces its entry's lines, a
removal deletes them, an addition is appended to its topic file. Comments, blank lines and the
style of every other entry stay as they were, so ``git diff`` shows exactly the changes. An
addition goes to the file named by ``topic``, or else to the file that holds most entries whose
first tag is the new entry's first tag (a new ``<tag>.yaml`` when none does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.base.errors import UserError
from bot.base.safeyaml import SAFE_LOADER
from bot.core.entries import SYNONYMS_FILE, Entry
from bot.core.export import EntryChange, dump_yaml, entry_yaml
from bot.core.files import knowledge_files
from bot.core.knowledge import load_knowledge


def render_entry(entry: Entry, column: int) -> list[str]:
    """The lines of one entry as a list item whose dash is at ``column``."""
    pad = " " * column
    lines = dump_yaml([entry_yaml(entry)]).splitlines()
    return [(pad + line if line else line) + "\n" for line in lines]


@dataclass
class TopicFile:
    """One topic file's lines and where each entry's lines are."""

    path: Path
    lines: list[str]
    spans: dict[str, tuple[int, int]]
    column: int = 2
    separated: bool = True
    first_tags: Counter[str] = field(default_factory=Counter)
    replace: dict[str, list[str]] = field(default_factory=dict)
    append: list[list[str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> TopicFile:
        """Parse ``path`` (already validated) and find each entry's lines."""
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        root = yaml.compose(text, Loader=SAFE_LOADER)
        items = next(value for key, value in root.value if key.value == "entries")
        spans, tags = {}, Counter()
        for item in items.value:
            fields = {key.value: value for key, value in item.value}
            end = item.end_mark.line
            if end < len(lines) and lines[end][: item.end_mark.column].strip():
                end += 1  # the last entry of a file without a final newline
            while end > item.start_mark.line + 1 and _is_filler(lines[end - 1]):
                end -= 1
            spans[fields["id"].value] = (item.start_mark.line, end)
            if fields.get("tags") is not None and fields["tags"].value:
                tags[fields["tags"].value[0].value.casefold()] += 1
        topic = cls(path, lines, spans, first_tags=tags)
        if items.value:
            first = lines[items.value[0].start_mark.line]
            topic.column = len(first) - len(first.lstrip())
            topic.separated = len(spans) < 2 or _is_filler(lines[min(s[1] for s in spans.values())])
        return topic

    def render(self) -> str:
        """The file's text with this merge's replacements, removals and additions."""
        lines = list(self.lines)
        if self.append:
            at = max((end for _, end in self.spans.values()), default=len(lines))
            added = [
                line for block in self.append for line in (["\n"] if self.separated else []) + block
            ]
            lines[at:at] = added
        for entry_id, (start, end) in sorted(self.spans.items(), key=lambda s: -s[1][0]):
            if entry_id not in self.replace:
                continue
            new = self.replace[entry_id]
            if not new:  # removed: also drop the blank lines that separated it
                while end < len(lines) and not lines[end].strip():
                    end += 1
            lines[start:end] = new
        text = "".join(lines)
        if not any(self.replace.get(i, True) for i in self.spans) and not self.append:
            # Every entry removed: keep the file valid (and its topic).
            topic = yaml.load(text, Loader=SAFE_LOADER) or {}
            return dump_yaml({"topic": topic.get("topic", self.path.stem), "entries": []})
        return text


def _is_filler(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


@dataclass(frozen=True)
class Merged:
    """The files a merge changed: (path, text before, text after), and what it did, a line each."""

    files: list[tuple[Path, str, str]]
    notes: list[str]


def merge_changes(folder: Path, changes: Sequence[EntryChange], topic: str | None) -> Merged:
    """Apply ``changes`` to the topic files in ``folder`` (nothing is written; see ``write``)."""
    load_knowledge([folder])  # KnowledgeError: a broken folder is fixed first, not merged into
    files = {
        path.name: TopicFile.read(path)
        for path in knowledge_files([folder], [])  # the folder just loaded: no problems
        if path.name != SYNONYMS_FILE
    }
    where = {entry_id: name for name, f in files.items() for entry_id in f.spans}
    new_files: dict[str, list[Entry]] = {}
    notes: list[str] = []
    for change in changes:
        name = where.get(change.entry_id)
        if change.action == "remove":
            if name is None:
                notes.append(f"{change.entry_id}: already absent, nothing to remove")
                continue
            files[name].replace[change.entry_id] = []
            notes.append(f"removed {change.entry_id} from {name}")
            continue
        assert change.entry is not None
        if name is not None:
            topic_file = files[name]
            topic_file.replace[change.entry_id] = render_entry(change.entry, topic_file.column)
            notes.append(f"{change.action}: updated {change.entry_id} in {name}")
            continue
        name, why = _home(change, files, topic)
        if name in files:
            files[name].append.append(render_entry(change.entry, files[name].column))
        else:
            new_files.setdefault(name, []).append(change.entry)
        notes.append(f"added {change.entry_id} to {name} ({why})")
    result = [
        (f.path, "".join(f.lines), f.render()) for f in files.values() if f.replace or f.append
    ]
    for name, entries in new_files.items():
        text = dump_yaml(
            {"topic": Path(name).stem, "entries": [entry_yaml(entry) for entry in entries]}
        )
        result.append((folder / name, "", text))
    return Merged(result, notes)


def _home(change: EntryChange, files: dict[str, TopicFile], topic: str | None) -> tuple[str, str]:
    """The topic file for an entry new to the folder, and why that one."""
    if topic:
        name = topic if topic.endswith((".yaml", ".yml")) else f"{topic}.yaml"
        if Path(name).name != name or name == SYNONYMS_FILE:
            raise UserError(f"--topic must name a topic file in the folder, not {topic!r}")
        return name, "--topic"
    if change.file in files:
        return change.file, "the file it came from"
    assert change.entry is not None
    if not change.entry.tags:
        raise UserError(f"entry {change.entry_id!r} has no tags: pass --topic FILE for it")
    tag = change.entry.tags[0]
    counts = [(f.first_tags[tag], name) for name, f in sorted(files.items())]
    best = max(counts, key=lambda c: c[0], default=(0, ""))
    if best[0]:
        return best[1], f"most entries with the first tag {tag!r} are there"
    return f"{tag}.yaml", f"a new file for its first tag {tag!r}"


def write(folder: Path, merged: Merged) -> None:
    """Write the merged files; if the folder then fails to load, put every file back."""
    for path, _, after in merged.files:
        path.write_text(after, encoding="utf-8")
    try:
        load_knowledge([folder])
    except Exception:
        for path, before, _ in merged.files:
            if before:
                path.write_text(before, encoding="utf-8")
            else:
                path.unlink(missing_ok=True)
        raise
