"""Every embed builder, filled with the longest input the knowledge schema and the store allow,
stays within each of Discord's embed limits (property tests), and fit() says what it dropped."""

from __future__ import annotations

from collections.abc import Iterator

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.entries import MAX_ANSWER, MAX_ID, MAX_LINK_TITLE, MAX_PHRASING, MAX_QUESTION
from bot.core.knowledge import Entry, Link
from bot.core.matcher import Candidate
from bot.discord import embeds
from bot.discord.limits import LIMITS, fit, sizes
from bot.storage.models import EntryCount, Group, GroupState, Origin, Question, QuestionKind, Stats

# Markdown and mention characters make escaping grow the text; the rest is plain and wide.
ALPHABET = st.sampled_from("ab _*`~|>@#\\<:&é🙂")
SLUG = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=4).map(
    lambda chunk: (chunk * MAX_ID)[:MAX_ID]
)
MOMENT = "2026-01-31T12:00:00.000+00:00"
SNOWFLAKE = "1234567890123456789"
JUMP = f"https://discord.com/channels/{SNOWFLAKE}/{SNOWFLAKE}/{SNOWFLAKE}"
MEASURED: dict[str, dict[str, int]] = {}
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


def long_text(limit: int) -> st.SearchStrategy[str]:
    """Text at (or just under) a limit: the longest a curator or member can store.

    A drawn chunk repeated to length keeps Hypothesis's input small, so it can still shrink.
    """
    return st.builds(
        lambda chunk, short: ("x" + chunk * limit)[: limit - short],
        st.text(ALPHABET, min_size=1, max_size=16),
        st.integers(0, 3),
    )


def entries(count: int, many: int = 30) -> st.SearchStrategy[list[Entry]]:
    """Entries with every field at its schema maximum and ``many`` phrasings, tags and links."""
    link = st.builds(Link, long_text(MAX_LINK_TITLE), st.just(JUMP + "?" + "q" * 500))
    entry = st.builds(
        Entry,
        id=SLUG,
        question=long_text(MAX_QUESTION),
        answer=long_text(MAX_ANSWER),
        alternates=st.lists(long_text(MAX_PHRASING), min_size=many, max_size=many).map(tuple),
        tags=st.lists(long_text(MAX_PHRASING), min_size=many, max_size=many).map(tuple),
        links=st.lists(link, min_size=many, max_size=many).map(tuple),
    )
    return st.lists(entry, min_size=count, max_size=count)


def groups(count: int, sample: int = 4000) -> st.SearchStrategy[list[Group]]:
    """Review groups with huge sizes and three long (member-written) samples each."""
    group = st.builds(
        Group,
        id=st.integers(10**8, 10**9),
        state=st.sampled_from(GroupState),
        size=st.integers(10**5, 10**6),
        first_seen=st.just(MOMENT),
        last_seen=st.just(MOMENT),
        entry_id=SLUG,
        tokens=st.just(()),
        samples=st.lists(long_text(sample), min_size=3, max_size=5).map(tuple),
    )
    return st.lists(group, min_size=count, max_size=count)


def questions(group_id: int, count: int = 20) -> list[Question]:
    """Logged questions of a group, each with its jump link; the text is filled per test."""
    return [
        Question(
            id=n,
            group_id=group_id,
            kind=QuestionKind.NOT_HELPFUL,
            text="@everyone " + "word " * 800,
            created_at=MOMENT,
            origin=Origin(SNOWFLAKE, SNOWFLAKE, SNOWFLAKE, SNOWFLAKE, JUMP),
        )
        for n in range(count)
    ]


def check(builder: str, embed: discord.Embed) -> None:
    """Assert every limit, and keep the largest size seen of each part for the report."""
    measured = sizes(embed)
    for part, limit in LIMITS.items():
        assert measured[part] <= limit, (builder, part, measured[part])
    for field in embed.fields:
        assert field.name and field.value, builder  # Discord refuses empty names and values
    seen = MEASURED.setdefault(builder, dict.fromkeys(LIMITS, 0))
    for part, size in measured.items():
        seen[part] = max(seen[part], size)


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """Print the largest sizes measured (run with -s -p no:xdist to see them)."""
    yield
    for builder, seen in sorted(MEASURED.items()):
        print(builder, " ".join(f"{part}={size}" for part, size in seen.items()))


@EXAMPLES
@given(entries(1), st.booleans())
def test_answer_and_entry_embeds_stay_within_limits(found: list[Entry], removed: bool) -> None:
    (entry,) = found
    check("answer_embed", embeds.answer_embed(entry))
    check("entry_embed", embeds.entry_embed(entry, removed=removed))


@EXAMPLES
@given(entries(25, many=0), long_text(6000), st.integers(1, 10**6))
def test_lists_of_entries_stay_within_limits(found: list[Entry], tag: str, page: int) -> None:
    check("suggestions_embed", embeds.suggestions_embed(found))
    listed = embeds.entry_list_embed(found, tag=tag, page=page, pages=page, total=10**6)
    check("entry_list_embed", listed)
    assert listed.title and listed.title.endswith("(1000000)")


@EXAMPLES
@given(st.lists(long_text(4000), min_size=30, max_size=30), long_text(6000), long_text(1000))
def test_candidates_embed_stays_within_limits(whys: list[str], why: str, outcome: str) -> None:
    found = [Candidate("e" * MAX_ID, 1.0, w[:300], w) for w in whys]
    check("candidates_embed", embeds.candidates_embed(found, outcome, why))


@EXAMPLES
@given(groups(30), st.booleans())
def test_groups_embed_keeps_every_group_of_the_page_within_limits(
    found: list[Group], more: bool
) -> None:
    logged = {g.id: questions(g.id, 4) for g in found}
    embed = embeds.groups_embed(found, logged, page=10**6, more=more)
    check("groups_embed", embed)
    assert len(embed.fields) == embeds.GROUPS_PER_PAGE  # a page never hides one of its groups


@EXAMPLES
@given(groups(1), entries(5, many=0), long_text(4000))
def test_group_embed_stays_within_limits(
    found: list[Group], suggested: list[Entry], text: str
) -> None:
    (group,) = found
    logged = [Question(**{**q.__dict__, "text": text}) for q in questions(group.id, 30)]
    check("group_embed", embeds.group_embed(group, logged, suggested))


@EXAMPLES
@given(groups(25, sample=10), st.lists(SLUG, min_size=25, max_size=25))
def test_stats_embed_stays_within_limits(largest: list[Group], ids: list[str]) -> None:
    counts = tuple(EntryCount(i, 10**9, 10**9, 10**9) for i in ids)
    stats = Stats(MOMENT, MOMENT, 10**9, 10**9, 10**9, counts, counts, tuple(largest))
    check("stats_embed", embeds.stats_embed(stats))


def test_the_issue_s_unanswered_page_fits() -> None:
    # The report's case: eight groups of four ~165-character questions with jump links.
    samples = tuple("why " + "x" * 161 for _ in range(4))
    found = [Group(n, GroupState.OPEN, 4, MOMENT, MOMENT, None, (), samples) for n in range(1, 9)]
    logged = {g.id: questions(g.id, 4) for g in found}
    embed = embeds.groups_embed(found, logged, page=1, more=False)
    assert len(embed) <= 6000 and len(embed.fields) == 8
    assert all("[jump 4](" in f.value for f in embed.fields)  # whole links, never cut


def test_fit_drops_whole_trailing_fields_and_says_how_many() -> None:
    embed = discord.Embed(title="t", description="d" * 4000)
    embed.set_footer(text="page 1")
    for n in range(30):
        embed.add_field(name=f"field {n}", value="v" * 1000)
    fit(embed)
    assert len(embed) <= 6000
    assert [f.name for f in embed.fields] == ["field 0"]  # whole fields, in order
    assert embed.footer.text == "page 1 · … 29 more not shown"


def test_fit_clips_each_part_with_a_visible_ellipsis() -> None:
    embed = discord.Embed(title="T" * 300, description="D" * 5000)
    embed.set_author(name="A" * 300)
    embed.add_field(name="N" * 300, value="V" * 2000)
    fit(embed)
    assert embed.title == "T" * 255 + "…"
    assert embed.author.name == "A" * 255 + "…"
    assert embed.fields[0].name == "N" * 255 + "…" and embed.fields[0].value == "V" * 1023 + "…"
    assert len(embed) <= 6000 and (embed.description or "").endswith("…")
