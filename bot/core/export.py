"""Moderators' changes back to YAML: the overlay as a changes file, and its merge into a folder.

``overlay_changes`` compares the YAML entries with the effective ones: an entry moderators added,
edited (new phrasings included) or removed becomes one ``EntryChange``. ``dump_changes`` writes
them as a YAML document that ``load_changes`` reads back; ``bot.core.merge`` applies them to a
knowledge folder. Each edited or removed entry names its topic file (the file its YAML entry came
from, ``Entry.source``), so the merge changes the right file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.base.errors import Problem, UserError
from bot.base.safeyaml import load_bounded
from bot.core.knowledge import Entry, entry_from_data

ACTIONS = ("add", "edit", "remove")
WIDE = 10**6  # never fold a long line: answers are written as they were typed
HEADER = (
    "# Moderators' changes to the YAML knowledge (faqbot export --changes).\n"
    "# Apply them to the topic files: faqbot export --merge-into knowledge/ --from THIS_FILE\n"
)


class _Dumper(yaml.SafeDumper):
    """The shipped files' style: indented lists, literal answers, tags as ``[a, b]``."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent a list under its key, as the shipped files do."""
        super().increase_indent(flow, False)


class _Flow(list):  # type: ignore[type-arg]
    """A list written on one line."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def dump_yaml(data: Any) -> str:
    """Plain data as YAML in the shipped files' style."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDE)


def entry_yaml(entry: Entry) -> dict[str, Any]:
    """An entry's data styled as the shipped files write it."""
    data = entry.to_dict()
    if "\n" in data["answer"]:
        data["answer"] += "\n"  # "|" rather than "|-": the loader strips it again
    data["tags"] = _Flow(data["tags"])
    return data


@dataclass(frozen=True)
class EntryChange:
    """One entry added, edited or removed by moderators; ``file`` is its topic file's name."""

    action: str
    entry_id: str
    file: str | None = None
    entry: Entry | None = None
    changed: tuple[str, ...] = ()


def overlay_changes(
    base: Sequence[Entry], effective: Iterable[Entry], removed: Iterable[Entry]
) -> list[EntryChange]:
    """What moderators changed: effective and removed entries compared with the YAML ones."""
    by_id = {entry.id: entry for entry in base}
    changes = []
    for entry in effective:
        original = by_id.get(entry.id)
        if original is None:
            changes.append(EntryChange("add", entry.id, None, entry))
        elif entry != original:
            fields = _changed_fields(original, entry)
            changes.append(EntryChange("edit", entry.id, _file_of(original), entry, fields))
    for entry in removed:
        if entry.id in by_id:
            changes.append(EntryChange("remove", entry.id, _file_of(by_id[entry.id])))
    return changes


def _file_of(entry: Entry) -> str | None:
    return Path(entry.source).name if entry.source else None


def _changed_fields(before: Entry, after: Entry) -> tuple[str, ...]:
    old, new = before.to_dict(), after.to_dict()
    return tuple(key for key in new.keys() | old.keys() if old.get(key) != new.get(key))


def change_data(change: EntryChange) -> dict[str, Any]:
    """One change as plain data in the changes file's schema."""
    data: dict[str, Any] = {"action": change.action}
    if change.action == "remove":
        data["id"] = change.entry_id
    if change.file:
        data["file"] = change.file
    if change.changed:
        data["changed"] = _Flow(sorted(change.changed))
    if change.entry is not None:
        data["entry"] = entry_yaml(change.entry)
    return data


def dump_changes(changes: Sequence[EntryChange]) -> str:
    """The changes as a YAML document, with a header saying how to merge it."""
    return HEADER + dump_yaml({"changes": [change_data(c) for c in changes]})


def load_changes(text: str, source: str) -> list[EntryChange]:
    """Read a changes document; UserError naming the file and the change that is wrong."""
    try:
        data = load_bounded(text)  # a changes file is input: no alias bombs
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or exc
        raise UserError(f"{source} is not valid YAML{where}: {reason}") from exc
    rows = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise UserError(f"{source}: expected 'changes:' with a list (from faqbot export --changes)")
    return [_change_from(row, n, source) for n, row in enumerate(rows, 1)]


def _change_from(row: Any, n: int, source: str) -> EntryChange:
    where = f"{source}: change #{n}"
    if not isinstance(row, dict) or row.get("action") not in ACTIONS:
        raise UserError(f"{where}: needs 'action' set to one of {', '.join(ACTIONS)}")
    file = row.get("file")
    if file is not None and (not isinstance(file, str) or Path(file).name != file):
        raise UserError(f"{where}: 'file' must be a file name like dns.yaml, not {file!r}")
    if row["action"] == "remove":
        if not isinstance(row.get("id"), str):
            raise UserError(f"{where}: a removal needs the entry's 'id'")
        return EntryChange("remove", row["id"], file)
    problems: list[Problem] = []
    entry = entry_from_data(row.get("entry"), source, problems, position=n)
    if entry is None:
        first = problems[0] if problems else "no 'entry'"
        raise UserError(f"{where}: the entry is not valid: {first}")
    changed = tuple(row.get("changed") or ())
    return EntryChange(row["action"], entry.id, file, entry, changed)
