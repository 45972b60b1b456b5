"""The fake Discord's world: users, guilds, roles, members, channels and stored messages.

Plain dataclasses with no discord.py import, so the fake describes Discord rather than the client.
Ids are deterministic snowflake strings handed out by `Snowflakes`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 51) - 1
# What @everyone may do in a fresh guild: add reactions, view, send, embed, attach, read history,
# use application commands, create public threads, send in threads.
DEFAULT_EVERYONE_PERMISSIONS = (
    1 << 6 | 1 << 10 | 1 << 11 | 1 << 14 | 1 << 15 | 1 << 16 | 1 << 31 | 1 << 35 | 1 << 38
)

TEXT_CHANNEL = 0
DM_CHANNEL = 1
CATEGORY_CHANNEL = 4
PUBLIC_THREAD = 11
FORUM_CHANNEL = 15

# 2024-01-01 in Discord's epoch milliseconds, shifted into the timestamp bits of a snowflake.
_FIRST_SNOWFLAKE = (1_704_067_200_000 - 1_420_070_400_000) << 22


class Snowflakes:
    """Hands out increasing snowflake ids as strings, the same sequence on every run."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> str:
        """Return the next id."""
        return str(_FIRST_SNOWFLAKE + (next(self._counter) << 12))


def iso_now() -> str:
    """Return the current time as Discord writes timestamps."""
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    """A Discord user account (a person, a bot, or the application's own bot user)."""

    id: str
    username: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: str
    guild_id: str
    name: str
    permissions: int = 0
    position: int = 0


@dataclass
class Member:
    """A user's membership in one guild."""

    user: User
    guild_id: str
    role_ids: list[str] = field(default_factory=list)
    flags: int = 0
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> str:
        """The member's user id."""
        return self.user.id


@dataclass
class Channel:
    """A guild channel, forum or thread (threads have `parent_id` and `owner_id`)."""

    id: str
    guild_id: str | None
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0
    parent_id: str | None = None
    owner_id: str | None = None
    topic: str | None = None


@dataclass
class Guild:
    """A guild with its roles, members and channels, keyed by id."""

    id: str
    name: str
    owner_id: str
    roles: dict[str, Role] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return self.roles[self.id]

    def permissions_of(self, member: Member) -> int:
        """Compute a member's guild-level permissions the way Discord does (no overwrites)."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        for role_id in member.role_ids:
            value |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


@dataclass
class Interaction:
    """An interaction the fake sent, remembered so callbacks and webhooks can find it."""

    id: str
    token: str
    type: int
    channel_id: str
    guild_id: str | None
    user_id: str
    message_id: str | None = None
    original_message_id: str | None = None
    responded_with: int | None = None


@dataclass
class World:
    """Everything the fake knows; REST handlers and the gateway read and write it."""

    ids: Snowflakes
    bot_user: User
    guilds: dict[str, Guild] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    interactions: dict[str, Interaction] = field(default_factory=dict)
    global_commands: list[dict[str, Any]] = field(default_factory=list)
    guild_commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)

    def find_channel(self, channel_id: str) -> Channel | None:
        """Return the channel or thread with this id in any guild."""
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return None

    def interaction_by_token(self, token: str) -> Interaction | None:
        """Return the interaction whose webhook token this is."""
        return next((i for i in self.interactions.values() if i.token == token), None)

    def command_named(self, name: str, guild_id: str | None) -> dict[str, Any] | None:
        """Return the synced command definition of this name (guild commands first)."""
        candidates = [*self.guild_commands.get(guild_id or "", []), *self.global_commands]
        return next((c for c in candidates if c["name"] == name), None)
