"""Values kept between starts as files named by a digest of what they were computed from.

Start-up recomputes things that rarely change between two starts: the parsed YAML of each
knowledge file (``bot.base.yamlcache``), the validated knowledge
(``bot.core.knowledge_state``) and the phrasing index built from it (``bot.core.index_state``).
Each is kept in a folder beside the database under the sha256 of everything it was computed
from, so a changed input is simply another name: nothing is ever stale, and no entry needs
invalidating.

The folder is the bot's own (created 0700, files 0600), trusted as the database beside it is:
``marshal`` and JSON run no code when read, and a hand that can write there can also edit the
database. Kept files are an optimisation and never a source of errors: one that cannot be
decoded is computed again and rewritten, a folder that cannot be written is left alone (the
bot then computes at each start), each file is written whole (a temporary file renamed into
place, so a killed process leaves no half file under a real name), and files no start has used
for a week are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

UNUSED_SECONDS = 7 * 24 * 3600  # a file not used by any start for this long is removed


class KeptFiles:
    """Values by name (a hex digest) in ``folder``: ``encode`` makes a file's bytes, ``decode``
    reads them back (raising ValueError, or any error of its format, on damage)."""

    def __init__(
        self,
        folder: Path,
        suffix: str,
        encode: Callable[[Any], bytes],
        decode: Callable[[bytes], Any],
    ) -> None:
        self.folder = folder
        self.suffix = suffix
        self._encode, self._decode = encode, decode
        self.used: set[str] = set()  # names read or written here (pruning keeps them)
        self.hits = 0
        self.misses = 0

    def get(self, name: str) -> tuple[Any] | None:
        """``(value,)`` when a usable file is kept under ``name``, else None."""
        self.used.add(name)
        path = self.folder / (name + self.suffix)
        try:
            raw = path.read_bytes()
        except OSError as exc:  # none yet, or a folder that cannot be: computed as always
            log.debug("no kept file %s: %s", path, exc)
            self.misses += 1
            return None
        try:
            value = self._decode(raw)
        except Exception as exc:  # damaged: computed again and rewritten
            log.warning("kept file %s cannot be used (%s); computing it again", path, exc)
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruning keeps it
        self.hits += 1
        return (value,)

    def put(self, name: str, value: Any) -> None:
        """Keep ``value`` under ``name``, whole or not at all; a write failure is only logged."""
        self.used.add(name)
        write_whole(self.folder / (name + self.suffix), lambda out: out.write(self._encode(value)))

    def prune(self, now: float | None = None) -> int:
        """Remove files (and left-over temporary ones) unused for a week; how many."""
        return prune_folder(self.folder, self.suffix, self.used, UNUSED_SECONDS, now)


def write_whole(target: Path, write: Callable[[BinaryIO], object]) -> bool:
    """Write ``target`` through ``write`` into a temporary file beside it, then rename it into
    place: a killed process leaves no half file under the real name. False, and only logged,
    when the folder cannot be written (a read-only data folder: everything works, only slower).
    """
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".writing-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        log.debug("not kept in %s: %s", target.parent, exc)
        return False
    return True


def prune_folder(
    folder: Path, suffix: str, used: set[str], older_than: float, now: float | None = None
) -> int:
    """Remove the files of ``folder`` not named in ``used`` and untouched for ``older_than``
    seconds (left-over temporary files too); how many."""
    now = time.time() if now is None else now
    removed = 0
    try:
        children = list(folder.iterdir())
    except OSError:
        return 0
    for path in children:
        if path.name.endswith(suffix) and path.name[: -len(suffix)] in used:
            continue
        try:
            if now - path.stat().st_mtime > older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
