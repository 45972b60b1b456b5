"""Moderator commands, group /faq: add, edit, remove, restore, phrasings, signatures, show, ..."""

from __future__ import annotations

import io
import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.base.errors import KnowledgeError, NotFoundError, UserError
from bot.core.knowledge import Entry
from bot.discord.checks import ensure_moderator, interaction_is_moderator
from bot.discord.client import FaqBot
from bot.discord.embeds import candidates_embed, entry_embed, entry_list_embed, stats_embed
from bot.discord.limits import choice, resolve_choice
from bot.discord.modals import EntryModal
from bot.discord.tree import NO_MENTIONS, confirm_saved
from bot.discord.views import actor_of

log = logging.getLogger(__name__)

PAGE_SIZE = 15
Choices = list[app_commands.Choice[str]]


def entry_choices(entries: list[Entry], current: str) -> Choices:
    """Up to 25 entries whose id or question contains what is typed, ids first."""
    needle = current.casefold().strip()
    starts = [e for e in entries if e.id.startswith(needle)]
    contains = [
        e
        for e in entries
        if e not in starts and (needle in e.id or needle in e.question.casefold())
    ]
    return [
        app_commands.Choice(name=f"{e.id} — {e.question}"[:100], value=e.id)
        for e in (starts + contains)[:25]
    ]


async def _done(
    interaction: discord.Interaction, text: str, *, saved: int | None = None, **kwargs: object
) -> None:
    if saved is not None:  # after a commit: a failure to confirm must not read "nothing changed"
        await confirm_saved(interaction, saved, text, **kwargs)
        return
    await interaction.response.send_message(
        text,
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
        **kwargs,  # type: ignore[arg-type]
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Faq(commands.GroupCog, group_name="faq", group_description="Curate the FAQ (moderators)"):
    """Curating the knowledge from Discord; every command checks the moderator at run time."""

    phrasing = app_commands.Group(name="phrasing", description="Other phrasings of an entry")
    signature = app_commands.Group(
        name="signature", description="Error strings members paste that point at an entry"
    )

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every /faq command: a moderator role or Manage Server, checked now."""
        ensure_moderator(interaction, self.bot.settings.discord.moderator_roles)
        return True

    async def _entry_autocomplete(self, interaction: discord.Interaction, current: str) -> Choices:
        if not interaction_is_moderator(interaction, self.bot.settings.discord.moderator_roles):
            return []
        service = await self.bot.community_of(interaction)
        return entry_choices(service.entries(), current)

    async def _removed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> Choices:
        if not interaction_is_moderator(interaction, self.bot.settings.discord.moderator_roles):
            return []
        service = await self.bot.community_of(interaction)
        return entry_choices(service.removed_entries(), current)

    @app_commands.command(name="add", description="Add an entry (opens a form)")
    async def add(self, interaction: discord.Interaction) -> None:
        """Open the empty entry form."""
        await interaction.response.send_modal(EntryModal("add"))

    @app_commands.command(name="edit", description="Edit an entry (opens the filled-in form)")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def edit(self, interaction: discord.Interaction, entry: str) -> None:
        """Open the form pre-filled with the entry."""
        service = await self.bot.community_of(interaction)
        await interaction.response.send_modal(EntryModal("edit", entry=service.get(entry)))

    @app_commands.command(name="remove", description="Remove an entry (it can be restored)")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def remove(self, interaction: discord.Interaction, entry: str) -> None:
        """Remove an entry at once."""
        service = await self.bot.community_of(interaction)
        record = await service.remove_entry(entry, actor_of(interaction))
        await _done(
            interaction,
            f"Removed `{entry}` (action #{record.id}); `/faq restore` undoes it.",
            saved=record.id,
        )

    @app_commands.command(name="restore", description="Bring back a removed entry")
    @app_commands.autocomplete(entry=_removed_autocomplete)
    async def restore(self, interaction: discord.Interaction, entry: str) -> None:
        """Restore a removed entry."""
        service = await self.bot.community_of(interaction)
        record = await service.restore_entry(entry, actor_of(interaction))
        await _done(interaction, f"Restored `{entry}` (action #{record.id}).", saved=record.id)

    @phrasing.command(name="add", description="Add another phrasing to an entry")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def phrasing_add(
        self,
        interaction: discord.Interaction,
        entry: str,
        text: app_commands.Range[str, 1, 300],
    ) -> None:
        """Add one phrasing."""
        service = await self.bot.community_of(interaction)
        record = await service.add_phrasing(entry, text, actor_of(interaction))
        done = f"Added the phrasing to `{entry}` (action #{record.id})."
        await _done(interaction, done, saved=record.id)

    @phrasing.command(name="remove", description="Remove a phrasing from an entry")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def phrasing_remove(
        self, interaction: discord.Interaction, entry: str, text: str
    ) -> None:
        """Remove one phrasing (autocomplete sends a key for one over 100 characters)."""
        service = await self.bot.community_of(interaction)
        text = resolve_choice(text, service.get(entry).alternates)
        record = await service.remove_phrasing(entry, text, actor_of(interaction))
        done = f"Removed the phrasing from `{entry}` (action #{record.id})."
        await _done(interaction, done, saved=record.id)

    @phrasing_remove.autocomplete("text")
    async def _phrasing_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> Choices:
        return await self._texts_autocomplete(interaction, current, "alternates")

    async def _texts_autocomplete(
        self, interaction: discord.Interaction, current: str, field: str
    ) -> Choices:
        """The entry's phrasings or signatures (``field``) that contain what is typed."""
        entry_id = getattr(interaction.namespace, "entry", "")
        if not interaction_is_moderator(interaction, self.bot.settings.discord.moderator_roles):
            return []
        try:
            service = await self.bot.community_of(interaction)
            texts: tuple[str, ...] = getattr(service.get(entry_id), field)
        except NotFoundError:
            return []
        found = [a for a in texts if current.casefold() in a.casefold()]
        return [choice(a) for a in found[:25]]

    @signature.command(name="add", description="Add an error string members paste (* = any text)")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def signature_add(
        self,
        interaction: discord.Interaction,
        entry: str,
        text: app_commands.Range[str, 1, 200],
    ) -> None:
        """Add one signature: a pasted error containing it gets this entry."""
        service = await self.bot.community_of(interaction)
        record = await service.add_signature(entry, text, actor_of(interaction))
        done = f"Added the signature to `{entry}` (action #{record.id})."
        await _done(interaction, done, saved=record.id)

    @signature.command(name="remove", description="Remove an error string from an entry")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def signature_remove(
        self, interaction: discord.Interaction, entry: str, text: str
    ) -> None:
        """Remove one signature (autocomplete sends a key for one over 100 characters)."""
        service = await self.bot.community_of(interaction)
        text = resolve_choice(text, service.get(entry).signatures)
        record = await service.remove_signature(entry, text, actor_of(interaction))
        done = f"Removed the signature from `{entry}` (action #{record.id})."
        await _done(interaction, done, saved=record.id)

    @signature_remove.autocomplete("text")
    async def _signature_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> Choices:
        return await self._texts_autocomplete(interaction, current, "signatures")

    @app_commands.command(name="show", description="Show an entry in full")
    @app_commands.autocomplete(entry=_entry_autocomplete)
    async def show(self, interaction: discord.Interaction, entry: str) -> None:
        """Show the entry with its phrasings and tags (removed ones too)."""
        service = await self.bot.community_of(interaction)
        removed = {e.id: e for e in service.removed_entries()}
        found = removed.get(entry) or service.get(entry)
        await _done(interaction, "", embed=entry_embed(found, removed=entry in removed))

    @app_commands.command(name="list", description="List entries, optionally by tag")
    async def list_entries(
        self,
        interaction: discord.Interaction,
        tag: str | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """One page of entries."""
        service = await self.bot.community_of(interaction)
        entries = service.entries()
        if tag:
            tag = resolve_choice(tag, {t for e in entries for t in e.tags})
            entries = [e for e in entries if tag.casefold() in (t.casefold() for t in e.tags)]
        pages = max(1, math.ceil(len(entries) / PAGE_SIZE))
        if page > pages:
            raise UserError(f"there are only {pages} page(s)")
        shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        embed = entry_list_embed(shown, tag=tag, page=page, pages=pages, total=len(entries))
        await _done(interaction, "", embed=embed)

    @list_entries.autocomplete("tag")
    async def _tag_autocomplete(self, interaction: discord.Interaction, current: str) -> Choices:
        service = await self.bot.community_of(interaction)
        tags = sorted({t for e in service.entries() for t in e.tags})
        found = [t for t in tags if current.casefold() in t.casefold()]
        return [choice(t) for t in found[:25]]

    @app_commands.command(name="test", description="What would match this text, with scores")
    async def test(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 1000],
        passive: bool = False,
    ) -> None:
        """Show the outcome and every candidate with its score and reason (nothing recorded)."""
        service = await self.bot.community_of(interaction)
        result = service.preview(text, passive=passive)
        embed = candidates_embed(result.candidates, str(result.outcome), result.explanation)
        await _done(interaction, "", embed=embed)

    @app_commands.command(name="reload", description="Re-read the knowledge files from disk")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Reload; on a broken file keep the current knowledge and say exactly what is wrong."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            service = await self.bot.community_of(interaction)
            count = await service.reload()
        except KnowledgeError as error:
            lines = "\n".join(f"• {p}" for p in error.problems[:20])
            await interaction.followup.send(
                f"Reload refused; the current knowledge stays in use.\n{lines}"[:2000],
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        log.info("knowledge reloaded by %s: %d entries", interaction.user.id, count)
        await interaction.followup.send(
            f"Reloaded: {count} entries.", ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="export", description="This server's changes as a YAML file")
    @app_commands.describe(everything="The whole knowledge this server sees, not only its changes")
    async def export(self, interaction: discord.Interaction, everything: bool = False) -> None:
        """Attach this community's changes (or everything it sees) as one YAML file."""
        service = await self.bot.community_of(interaction)
        if everything:
            text = service.export_yaml("Exported from Discord")
            note = f"{len(service.entries())} entries."
        else:
            text = service.export_overlay("Changes made in this server")
            note = f"{len(service.curator.layer.own_slots())} changed entries."
        file = discord.File(io.BytesIO(text.encode()), "faq-export.yaml")
        await _done(interaction, note, file=file)

    @app_commands.command(name="stats", description="Answers, votes and open questions")
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 7
    ) -> None:
        """Counts over the last days."""
        import datetime as dt

        service = await self.bot.community_of(interaction)
        stats = await service.stats(dt.timedelta(days=days))
        await _done(interaction, "", embed=stats_embed(stats))


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Faq(bot))
