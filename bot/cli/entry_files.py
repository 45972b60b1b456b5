"""One knowledge entry as a YAML file for the terminal: reading it, writing it, editing it.

The file holds one entry in the shape of an entry of a knowledge topic file (a mapping with
``id``, ``question``, ``alternates``, ``answer``, ``tags`` and optionally ``signatures``,
``links`` and ``updated``). Every problem becomes a ``UserError`` with a one-line message
naming the file.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bot.base.errors import UserError
from bot.base.files import read_text
from bot.base.safeyaml import load_bounded
from bot.core.knowledge import Entry

EDIT_HEADER = (
    "# Entry {id}: change the fields, save and close the editor to apply.\n"
    "# Leave it unchanged (or empty the file) to change nothing.\n"
)


def argument(value: str) -> str:
    """A command-line argument with undecodable bytes (lone surrogates) replaced by U+FFFD.

    Python hands bytes that are not UTF-8 to argv as lone surrogates, which SQLite cannot
    store and YAML export cannot write: they never go further than this.
    """
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)


def one_line(message: str) -> str:
    """A multi-line error (such as the field list of an invalid entry) as one line."""
    head, *rest = [line.strip() for line in message.splitlines() if line.strip()] or [""]
    return f"{head} {'; '.join(rest)}" if rest else head


def parse_entry(text: str, source: str) -> dict[str, Any] | None:
    """The entry mapping in ``text``; None if the text holds nothing but comments."""
    try:
        data = load_bounded(text)  # a file a curator gives: no alias bombs
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise UserError(f"{source}: is not valid YAML{where}: {reason}") from exc
    if data is None:
        return None
    # A curator may paste the entry as it sits in a topic file's list ("- id: ...").
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise UserError(f"{source}: must hold one entry as a mapping (id: ..., question: ...)")
    return {str(key): value for key, value in data.items()}


def read_entry_file(path: Path) -> dict[str, Any]:
    """The entry mapping in a YAML file; UserError if it is missing, unreadable or malformed."""
    data = parse_entry(read_text(path), str(path))
    if data is None:
        raise UserError(f"{path}: is empty; expected one entry (id: ..., question: ...)")
    return data


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks so an answer reads as it will show."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def entry_yaml(entry: Entry) -> str:
    """One entry as a YAML mapping that ``parse_entry`` reads back to the same fields."""
    return yaml.dump(
        entry.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def editor_command() -> list[str]:
    """The editor the user chose ($VISUAL, then $EDITOR, else vi), split like a shell would."""
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(chosen)
    except ValueError as exc:
        raise UserError(f"cannot understand the editor command {chosen!r}: {exc}") from exc
    if not command:
        raise UserError("$EDITOR is empty; set it to an editor, or pass --file")
    return command


def edit_text(text: str, entry_id: str) -> tuple[Path, str]:
    """Open ``text`` in the user's editor; the temp file (kept) and what it holds afterwards."""
    command = editor_command()
    handle, name = tempfile.mkstemp(prefix=f"faqbot-{entry_id}-", suffix=".yaml")
    path = Path(name)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    try:
        done = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        path.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise UserError(
            f"cannot start the editor {command[0]!r}: {reason}; set $EDITOR or pass --file"
        ) from exc
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        raise UserError(
            f"the editor {command[0]!r} exited with status {done.returncode}; nothing changed"
        )
    try:
        return path, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the edited file {path}: {exc}") from exc
