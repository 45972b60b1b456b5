"""Moderator review of unanswered questions, group /unanswered: list, show, attach, create, ..."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import ensure_moderator, interaction_is_moderator
from bot.discord.client import FaqBot
from bot.discord.embeds import group_embed, groups_embed, quote
from bot.discord.modals import EntryModal
from bot.discord.review_views import AttachSelect, attach_view
from bot.discord.tree import NO_MENTIONS
from bot.discord.views import actor_of
from cogs.faq import Choices, entry_choices

log = logging.getLogger(__name__)

PAGE_SIZE = 8


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Review(
    commands.GroupCog,
    group_name="unanswered",
    group_description="Review questions the FAQ could not answer (moderators)",
):
    """Turning the unanswered log into knowledge; every command checks the moderator."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every /unanswered command: a moderator role or Manage Server, checked now."""
        ensure_moderator(interaction, self.bot.settings.discord.moderator_roles)
        return True

    def _moderates(self, interaction: discord.Interaction) -> bool:
        return interaction_is_moderator(interaction, self.bot.settings.discord.moderator_roles)

    async def _group_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if not self._moderates(interaction):
            return []
        service = await self.bot.community_of(interaction)
        groups = await service.groups(limit=25)
        choices = []
        for group in groups:
            sample = quote(group.samples[0] if group.samples else "", 70)
            label = f"#{group.id} ×{group.size} {sample}"
            if current.strip().lstrip("#") in label:
                choices.append(app_commands.Choice(name=label[:100], value=group.id))
        return choices

    async def _entry_autocomplete(self, interaction: discord.Interaction, current: str) -> Choices:
        if not self._moderates(interaction):
            return []
        service = await self.bot.community_of(interaction)
        return entry_choices(service.entries(), current)

    @app_commands.command(name="list", description="Groups of unanswered questions, largest first")
    async def list_groups(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        """One page of open groups with counts, first and last seen, samples and jump links."""
        service = await self.bot.community_of(interaction)
        groups = await service.groups(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        more = len(groups) > PAGE_SIZE
        groups = groups[:PAGE_SIZE]
        links = {g.id: await service.group_questions(g.id, limit=3) for g in groups}
        embed = groups_embed(groups, links, page=page, more=more)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="show", description="One group in detail, with suggested entries")
    @app_commands.autocomplete(group=_group_autocomplete)
    async def show(self, interaction: discord.Interaction, group: int) -> None:
        """The group's questions with jump links; a menu to attach it to a suggested entry."""
        service = await self.bot.community_of(interaction)
        found = await service.group(group)
        questions = await service.group_questions(group, limit=15)
        suggested = [service.get(c.entry_id) for c in await service.suggest_for_group(group)]
        view = attach_view(group, suggested) if suggested and found.state == "open" else None
        await interaction.response.send_message(
            embed=group_embed(found, questions, suggested),
            view=view or discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(
        name="attach", description="Make a group's questions phrasings of an entry"
    )
    @app_commands.autocomplete(group=_group_autocomplete, entry=_entry_autocomplete)
    async def attach(
        self, interaction: discord.Interaction, group: int, entry: str | None = None
    ) -> None:
        """Attach to the given entry, or offer the suggested entries in a menu."""
        service = await self.bot.community_of(interaction)
        if entry is None:
            await service.group(group)  # NotFoundError before offering anything
            suggested = [service.get(c.entry_id) for c in await service.suggest_for_group(group)]
            await interaction.response.send_message(
                f"Attach group #{group} to which entry? (Or pass `entry:`.)",
                view=attach_view(group, suggested),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        record = await service.attach_group(group, entry, actor_of(interaction))
        await interaction.response.send_message(
            f"Attached group #{group} to `{entry}` (action #{record.id}).",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="create", description="Create an entry from a group (opens a form)")
    @app_commands.autocomplete(group=_group_autocomplete)
    async def create(self, interaction: discord.Interaction, group: int) -> None:
        """Open the entry form pre-filled with the group's questions."""
        service = await self.bot.community_of(interaction)
        found = await service.group(group)
        texts = [q.text for q in await service.group_questions(group, limit=20) if q.text]
        texts = list(dict.fromkeys(reversed(texts)))  # oldest first, no repeats
        question = texts[0] if texts else (found.samples[0] if found.samples else "")
        modal = EntryModal("create", group_id=group, question=question, alternates=tuple(texts[1:]))
        await interaction.response.send_modal(modal)

    @app_commands.command(name="dismiss", description="Close a group without an answer")
    @app_commands.autocomplete(group=_group_autocomplete)
    async def dismiss(self, interaction: discord.Interaction, group: int) -> None:
        """Dismiss a group (noise, off-topic)."""
        service = await self.bot.community_of(interaction)
        record = await service.dismiss_group(group, actor_of(interaction))
        await interaction.response.send_message(
            f"Dismissed group #{group} (action #{record.id}); `/unanswered undo` reopens it.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="undo", description="Undo the last review action on a group")
    async def undo(self, interaction: discord.Interaction, group: int) -> None:
        """Undo the latest attach, create or dismiss of a group."""
        service = await self.bot.community_of(interaction)
        record = await service.undo_last(f"group:{group}", actor_of(interaction))
        await interaction.response.send_message(
            f"Undid action #{record.undoes} on group #{group} (action #{record.id}).",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    bot.add_dynamic_items(AttachSelect)  # the attach menu keeps working after a restart
    await bot.add_cog(Review(bot))
