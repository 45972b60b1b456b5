"""The command line's parser class, argument types and exit codes.

Exit codes (the README's "Exit codes" section says the same):

    0   done
    1   the command ran and failed (a problem it names: unknown id, broken file, corrupt database)
    2   usage: a bad argument or option (argparse's code), or a bad configuration
    75  ``run``/``sync``: a transient failure (Discord unreachable); a restart may help
    78  ``run``/``sync``: a configuration, token, knowledge or database problem; do not restart

75 and 78 are ``EX_TEMPFAIL`` and ``EX_CONFIG`` of ``sysexits.h``, which supervisors know.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from bot.base.config import StorageSettings
from bot.base.datafolder import DATA_DIR_VARIABLE, data_folder
from bot.base.errors import KnowledgeError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_RETRY = 75
EXIT_DO_NOT_RESTART = 78


class HelpFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to an option's help unless the help already says its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or not (action.option_strings or action.nargs in ("?", "*"))
        ):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, list) else "%(default)s"
        return f"{text} (default: {shown})"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, and whose sub-parsers are alike."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def add_subparsers(self, **kwargs: object) -> argparse._SubParsersAction:  # type: ignore[override]
        """Sub-parsers of this class, so nested commands format errors and help the same way."""
        kwargs.setdefault("parser_class", Parser)
        return super().add_subparsers(**kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        """Print one line naming the command and where to read its usage; exit 2."""
        print(f"{self.prog}: error: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    return _bounded_int(text, 1, "a whole number of at least 1")


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number of at least 0."""
    return _bounded_int(text, 0, "a whole number of at least 0")


def positive_float(text: str) -> float:
    """An argparse type: a number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _bounded_int(text: str, low: int, wanted: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
    return value


def non_empty_text(text: str) -> str:
    """An argparse type: text with at least one visible character."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def failure_line(error: BaseException, storage: StorageSettings) -> str:
    """One line that says what went wrong, for an error that ends a command."""
    if isinstance(error, KnowledgeError) and error.problems:
        first, count = error.problems[0], len(error.problems)
        if count == 1:
            return f"knowledge: {first}"
        return f"{count} problems in the knowledge, first: {first} (faqbot validate lists all)"
    if isinstance(error, OSError) and error.filename is not None:
        cause = error.strerror or str(error)
        if isinstance(error, (FileExistsError, NotADirectoryError)):
            cause = "a file is in the way of a folder"
        reason = f"{error.filename}: {cause}"
        culprit = Path(os.fsdecode(error.filename))
        if storage.url:  # no file of ours holds the data: only the data folder can be blamed
            folder = data_folder(storage)
            if culprit == folder or folder in culprit.parents or culprit in folder.parents:
                return f"cannot use the data folder {folder} ({DATA_DIR_VARIABLE}): {reason}"
            return reason
        database = storage.database
        if culprit == database or culprit in database.parents:
            return f"cannot use the database {database} (storage.database): {reason}"
        return reason
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else "")
