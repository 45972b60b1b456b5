"""Who is a moderator: a configured role or Manage Server, checked at run time on every action."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord
from discord import app_commands

log = logging.getLogger(__name__)

REFUSAL = "Only moderators can do that (a moderator role or the Manage Server permission)."


class NotModerator(app_commands.CheckFailure):
    """The member behind an interaction is not a moderator; the message says so."""

    def __init__(self) -> None:
        super().__init__(REFUSAL)


def is_moderator(user: discord.abc.User, moderator_roles: Iterable[int]) -> bool:
    """Whether a guild member has a moderator role or Manage Server (users outside guilds never)."""
    if not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_guild:
        return True
    # A role id equal to the guild's id is its @everyone role: it never makes a moderator.
    wanted = set(moderator_roles) - {user.guild.id}
    return any(role.id in wanted for role in user.roles)


def interaction_is_moderator(
    interaction: discord.Interaction, moderator_roles: Iterable[int]
) -> bool:
    """Whether the member behind an interaction is a moderator (role or Manage Server)."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_guild:
        return True
    return is_moderator(interaction.user, moderator_roles)


def ensure_moderator(interaction: discord.Interaction, moderator_roles: Iterable[int]) -> None:
    """Raise NotModerator unless the member behind the interaction is a moderator."""
    if not interaction_is_moderator(interaction, moderator_roles):
        log.info(
            "refused a moderator action to user %s in guild %s",
            interaction.user.id,
            interaction.guild_id,
        )
        raise NotModerator()
