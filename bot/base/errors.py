"""The exceptions faqbot raises on purpose.

    FaqbotError                 base; ``str(error)`` is a message fit for the person who caused it
    ├── ConfigError             a bad or missing setting (names the key and the file)
    ├── KnowledgeError          a broken knowledge file (carries every problem found)
    ├── StoreError              the database cannot be used (not SQLite, corrupt, too new)
    │   └── SchemaTooNewError   the database was written by a newer faqbot
    └── UserError               a request that cannot be done as asked (unknown id, bad field)
        ├── NotFoundError       no entry, group or revision with that id
        └── PermissionDenied    the member may not do this

"No match" is a result of the matcher, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass


class FaqbotError(Exception):
    """Base class of every error faqbot raises on purpose."""


class ConfigError(FaqbotError):
    """A setting is missing, unknown, of the wrong type or impossible."""


@dataclass(frozen=True)
class Problem:
    """One problem in a knowledge file: where it is and what is wrong."""

    file: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f": entry {self.entry!r}"
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class KnowledgeError(FaqbotError):
    """The knowledge cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the knowledge"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class StoreError(FaqbotError):
    """The database cannot be opened or used."""


class SchemaTooNewError(StoreError):
    """The database was migrated by a newer version of faqbot."""


class UserError(FaqbotError):
    """A request that cannot be carried out as asked; the message says why."""


class NotFoundError(UserError):
    """No entry, group or revision with the given id."""


class PermissionDenied(UserError):
    """The member lacks the moderator role or Manage Server."""
