"""The entry form (add, edit, create from a review group) as a Discord modal.

Discord limits a modal to five inputs and a text input to 4,000 characters; Discord enforces
``max_length`` in its client, and the knowledge validation checks again on submit. When a
submission is refused, the reply carries the draft as a file so the moderator loses nothing.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.base.errors import UserError
from bot.core.knowledge import MAX_ANSWER, MAX_ID, MAX_QUESTION, Entry
from bot.discord.checks import ensure_moderator
from bot.discord.embeds import entry_embed
from bot.discord.tree import (
    NO_MENTIONS,
    SavedButNotShownError,
    confirm_saved,
    report_error,
    user_message,
)
from bot.discord.views import faqbot

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

INPUT_LIMIT = 4000  # Discord's cap on a text input's length (and its pre-filled value)
TOO_LONG = "(too long to show here: leave empty to keep it)"
Mode = Literal["add", "edit", "create"]


def split_lines(text: str) -> list[str]:
    """Non-empty stripped lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_tags(text: str) -> list[str]:
    """Comma- or line-separated tags, lower-cased."""
    return [t.strip().lower() for t in text.replace("\n", ",").split(",") if t.strip()]


def parse_links(text: str) -> list[dict[str, str]]:
    """Lines of "title | url" (or a bare url) as link mappings."""
    links = []
    for line in split_lines(text):
        title, _, url = line.rpartition("|")
        url = url.strip()
        links.append({"title": title.strip() or url, "url": url})
    return links


def _prefill(value: str) -> tuple[str | None, bool]:
    """The default for an input, and whether it had to be left out for length."""
    return (value, False) if len(value) <= INPUT_LIMIT else (None, True)


class EntryModal(discord.ui.Modal):
    """Five inputs: id (new entries) or links (edits), question, answer, alternates, tags."""

    def __init__(
        self,
        mode: Mode,
        *,
        entry: Entry | None = None,
        group_id: int | None = None,
        question: str = "",
        alternates: tuple[str, ...] = (),
    ) -> None:
        target = entry.id if entry else group_id
        title = {"add": "New FAQ entry", "edit": "Edit FAQ entry", "create": "New entry"}[mode]
        if mode == "create":
            title = f"New entry from group #{group_id}"
        super().__init__(title=title[:45], custom_id=f"faq:entry:{mode}:{target or ''}".rstrip(":"))
        self.mode, self.entry, self.group_id = mode, entry, group_id
        self.kept: set[str] = set()
        if entry is not None:
            question, alternates = entry.question, entry.alternates
        if mode != "edit":
            self.entry_id = discord.ui.TextInput(
                label="Id (lowercase words joined by dashes)",
                custom_id="id",
                placeholder="e.g. point-domain-to-vps",
                max_length=MAX_ID,
            )
            self.add_item(self.entry_id)
        self.question = discord.ui.TextInput(
            label="Question",
            custom_id="question",
            max_length=MAX_QUESTION,
            default=question[:MAX_QUESTION] or None,
        )
        self.add_item(self.question)
        self.answer = self._long(
            "Answer (Discord Markdown)", "answer", entry.answer if entry else ""
        )
        self.answer.required = entry is None
        self.answer.max_length = min(INPUT_LIMIT, MAX_ANSWER)
        self.alternates = self._long(
            "Other phrasings, one per line", "alternates", "\n".join(alternates)
        )
        self.alternates.required = False
        # The schema allows many tags of 300 characters: the input takes what Discord allows.
        tags, too_long = _prefill(", ".join(entry.tags) if entry else "")
        if too_long:
            self.kept.add("tags")
        self.tags = discord.ui.TextInput(
            label="Tags, comma separated",
            custom_id="tags",
            required=False,
            max_length=INPUT_LIMIT,
            default=tags or None,
            placeholder=TOO_LONG if too_long else None,
        )
        self.add_item(self.tags)
        if mode == "edit":
            links = "\n".join(f"{k.title} | {k.url}" for k in entry.links) if entry else ""
            self.links = self._long("Links: title | https://… per line", "links", links)
            self.links.required = False

    def _long(self, label: str, custom_id: str, value: str) -> discord.ui.TextInput[Any]:
        default, too_long = _prefill(value)
        if too_long:
            self.kept.add(custom_id)
        field: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=label,
            custom_id=custom_id,
            style=discord.TextStyle.paragraph,
            max_length=INPUT_LIMIT,
            default=default,
            placeholder=TOO_LONG if too_long else None,
        )
        self.add_item(field)
        return field

    def fields(self) -> dict[str, Any]:
        """The submitted values as entry fields (inputs left empty because too long: unchanged)."""
        data: dict[str, Any] = {"question": self.question.value.strip()}
        if self.mode != "edit":
            data["id"] = self.entry_id.value.strip()
        for name, value in (("answer", self.answer.value), ("alternates", self.alternates.value)):
            if not value.strip() and name in self.kept:
                continue
            data[name] = split_lines(value) if name == "alternates" else value.strip()
        if self.tags.value.strip() or "tags" not in self.kept:
            data["tags"] = split_tags(self.tags.value)
        if self.mode == "edit" and not (not self.links.value.strip() and "links" in self.kept):
            data["links"] = parse_links(self.links.value)
        if self.mode == "edit" and not data.get("answer") and "answer" not in self.kept:
            raise UserError("the answer must not be empty")
        return data

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Check the moderator again, then add, edit or create, and show the result."""
        bot = faqbot(interaction)
        ensure_moderator(interaction, bot.settings.discord.moderator_roles)
        actor = f"discord:{interaction.user.id} ({interaction.user.name})"
        data = self.fields()
        service = await bot.community_of(interaction)
        if self.mode == "add":
            record = await service.add_entry(data, actor)
        elif self.mode == "edit":
            assert self.entry is not None
            record = await service.edit_entry(self.entry.id, data, actor)
        else:
            assert self.group_id is not None
            record = await service.create_entry_from_group(self.group_id, data, actor)
        entry_id = self.entry.id if self.entry else data["id"]
        verb = {"add": "Added", "edit": "Saved", "create": "Created"}[self.mode]
        await confirm_saved(
            interaction,
            record.id,
            f"{verb} `{entry_id}` (action #{record.id}).",
            embed=entry_embed(service.get(entry_id)),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """A refused entry is explained and the draft returned as a file; others as usual."""
        message = user_message(error)
        saved = isinstance(error, SavedButNotShownError)  # the draft is in the knowledge now
        if message is None or saved or interaction.response.is_done():
            await report_error(interaction, error)
            return
        draft = "\n\n".join(
            f"## {item.custom_id}\n{item.value}"
            for item in self.children
            if isinstance(item, discord.ui.TextInput)
        )
        await interaction.response.send_message(
            f"{message[:1800]}\nNothing was saved; your draft is attached.",
            file=discord.File(io.BytesIO(draft.encode()), "draft.md"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
