"""Embeds the bot sends: answers, "did you mean", entries, review groups, test results, stats.

An answer embed holds only curated text (the entry), never the member's words. Review embeds
show moderators the stored (already redacted) questions, escaped and cut to Discord's limits.
Every builder returns through ``limits.fit``, so no embed can pass a Discord limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.core.knowledge import Entry
from bot.core.matcher import Candidate
from bot.discord.limits import (
    DESCRIPTION,
    FIELD_VALUE,
    FOOTER,
    TITLE,
    TOTAL,
    clip,
    fit,
    lines_within,
)
from bot.storage.models import Group, Question, Stats

ANSWER_COLOUR = discord.Colour.blurple()
SUGGEST_COLOUR = discord.Colour.gold()
REVIEW_COLOUR = discord.Colour.orange()
FIELD_LIMIT = FIELD_VALUE
TITLE_LIMIT = TITLE
DESCRIPTION_LIMIT = DESCRIPTION
GROUPS_PER_PAGE = 10
NOT_YET = (
    "I don't have an answer for that yet. I've noted the question so the moderators can add one."
)


def quote(text: str | None, limit: int = 200) -> str:
    """A member's stored text made inert for a moderator's view: escaped, one line, clipped."""
    if text is None:
        return "*(expired)*"
    flat = " ".join(text.split())
    flat = discord.utils.escape_markdown(discord.utils.escape_mentions(flat))
    return clip(flat, limit)


def answer_embed(entry: Entry) -> discord.Embed:
    """The answer: title = the entry's question, body = its answer, links, id in the footer."""
    embed = discord.Embed(
        title=clip(entry.question, TITLE_LIMIT),
        description=clip(entry.answer, DESCRIPTION_LIMIT),
        colour=ANSWER_COLOUR,
    )
    if entry.links:
        lines = [
            f"[{discord.utils.escape_markdown(link.title)}]({link.url})" for link in entry.links
        ]
        embed.add_field(name="Links", value=clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text=f"faq: {entry.id}")
    return fit(embed)


def suggestions_embed(entries: Sequence[Entry]) -> discord.Embed:
    """ "Did you mean": the offered entries' questions, numbered like the buttons."""
    lines = [f"**{n}.** {clip(e.question, 200)}" for n, e in enumerate(entries, 1)]
    embed = discord.Embed(
        title="Did you mean…", description="\n".join(lines), colour=SUGGEST_COLOUR
    )
    embed.set_footer(text="Pick one, or “None of these” so the moderators can add an answer.")
    return fit(embed)


def entry_embed(entry: Entry, *, removed: bool = False) -> discord.Embed:
    """An entry in full for moderators: the answer embed plus phrasings, signatures and tags."""
    embed = answer_embed(entry)
    if removed:
        embed.title = clip(f"[removed] {entry.question}", TITLE_LIMIT)
    if entry.alternates:
        lines = [f"• {quote(a, 120)}" for a in entry.alternates]
        embed.add_field(
            name="Other phrasings", value=lines_within(lines, FIELD_LIMIT), inline=False
        )
    if entry.signatures:
        lines = [f"• {quote(s, 120)}" for s in entry.signatures]
        embed.add_field(name="Signatures", value=lines_within(lines, FIELD_LIMIT), inline=False)
    embed.add_field(name="Tags", value=", ".join(entry.tags) or "none", inline=False)
    return fit(embed)


def entry_list_embed(
    entries: Sequence[Entry], *, tag: str | None, page: int, pages: int, total: int
) -> discord.Embed:
    """One page of entries (id and question), optionally filtered by tag."""
    lines = [f"`{e.id}` {clip(e.question, 120)}" for e in entries] or ["No entries."]
    # The tag is whatever the moderator typed: clipped so the count stays in the title.
    heading = f"Entries tagged {clip(repr(tag), 200)}" if tag else "Entries"
    embed = discord.Embed(
        title=f"{heading} ({total})", description=clip("\n".join(lines), DESCRIPTION_LIMIT)
    )
    embed.set_footer(text=f"page {page} of {pages}")
    return fit(embed)


def candidates_embed(candidates: Sequence[Candidate], outcome: str, why: str) -> discord.Embed:
    """What would match a text: the outcome, and each candidate with its score and reason."""
    embed = discord.Embed(title=f"Outcome: {outcome}", description=clip(why, 1000))
    for candidate in candidates[:10]:
        embed.add_field(
            name=f"{candidate.score:.3f}  {candidate.entry_id}",
            value=clip(candidate.why, FIELD_LIMIT),
            inline=False,
        )
    if not candidates:
        embed.add_field(name="No candidates", value="No entry shares a word with the text.")
    return fit(embed)


def _day(moment: str) -> str:
    return moment[:16].replace("T", " ")


def groups_embed(
    groups: Sequence[Group],
    questions: Mapping[int, Sequence[Question]],
    *,
    page: int,
    more: bool,
) -> discord.Embed:
    """One page of open unanswered groups: size, first and last seen, samples, jump links."""
    embed = discord.Embed(title="Unanswered questions, largest first", colour=REVIEW_COLOUR)
    shown = groups[:GROUPS_PER_PAGE]
    hint = f" · page {page + 1} has more" if more else ""
    embed.set_footer(text=f"page {page}{hint} · /unanswered show <group> for details")
    # Every group of the page gets an equal share of the 6,000 total, so none is dropped.
    share = (TOTAL - len(embed.title or "") - FOOTER // 8) // max(1, len(shown))
    for group in shown:
        lines = [f"• {quote(s, 150)}" for s in group.samples] or ["*(no text kept)*"]
        jumps = [q.origin.jump_url for q in questions.get(group.id, ()) if q.origin.jump_url]
        if jumps:
            lines.insert(1, " ".join(f"[jump {n}]({url})" for n, url in enumerate(jumps, 1)))
        seen = f"{group.size}× · first {_day(group.first_seen)} · last {_day(group.last_seen)}"
        name = f"#{group.id} — {seen}"
        room = min(FIELD_LIMIT, share - len(name))
        embed.add_field(name=name, value=lines_within(lines, room), inline=False)
    if not groups:
        embed.description = "Nothing waiting for review."
    return fit(embed)


def group_embed(
    group: Group, questions: Sequence[Question], suggested: Sequence[Entry]
) -> discord.Embed:
    """One group in detail: every recent question with its jump link, and suggested entries."""
    seen = f"first {_day(group.first_seen)}, last {_day(group.last_seen)}"
    embed = discord.Embed(
        title=f"Unanswered group #{group.id} ({group.size}×, {group.state})",
        description=seen,
        colour=REVIEW_COLOUR,
    )
    lines = []
    for question in questions[:15]:
        link = f" [jump]({question.origin.jump_url})" if question.origin.jump_url else ""
        lines.append(f"• {quote(question.text, 150)}{link} ({question.kind})")
    embed.add_field(
        name="Questions", value=lines_within(lines, FIELD_LIMIT) or "none", inline=False
    )
    if suggested:
        names = [f"`{e.id}` {clip(e.question, 100)}" for e in suggested]
        embed.add_field(
            name="Closest entries", value=lines_within(names, FIELD_LIMIT), inline=False
        )
    if group.entry_id:
        embed.add_field(name="Attached to", value=f"`{group.entry_id}`")
    return fit(embed)


def stats_embed(stats: Stats) -> discord.Embed:
    """Counts of outcomes, the most given entries and their votes, the largest open groups."""
    embed = discord.Embed(
        title=f"Stats since {_day(stats.since)}",
        description=(
            f"answered **{stats.answered}** · suggested **{stats.suggested}** · "
            f"unanswered **{stats.unanswered}**"
        ),
    )
    top = [
        f"`{c.entry_id}` ×{c.answered} (👍 {c.helpful} · 👎 {c.not_helpful})"
        for c in stats.top_entries
    ]
    embed.add_field(
        name="Most given", value=clip("\n".join(top) or "none", FIELD_LIMIT), inline=False
    )
    worst = [f"`{c.entry_id}` 👎 {c.not_helpful} / 👍 {c.helpful}" for c in stats.helpfulness]
    embed.add_field(
        name="Least helpful", value=clip("\n".join(worst) or "none", FIELD_LIMIT), inline=False
    )
    largest = [f"#{g.id} ×{g.size}" for g in stats.largest_groups]
    embed.add_field(name="Largest open groups", value=", ".join(largest) or "none", inline=False)
    return fit(embed)
