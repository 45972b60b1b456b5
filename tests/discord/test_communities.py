"""Two servers, one bot: each community's knowledge, review, stats and moderators are its own.

Server A is the standard guild; server B has its own moderator role and members. B's moderator
holds a role only in B, and B's owner has Manage Server only in B. Everything B does must stay in
B, and ids from A used in B must be refused without changing anything.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.discord.client import FaqBot
from bot.discord.embeds import NOT_YET
from bot.storage import GroupState
from tests.discord_fixtures import (
    World,
    assert_quiet,
    callback_of,
    make_settings,
    reply_to,
    sent_body,
    started_bot,
)
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Channel, Guild, Member

EPHEMERAL = 64
QUESTION = "vps or shared hosting"
UNKNOWN = "how do I tune kubernetes ingress timeouts"
PHISHING = "Log in at https://evil.example to fix it."


@dataclass(frozen=True)
class ServerB:
    """The second community."""

    guild: Guild
    general: Channel
    mod: Member  # has B's moderator role, nothing in A
    owner: Member  # Manage Server in B only
    member: Member


@pytest.fixture
def server_b(fake_discord: FakeDiscord, world: World) -> ServerB:
    guild = fake_discord.add_guild("Other Hosting Club")
    role = fake_discord.add_role(guild, "B mods", permissions=1 << 13)
    managers = fake_discord.add_role(guild, "B owners", permissions=1 << 5)  # manage_guild
    return ServerB(
        guild=guild,
        general=fake_discord.add_channel(guild, "general"),
        mod=fake_discord.add_member(guild, "bmod", roles=[role]),
        owner=fake_discord.add_member(guild, "bowner", roles=[managers]),
        member=fake_discord.add_member(guild, "bob"),
    )


@pytest.fixture
async def bot(fake_discord: FakeDiscord, world: World, server_b: ServerB, tmp_path: Path):
    b_role = next(r for r in server_b.guild.roles.values() if r.name == "B mods")
    settings = make_settings(
        tmp_path,
        world,
        guilds=(int(world.guild.id), int(server_b.guild.id)),
        moderator_roles=(int(world.moderators.id), int(b_role.id)),
    )
    async with started_bot(fake_discord, settings) as started:
        yield started
    assert_quiet(fake_discord)


async def slash(fake: FakeDiscord, who: Member, channel: Channel, name: str, **options: Any):
    """Run a slash command; the body of its first response."""
    iid = await fake.slash_command(name, options, who, channel)
    return sent_body(await fake.wait_for_request(callback_of(iid)))


async def ask(fake: FakeDiscord, who: Member, channel: Channel, question: str) -> dict[str, Any]:
    return await slash(fake, who, channel, "ask", question=question)


async def mention(fake: FakeDiscord, who: Member, channel: Channel, text: str) -> dict[str, Any]:
    asked = await fake.send_message(
        channel, who, f"<@{fake.bot_user.id}> {text}", mentions=[fake.bot_user]
    )
    return (await fake.wait_for_request(reply_to(asked))).json


async def edit_answer(fake: FakeDiscord, who: Member, channel: Channel, answer: str) -> dict:
    """Open /faq edit for vps-vs-shared in ``channel`` and save a new answer."""
    iid = await fake.slash_command("faq edit", {"entry": "vps-vs-shared"}, who, channel)
    modal = (await fake.wait_for_request(callback_of(iid, kind=9))).json["data"]
    values = {}
    for row in modal["components"]:
        for item in row.get("components") or [row.get("component")]:
            if item and item.get("type") == 4:
                values[item["custom_id"]] = item.get("value") or ""
    values["answer"] = answer
    done = await fake.wait_for_request(
        callback_of(await fake.submit_modal(modal["custom_id"], values, who))
    )
    return sent_body(done)


async def test_an_edit_in_b_changes_only_what_b_sees(
    bot: FaqBot, fake_discord: FakeDiscord, world: World, server_b: ServerB
) -> None:
    saved = await edit_answer(fake_discord, server_b.mod, server_b.general, PHISHING)
    assert "Saved `vps-vs-shared`" in saved["content"]
    in_a = await ask(fake_discord, world.alice, world.general, QUESTION)
    in_b = await ask(fake_discord, server_b.member, server_b.general, QUESTION)
    assert "evil.example" not in in_a["embeds"][0]["description"]
    assert in_a["embeds"][0]["description"].startswith("**Shared hosting**")
    assert in_b["embeds"][0]["description"] == PHISHING
    a_service = await bot.service.community(world.guild.id)
    assert await a_service.store.audit_log() == []


async def test_an_entry_added_in_b_answers_only_in_b(
    bot: FaqBot, fake_discord: FakeDiscord, world: World, server_b: ServerB
) -> None:
    b = await bot.service.community(server_b.guild.id)
    data = {
        "id": "ingress-timeouts",
        "question": "How do I tune Kubernetes ingress timeouts?",
        "answer": "Set the proxy timeouts in the ingress annotations.",
        "alternates": ["kubernetes ingress timeouts"],
        "tags": [],
    }
    await b.add_entry(data, "test")
    in_b = await ask(fake_discord, server_b.member, server_b.general, UNKNOWN)
    assert in_b["embeds"][0]["title"] == "How do I tune Kubernetes ingress timeouts?"
    in_a = await ask(fake_discord, world.alice, world.general, UNKNOWN)
    assert in_a["content"] == NOT_YET and not in_a.get("embeds")


async def test_review_and_stats_show_only_the_servers_own_questions(
    bot: FaqBot, fake_discord: FakeDiscord, world: World, server_b: ServerB
) -> None:
    assert (await mention(fake_discord, world.alice, world.general, UNKNOWN))["content"] == NOT_YET
    await ask(fake_discord, world.alice, world.general, QUESTION)
    listed = await slash(fake_discord, server_b.mod, server_b.general, "unanswered list")
    assert UNKNOWN.split()[-1] not in str(listed)
    assert f"channels/{world.guild.id}" not in str(listed)
    stats = await slash(fake_discord, server_b.owner, server_b.general, "faq stats")
    text = str(stats)
    assert "vps-vs-shared" not in text and "kubernetes" not in text
    in_a = await slash(fake_discord, world.mod, world.general, "unanswered list")
    assert "kubernetes" in str(in_a)


async def test_ids_from_another_server_are_refused_and_change_nothing(
    bot: FaqBot, fake_discord: FakeDiscord, world: World, server_b: ServerB
) -> None:
    await mention(fake_discord, world.alice, world.general, UNKNOWN)
    a = await bot.service.community(world.guild.id)
    (group,) = await a.groups()
    for name, options in (
        ("unanswered dismiss", {"group": group.id}),
        ("unanswered show", {"group": group.id}),
        ("unanswered attach", {"group": group.id, "entry": "vps-vs-shared"}),
    ):
        refused = await slash(fake_discord, server_b.owner, server_b.general, name, **options)
        assert refused["flags"] & EPHEMERAL
        assert "no group" in refused["content"].casefold() or "not" in refused["content"]
    assert (await a.group(group.id)).state is GroupState.OPEN
    b = await bot.service.community(server_b.guild.id)
    assert await b.store.audit_log() == [] and await a.store.audit_log() == []


async def test_a_moderator_of_a_is_not_a_moderator_in_b(
    bot: FaqBot, fake_discord: FakeDiscord, world: World, server_b: ServerB
) -> None:
    a_mod_in_b = fake_discord.add_member(server_b.guild, "amod-visiting")
    refused = await slash(fake_discord, a_mod_in_b, server_b.general, "faq stats")
    assert refused["flags"] & EPHEMERAL and "Only moderators" in refused["content"]
    # ... while B's own moderator and B's owner are.
    for who in (server_b.mod, server_b.owner):
        allowed = await slash(fake_discord, who, server_b.general, "faq stats")
        assert "Only moderators" not in str(allowed)


async def test_unlisted_servers_are_left_at_start_and_when_invited(
    fake_discord: FakeDiscord, world: World, server_b: ServerB, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, world, allowed_guilds=(int(world.guild.id),))
    async with started_bot(fake_discord, settings) as started:
        left = await fake_discord.wait_for_request(lambda r: r.route == "leave_guild")
        assert left.params["guild_id"] == server_b.guild.id
        third = fake_discord.add_guild("Uninvited")
        removed = asyncio.ensure_future(
            started.wait_for("guild_remove", check=lambda g: g.id == int(third.id), timeout=5)
        )
        await fake_discord.join_guild(third)
        again = await fake_discord.wait_for_request(
            lambda r: r.route == "leave_guild" and r.params["guild_id"] == third.id
        )
        assert again is not None
        await removed  # GUILD_DELETE reaches the bot after the REST call
        assert [g.id for g in started.guilds] == [int(world.guild.id)]


async def test_an_allow_list_naming_none_of_the_servers_leaves_none(
    fake_discord: FakeDiscord, world: World, server_b: ServerB, tmp_path: Path, caplog
) -> None:
    settings = make_settings(tmp_path, world, allowed_guilds=(12345,))
    async with started_bot(fake_discord, settings) as started:
        assert await started.leave_unlisted() == []
        assert not fake_discord.requests_to("leave_guild")
        assert len(started.guilds) == 2
    assert "names none of the 2 servers" in caplog.text
