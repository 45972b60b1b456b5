"""Answer and "did you mean" buttons that keep working after a restart.

Every component is a DynamicItem: its custom_id carries what the click needs (the answer event,
the asker, the group), so discord.py rebuilds it from any message, old or new. Each callback runs
through ``guarded`` so a failure gets exactly one ephemeral reply, as slash commands do.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.core.knowledge import Entry
from bot.discord.checks import ensure_moderator, interaction_is_moderator
from bot.discord.embeds import NOT_YET, answer_embed
from bot.discord.tree import NO_MENTIONS, report_error

if TYPE_CHECKING:
    from bot.discord.client import FaqBot

log = logging.getLogger(__name__)

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]


def faqbot(interaction: discord.Interaction) -> FaqBot:
    """The bot behind an interaction, typed."""
    return cast("FaqBot", interaction.client)


async def guarded(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    """Run a component's work; any failure is answered once, ephemerally."""
    try:
        await work
    except Exception as error:  # every failure must reach the member once
        await report_error(interaction, error)


def answer_view(event_id: int, asker_id: int, *, dismiss: bool = True) -> discord.ui.View:
    """Helpful / Not helpful (and Dismiss) under an answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(event_id, helpful=True))
    view.add_item(VoteButton(event_id, helpful=False))
    if dismiss:
        view.add_item(DismissButton(asker_id))
    return view


def suggest_view(
    event_id: int, asker_id: int, entries: Sequence[Entry], *, dismiss: bool = True
) -> discord.ui.View:
    """One numbered button per suggested entry, "None of these" (and Dismiss)."""
    view = discord.ui.View(timeout=None)
    for number, entry in enumerate(entries, 1):
        view.add_item(PickButton(event_id, entry.id, number))
    view.add_item(NoneButton(event_id))
    if dismiss:
        view.add_item(DismissButton(asker_id))
    return view


def _asker_of(interaction: discord.Interaction) -> int | None:
    """The member a bot message answered: the replied-to author, or the command's user."""
    message = interaction.message
    if message is None:
        return None
    if message.interaction_metadata is not None:
        return message.interaction_metadata.user.id
    reference = message.reference
    resolved = reference.resolved if reference else None
    return resolved.author.id if isinstance(resolved, discord.Message) else None


class VoteButton(
    discord.ui.DynamicItem[Button], template=r"faq:vote:(?P<helpful>[01]):(?P<event>\d+)"
):
    """Helpful or Not helpful: one vote per member per answer; voting again changes it."""

    def __init__(self, event_id: int, *, helpful: bool) -> None:
        self.event_id, self.helpful = event_id, helpful
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:vote:{int(helpful)}:{event_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Button, match: re.Match[str], /
    ) -> VoteButton:
        """Rebuild from a custom_id."""
        return cls(int(match["event"]), helpful=match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the vote and thank the member privately."""
        await guarded(interaction, self._vote(interaction))

    async def _vote(self, interaction: discord.Interaction) -> None:
        service = await faqbot(interaction).community_of(interaction)
        vote = await service.record_vote(self.event_id, str(interaction.user.id), self.helpful)
        if vote.changed:
            text = "Vote changed. Thanks!"
        elif vote.first:
            text = (
                "Thanks for the feedback!"
                if self.helpful
                else ("Thanks. The moderators will look at a better answer.")
            )
        else:
            text = "You already voted that way."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


class DismissButton(discord.ui.DynamicItem[Button], template=r"faq:dismiss:(?P<asker>\d+)"):
    """Delete the bot's message: only the asker or a moderator may."""

    def __init__(self, asker_id: int) -> None:
        self.asker_id = asker_id
        super().__init__(
            discord.ui.Button(
                label="Dismiss",
                style=discord.ButtonStyle.danger,
                custom_id=f"faq:dismiss:{asker_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Button, match: re.Match[str], /
    ) -> DismissButton:
        """Rebuild from a custom_id."""
        return cls(int(match["asker"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Delete the answer if the clicker asked the question or moderates."""
        await guarded(interaction, self._dismiss(interaction))

    async def _dismiss(self, interaction: discord.Interaction) -> None:
        roles = faqbot(interaction).settings.discord.moderator_roles
        if interaction.user.id != self.asker_id:
            ensure_moderator(interaction, roles)
        await interaction.response.defer()
        await interaction.delete_original_response()
        log.info(
            "answer %s dismissed by %s",
            interaction.message and interaction.message.id,
            interaction.user.id,
        )


class PickButton(
    discord.ui.DynamicItem[Button],
    template=r"faq:pick:(?P<event>\d+):(?P<entry>[a-z0-9-]{1,64})",
):
    """One "did you mean" choice: show that answer (in place for the asker, privately else)."""

    def __init__(self, event_id: int, entry_id: str, number: int = 0) -> None:
        self.event_id, self.entry_id = event_id, entry_id
        super().__init__(
            discord.ui.Button(
                label=str(number) if number else entry_id[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:pick:{event_id}:{entry_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Button, match: re.Match[str], /
    ) -> PickButton:
        """Rebuild from a custom_id (the label is kept by Discord)."""
        return cls(int(match["event"]), match["entry"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the choice and show the chosen answer with its vote buttons."""
        await guarded(interaction, self._pick(interaction))

    async def _pick(self, interaction: discord.Interaction) -> None:
        service = await faqbot(interaction).community_of(interaction)
        entry = service.get(self.entry_id)
        event_id = await service.record_choice(self.event_id, entry.id, str(interaction.user.id))
        asker = _asker_of(interaction)
        if asker == interaction.user.id:
            view = answer_view(event_id, asker)
            await interaction.response.edit_message(
                content=None, embed=answer_embed(entry), view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                embed=answer_embed(entry),
                view=answer_view(event_id, interaction.user.id, dismiss=False),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )


class NoneButton(discord.ui.DynamicItem[Button], template=r"faq:none:(?P<event>\d+)"):
    """ "None of these": the question goes to the moderators' review log."""

    def __init__(self, event_id: int) -> None:
        self.event_id = event_id
        super().__init__(
            discord.ui.Button(
                label="None of these",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:none:{event_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Button, match: re.Match[str], /
    ) -> NoneButton:
        """Rebuild from a custom_id."""
        return cls(int(match["event"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Log the question for review; the asker's message turns into the "not yet" note."""
        await guarded(interaction, self._none(interaction))

    async def _none(self, interaction: discord.Interaction) -> None:
        service = await faqbot(interaction).community_of(interaction)
        await service.record_none_of_these(self.event_id)
        if _asker_of(interaction) == interaction.user.id:
            await interaction.response.edit_message(
                content=NOT_YET, embed=None, view=None, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                "Noted for the moderators. Thanks!", ephemeral=True, allowed_mentions=NO_MENTIONS
            )


def actor_of(interaction: discord.Interaction) -> str:
    """How the audit log names the member behind an interaction."""
    return f"discord:{interaction.user.id} ({interaction.user.name})"


def is_mod(interaction: discord.Interaction) -> bool:
    """Whether the member behind an interaction moderates (for showing extras, not enforcing)."""
    return interaction_is_moderator(
        interaction, faqbot(interaction).settings.discord.moderator_roles
    )


PERSISTENT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    VoteButton,
    DismissButton,
    PickButton,
    NoneButton,
)
