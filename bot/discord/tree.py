"""The command tree and the one place every interaction failure is answered.

Every failure gets exactly one ephemeral reply: a response if the interaction has none yet,
otherwise a follow-up. Errors meant for users (UserError, refused checks) show their message;
anything unexpected is logged with its traceback and answered with a generic apology. A failure
after a change was committed (``confirm_saved``) says the change was saved, with its action number:
the generic "Nothing was changed" would be false then.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.base.errors import FaqbotError, UserError

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on my side; it has been logged. Nothing was changed."
NO_MENTIONS = discord.AllowedMentions.none()


class SavedButNotShownError(Exception):
    """A change was committed, and only showing it failed: the change stands."""

    def __init__(self, action_id: int) -> None:
        super().__init__(
            f"Saved, but could not be shown (action #{action_id}). The change stands; "
            "nothing needs redoing. The reason has been logged."
        )
        self.action_id = action_id


def _original(error: BaseException) -> BaseException:
    """The exception inside discord.py's wrappers (CommandInvokeError and the like)."""
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is None:
            break
        error = inner
    return error


async def confirm_saved(
    interaction: discord.Interaction, action_id: int, text: str, **kwargs: Any
) -> None:
    """Confirm a committed change privately; if that fails, say it was saved all the same."""
    try:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs
        )
    except Exception as error:  # any failure here happened after the commit
        raise SavedButNotShownError(action_id) from error


def user_message(error: BaseException) -> str | None:
    """The message to show for an error meant for users, or None for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if isinstance(error, app_commands.TransformerError) and inner is None:
            return f"That value is not valid: {error.value!r}."
        return user_message(inner) if inner is not None else None
    if isinstance(error, UserError | SavedButNotShownError):
        return str(error)
    if isinstance(error, FaqbotError):  # e.g. a knowledge error on reload: the curator must see it
        return str(error)
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this here."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    return None


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Send one ephemeral message: the response, or a follow-up if already responded."""
    text = text if len(text) <= 2000 else text[:1990] + "\n…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.warning("could not tell user %s about an error", interaction.user.id, exc_info=True)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer a failed interaction once: the user's message, or log and apologise."""
    message = user_message(error)
    if message is None or isinstance(_original(error), SavedButNotShownError):
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "unexpected error in interaction %s (command %s, user %s)",
            interaction.id,
            command,
            interaction.user.id,
            exc_info=error,
        )
        message = message or GENERIC
    await reply_ephemeral(interaction, message)


NOT_ALLOWED = "This server is not allowed to use this bot."


class FaqTree(app_commands.CommandTree):
    """The bot's command tree: one error handler for every slash command."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse every interaction from a server the operator does not allow."""
        allows = getattr(self.client, "allows", None)
        if allows is not None and not allows(interaction.guild_id):
            await reply_ephemeral(interaction, NOT_ALLOWED)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Answer the failure ephemerally, exactly once."""
        await report_error(interaction, error)
