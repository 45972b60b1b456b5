"""Requests and reply plans: what a front end gives the responder and what it gets back.

Ids are strings (a Discord snowflake, a Slack workspace id, "console"), so no platform's id type
reaches the core. A plan says what to show and to whom; how it looks is the front end's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.etiquette import Trigger
from bot.core.knowledge import Entry
from bot.core.matcher import MatchResult
from bot.storage import OPERATOR_SCOPE


@dataclass(frozen=True)
class Request:
    """One question as a front end received it."""

    text: str
    trigger: Trigger
    channel: str
    author: str
    scope: str = OPERATOR_SCOPE  # the community the question was asked in
    guild: str | None = None
    message: str | None = None  # the message holding the question, when there is one
    link: str | None = None  # a link back to that message
    private: bool = False  # the member asked for an answer only they see
    from_moderator: bool = False  # passive mode may be told to leave moderators alone

    @property
    def member_key(self) -> str:
        """Who the rate limit counts: one member in one community."""
        return f"{self.scope}/{self.author}"

    @property
    def cooldown_key(self) -> str:
        """Where the cooldown applies: one channel in one community."""
        return f"{self.scope}/{self.channel}"


@dataclass(frozen=True)
class Answer:
    """Show the entry's answer (only to the asker when ``private``)."""

    entry: Entry
    event_id: int
    private: bool = False
    cooldown_key: str = ""
    result: MatchResult | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Suggest:
    """Offer up to three entries as "did you mean", with "None of these"."""

    entries: tuple[Entry, ...]
    event_id: int
    private: bool = False
    result: MatchResult | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NotYet:
    """No answer yet; ``group_id`` is the review group it was logged in (None: not logged)."""

    event_id: int
    group_id: int | None
    result: MatchResult | None = field(default=None, compare=False)

    @property
    def logged(self) -> bool:
        """Whether the moderators will see the question in the unanswered log."""
        return self.group_id is not None


@dataclass(frozen=True)
class AlreadyAnswered:
    """The entry was answered in this channel a moment ago; ``link`` points there ("" unknown)."""

    entry: Entry
    link: str


@dataclass(frozen=True)
class Silent:
    """Say nothing; ``reason`` is for logs and tests."""

    reason: str


@dataclass(frozen=True)
class RateLimited:
    """The member is asking too quickly: they may ask again in ``wait`` seconds."""

    wait: float


@dataclass(frozen=True)
class NoWords:
    """The member addressed the bot with no words (only a mention, emoji or punctuation)."""


Plan = Answer | Suggest | NotYet | AlreadyAnswered | Silent | RateLimited | NoWords
