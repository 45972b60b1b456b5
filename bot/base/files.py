"""Files: those that hold member text or secrets are created readable by their owner only, and
text files given on the command line are read with one clear error.

The mode is set on the open file descriptor after creation, so it is 0600 whatever the umask
(an umask only takes bits away at creation, and a permissive one would leave the file readable
by every local user). SQLite gives its ``-wal`` and ``-shm`` files the mode of the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.base.errors import UserError

PRIVATE = 0o600


def create_private(path: Path) -> bool:
    """Create ``path`` (and its folders) empty with mode 0600 if it is missing; whether it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
    return True


def read_text(path: Path) -> str:
    """A UTF-8 text file's contents; UserError saying why it cannot be read (one line)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
