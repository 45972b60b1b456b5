"""Reading knowledge files from disk: which files, and only what is safe to read.

A knowledge folder is edited by people and synced by tools, so the reader trusts none of it:
a folder's YAML files must be regular files (a FIFO would block the read for ever, a link to
``/dev/zero`` would never end) no larger than ``knowledge.max_file_bytes``, a symbolic link in
a folder must stay inside that folder, and the YAML is parsed by ``bot.base.safeyaml`` (no
alias bombs). Every refusal is a Problem naming the file, like any other knowledge problem.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from bot.base.config import DEFAULT_MAX_FILE_BYTES
from bot.base.errors import Problem
from bot.base.safeyaml import load_bounded
from bot.base.yamlcache import ParseCache

YAML_SUFFIXES = (".yaml", ".yml")
# Opening a FIFO for reading waits for a writer; O_NONBLOCK returns at once so fstat can say
# what it is. On a regular file the flag changes nothing.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Refused(Exception):
    """A file that is not read at all; the message says why (for a Problem)."""


def knowledge_files(paths: Iterable[Path], problems: list[Problem]) -> list[Path]:
    """Every YAML file under the given files and folders, sorted within a folder.

    A symbolic link inside a folder that leads out of it is reported, not listed: whoever can
    drop a file into the folder must not make the bot read (and quote) any file on the host.
    """
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        folder = path.resolve()
        for child in sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES):
            if child.is_symlink() and not child.resolve().is_relative_to(folder):
                message = f"is a symbolic link to a file outside {path}; it is not read"
                problems.append(Problem(str(child), None, None, message))
            else:
                files.append(child)
    return files


def read_capped(path: Path, max_bytes: int) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes; Refused otherwise."""
    with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as handle:
        info = os.fstat(handle.fileno())
        for is_kind, kind in _KINDS:
            if is_kind(info.st_mode):
                raise Refused(f"is {kind}, not a regular file; it is not read")
        if info.st_size > max_bytes:
            raise Refused(_too_big(info.st_size, max_bytes))
        data = handle.read(max_bytes + 1)  # the file may grow between fstat and read
    if len(data) > max_bytes:
        raise Refused(_too_big(len(data), max_bytes))
    return data.decode("utf-8")


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is {size:,} bytes, over the limit of {max_bytes:,} "
        "(knowledge.max_file_bytes); split it into several topic files"
    )


def read_yaml(
    path: Path,
    problems: list[Problem],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: ParseCache | None = None,
) -> Any:
    """One knowledge file's YAML data, or None with a Problem appended if it cannot be used
    (``cache``: parsed data kept from an earlier start, by the text's digest)."""
    source = str(path)
    try:
        text = read_capped(path, max_bytes)
        return load_bounded(text) if cache is None else cache.parse(text)
    except Refused as exc:
        problems.append(Problem(source, None, None, str(exc)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(source, None, None, f"is not valid YAML{where}: {reason}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(source, None, None, f"cannot be read: {exc}"))
    return None
