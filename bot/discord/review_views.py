"""The review select menu: moderators attach a group of unanswered questions to an entry.

Like the answer buttons it is a DynamicItem, rebuilt from its custom_id after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

import discord

from bot.base.errors import UserError
from bot.core.knowledge import Entry
from bot.discord.checks import ensure_moderator
from bot.discord.embeds import clip
from bot.discord.tree import confirm_saved
from bot.discord.views import Select, actor_of, faqbot, guarded


def attach_view(group_id: int, entries: Sequence[Entry]) -> discord.ui.View:
    """A select menu offering the suggested entries for a group of unanswered questions."""
    view = discord.ui.View(timeout=None)
    view.add_item(AttachSelect(group_id, entries))
    return view


class AttachSelect(discord.ui.DynamicItem[Select], template=r"faq:attach:(?P<group>\d+)"):
    """Moderators: attach a group of unanswered questions to the chosen entry."""

    def __init__(self, group_id: int, entries: Sequence[Entry] = ()) -> None:
        self.group_id = group_id
        options = [
            discord.SelectOption(label=clip(e.question, 100), value=e.id, description=e.id)
            for e in entries[:25]
        ] or [discord.SelectOption(label="(no suggestion)", value="-")]
        super().__init__(
            discord.ui.Select(
                placeholder="Attach to…", options=options, custom_id=f"faq:attach:{group_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Select, match: re.Match[str], /
    ) -> AttachSelect:
        """Rebuild from a custom_id (the options are kept by Discord)."""
        return cls(int(match["group"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Check the moderator, attach, and confirm privately."""
        await guarded(interaction, self._attach(interaction))

    async def _attach(self, interaction: discord.Interaction) -> None:
        bot = faqbot(interaction)
        ensure_moderator(interaction, bot.settings.discord.moderator_roles)
        values = cast("dict[str, Any]", interaction.data).get("values") or []
        if not values or values[0] == "-":
            raise UserError("Pick an entry, or use /unanswered attach with an entry id.")
        service = await bot.community_of(interaction)
        record = await service.attach_group(self.group_id, values[0], actor_of(interaction))
        await confirm_saved(
            interaction,
            record.id,
            f"Attached group #{self.group_id} to `{values[0]}` (action #{record.id}).",
        )
