"""Discord's size limits, and the one place every embed we build is fitted to them.

Discord rejects a whole message (HTTP 400) when one embed passes any limit, so a long answer or
a member's long question would otherwise make a command fail. ``fit`` clips each part with a
visible ellipsis; when the total would pass 6,000 characters it drops whole trailing fields and
says how many in the footer, then clips the description, the footer and the title, in that order.

Choice values of autocomplete are capped at 100 characters: ``choice_value`` gives long text a
short stable key, and ``resolve_choice`` turns it back into the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import discord

TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FIELDS = 25
FOOTER = 2048
AUTHOR = 256
TOTAL = 6000
CHOICE = 100  # an autocomplete choice's name and value
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters, marked with an ellipsis when cut."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


@dataclass(frozen=True)
class _Parts:
    """An embed's texts, to be measured and clipped before the embed is rebuilt."""

    title: str
    description: str
    fields: list[tuple[str, str, bool]]
    footer: str
    author: str

    def size(self, note: str) -> int:
        """Characters Discord counts towards the 6,000 total, with ``note`` in the footer."""
        fields = sum(len(name) + len(value) for name, value, _ in self.fields)
        footer = _with_note(self.footer, note)
        return len(self.title) + len(self.description) + fields + len(footer) + len(self.author)


def _with_note(footer: str, note: str) -> str:
    if not note:
        return footer
    return f"{clip(footer, FOOTER - len(note) - 3)} · {note}" if footer else note


def _more(dropped: int) -> str:
    return f"{ELLIPSIS} {dropped} more not shown" if dropped else ""


def fit(embed: discord.Embed) -> discord.Embed:
    """The embed clipped in place to every Discord limit (see the module docstring); returned."""
    footer_icon = embed.footer.icon_url
    author = embed.author
    parts = _Parts(
        title=clip(embed.title or "", TITLE),
        description=clip(embed.description or "", DESCRIPTION),
        fields=[
            (clip(f.name or "", FIELD_NAME), clip(f.value or "", FIELD_VALUE), bool(f.inline))
            for f in embed.fields
        ],
        footer=clip(embed.footer.text or "", FOOTER),
        author=clip(author.name or "", AUTHOR),
    )
    dropped = max(0, len(parts.fields) - FIELDS)
    del parts.fields[FIELDS:]
    while parts.fields and parts.size(_more(dropped)) > TOTAL:
        parts.fields.pop()
        dropped += 1
    note = _more(dropped)
    footer = _with_note(parts.footer, note)
    over = parts.size(note) - TOTAL
    description, title = parts.description, parts.title
    if over > 0 and description:  # still too long without any field: the body gives way first
        description = clip(description, max(1, len(description) - over))
        over -= len(parts.description) - len(description)
    if over > 0:
        footer = clip(footer, max(0, len(footer) - over))
        over -= len(_with_note(parts.footer, note)) - len(footer)
    if over > 0:
        title = clip(title, max(0, len(title) - over))
    embed.title = title or None
    embed.description = description or None
    embed.clear_fields()
    for name, value, inline in parts.fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer or footer_icon:
        embed.set_footer(text=footer or None, icon_url=footer_icon)
    else:
        embed.remove_footer()
    if author.name:
        embed.set_author(name=parts.author, url=author.url, icon_url=author.icon_url)
    return embed


def sizes(embed: discord.Embed) -> dict[str, int]:
    """The length of each limited part of an embed, and the total Discord counts."""
    return {
        "title": len(embed.title or ""),
        "description": len(embed.description or ""),
        "field_name": max((len(f.name or "") for f in embed.fields), default=0),
        "field_value": max((len(f.value or "") for f in embed.fields), default=0),
        "fields": len(embed.fields),
        "footer": len(embed.footer.text or ""),
        "author": len(embed.author.name or ""),
        "total": len(embed),
    }


LIMITS = {
    "title": TITLE,
    "description": DESCRIPTION,
    "field_name": FIELD_NAME,
    "field_value": FIELD_VALUE,
    "fields": FIELDS,
    "footer": FOOTER,
    "author": AUTHOR,
    "total": TOTAL,
}

_KEY_PREFIX = "#"


def choice_value(text: str) -> str:
    """An autocomplete value for ``text``: the text itself when short, else a stable key."""
    if len(text) <= CHOICE and not text.startswith(_KEY_PREFIX):
        return text
    return _KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def resolve_choice(value: str, options: Iterable[str]) -> str:
    """The option an autocomplete value stands for; the value itself when it names none."""
    if not value.startswith(_KEY_PREFIX):
        return value
    return next((option for option in options if choice_value(option) == value), value)


def choice(text: str, name: str | None = None) -> discord.app_commands.Choice[str]:
    """An autocomplete choice for ``text``: its name clipped, its value within 100 characters."""
    return discord.app_commands.Choice(name=clip(name or text, CHOICE), value=choice_value(text))


def lines_within(lines: Iterable[str], limit: int) -> str:
    """Whole lines joined while they fit in ``limit``; a line that does not is left out, and an
    ellipsis line says so (a line cut in half could break a Markdown link)."""
    kept: list[str] = []
    used, left_out = 0, False
    room = limit - len(ELLIPSIS) - 1  # keep space for the ellipsis line
    for line in lines:
        cost = len(line) + (1 if kept else 0)
        if used + cost <= room:
            kept.append(line)
            used += cost
        elif not kept:  # one line longer than the whole room: show its start
            kept.append(clip(line, room))
            used, left_out = room, True
        else:
            left_out = True
    if left_out:
        kept.append(ELLIPSIS)
    return clip("\n".join(kept), limit)
