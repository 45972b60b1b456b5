"""Review of unanswered questions (/unanswered) through the fake Discord, and the full loop."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.client import FaqBot
from bot.discord.embeds import NOT_YET
from bot.storage import GroupState
from tests.discord_fixtures import (
    World,
    assert_quiet,
    callback_of,
    custom_ids,
    guild_service,
    reply_to,
    sent_body,
    started_bot,
)
from tests.fake_discord import FakeDiscord

EPHEMERAL, MODAL = 64, 9
UNKNOWN = "id_rsa permission denied publickey"


async def unanswered(fake: FakeDiscord, world: World, text: str = UNKNOWN) -> None:
    """A member's mention that the bot cannot answer (it lands in the review log)."""
    asked = await fake.send_message(
        world.general, world.alice, f"<@{fake.bot_user.id}> {text}", mentions=[fake.bot_user]
    )
    reply = await fake.wait_for_request(reply_to(asked))
    assert reply.json["content"] == NOT_YET


async def run(fake: FakeDiscord, who: Any, world: World, name: str, **options: Any) -> Any:
    """A slash command in #general; its response call."""
    iid = await fake.slash_command(name, options, who, world.general)
    return await fake.wait_for_request(callback_of(iid))


async def only_group(bot: FaqBot) -> int:
    """The id of the only open group."""
    (group,) = await (await guild_service(bot)).groups()
    return group.id


async def test_list_shows_groups_largest_first_with_samples_and_jump_links(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world, "kubernetes ingress setup")
    await unanswered(fake_discord, world, UNKNOWN)
    await unanswered(fake_discord, world, "id_rsa permission denied (publickey)")
    body = sent_body(await run(fake_discord, world.mod, world, "unanswered list"))
    assert body["flags"] & EPHEMERAL
    fields = body["embeds"][0]["fields"]
    assert fields[0]["name"].split(" — ")[1].startswith("2×")
    assert "id\\_rsa permission denied publickey" in fields[0]["value"]
    assert "[jump 1](https://discord.com/channels/" in fields[0]["value"]
    assert fields[1]["name"].split(" — ")[1].startswith("1×")


async def test_show_lists_questions_and_offers_suggested_entries(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world, "ssh keeps asking for a password")
    group = await only_group(faqbot)
    body = sent_body(await run(fake_discord, world.mod, world, "unanswered show", group=group))
    embed = body["embeds"][0]
    assert embed["title"].startswith(f"Unanswered group #{group} (1×")
    assert "ssh keeps asking for a password" in embed["fields"][0]["value"]
    assert f"faq:attach:{group}" in custom_ids(body)


async def test_full_loop_unanswered_then_attached_then_answered(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world, UNKNOWN)
    group = await only_group(faqbot)
    body = sent_body(await run(fake_discord, world.mod, world, "unanswered attach", group=group))
    assert f"faq:attach:{group}" in custom_ids(body)
    menu = await fake_discord.wait_for_request(
        lambda r: r.route == "interaction_callback" and r.json["data"].get("components")
    )
    message_id = fake_discord.response_message_id(menu.params["interaction_id"]) or ""
    pick = await fake_discord.select(
        message_id, f"faq:attach:{group}", ["ssh-key-login"], world.mod
    )
    done = sent_body(await fake_discord.wait_for_request(callback_of(pick)))
    assert f"Attached group #{group} to `ssh-key-login`" in done["content"]
    bob = world.manager
    asked = await fake_discord.send_message(
        world.general,
        bob,
        f"<@{fake_discord.bot_user.id}> {UNKNOWN}",
        mentions=[fake_discord.bot_user],
    )
    answer = await fake_discord.wait_for_request(reply_to(asked))
    assert answer.json["embeds"][0]["title"] == "How do I log in to my server with an SSH key?"


async def test_attach_with_an_entry_id_resolves_the_group(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world)
    group = await only_group(faqbot)
    await run(
        fake_discord, world.mod, world, "unanswered attach", group=group, entry="ssh-key-login"
    )
    assert (await (await guild_service(faqbot)).group(group)).state is GroupState.RESOLVED
    assert UNKNOWN in (await guild_service(faqbot)).get("ssh-key-login").alternates


async def test_create_opens_a_pre_filled_form_and_makes_the_entry(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world, "kubernetes ingress setup")
    group = await only_group(faqbot)
    iid = await fake_discord.slash_command(
        "unanswered create", {"group": group}, world.mod, world.general
    )
    modal = (await fake_discord.wait_for_request(callback_of(iid, kind=MODAL))).json["data"]
    rows = [row.get("component") or row["components"][0] for row in modal["components"]]
    assert {r["custom_id"]: r.get("value") for r in rows}["question"] == "kubernetes ingress setup"
    values = {
        "id": "kubernetes-ingress",
        "question": "How do I set up a Kubernetes ingress?",
        "answer": "Install an ingress controller, then create an Ingress resource.",
        "alternates": "kubernetes ingress setup",
        "tags": "kubernetes",
    }
    submitted = await fake_discord.submit_modal(modal["custom_id"], values, world.mod)
    done = sent_body(await fake_discord.wait_for_request(callback_of(submitted)))
    assert "Created `kubernetes-ingress`" in done["content"]
    assert (await (await guild_service(faqbot)).group(group)).entry_id == "kubernetes-ingress"


async def test_dismiss_then_undo(faqbot: FaqBot, fake_discord: FakeDiscord, world: World) -> None:
    await unanswered(fake_discord, world)
    group = await only_group(faqbot)
    await run(fake_discord, world.mod, world, "unanswered dismiss", group=group)
    assert (await (await guild_service(faqbot)).group(group)).state is GroupState.DISMISSED
    undone = sent_body(await run(fake_discord, world.mod, world, "unanswered undo", group=group))
    assert undone["content"].startswith("Undid action #")
    assert (await (await guild_service(faqbot)).group(group)).state is GroupState.OPEN


async def test_unknown_group_is_a_clear_private_message(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    body = sent_body(await run(fake_discord, world.mod, world, "unanswered show", group=999))
    assert body["flags"] & EPHEMERAL and "no group #999" in body["content"]


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("unanswered list", {}),
        ("unanswered show", {}),
        ("unanswered attach", {"entry": "ssh-key-login"}),
        ("unanswered create", {}),
        ("unanswered dismiss", {}),
        ("unanswered undo", {}),
    ],
)
async def test_non_moderators_are_refused_and_nothing_changes(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World, name: str, extra: dict
) -> None:
    await unanswered(fake_discord, world)
    group = await only_group(faqbot)
    options = extra if name == "unanswered list" else {"group": group} | extra
    body = sent_body(await run(fake_discord, world.alice, world, name, **options))
    assert body["flags"] & EPHEMERAL and "Only moderators" in body["content"]
    assert (await (await guild_service(faqbot)).group(group)).state is GroupState.OPEN
    assert await (await guild_service(faqbot)).store.audit_log() == []


async def test_attach_menu_refuses_a_non_moderator(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await unanswered(fake_discord, world)
    group = await only_group(faqbot)
    call = await run(fake_discord, world.mod, world, "unanswered attach", group=group)
    message_id = fake_discord.response_message_id(call.params["interaction_id"]) or ""
    pick = await fake_discord.select(
        message_id, f"faq:attach:{group}", ["ssh-key-login"], world.alice
    )
    refusal = sent_body(await fake_discord.wait_for_request(callback_of(pick)))
    assert "Only moderators" in refusal["content"]
    assert (await (await guild_service(faqbot)).group(group)).state is GroupState.OPEN


async def test_restart_keeps_moderator_changes_and_the_attach_menu_works(
    fake_discord: FakeDiscord, world: World, settings: Any
) -> None:
    async with started_bot(fake_discord, settings) as bot:
        await unanswered(fake_discord, world)
        await unanswered(fake_discord, world, "kubernetes ingress setup")
        ssh_group = next(
            g.id for g in await (await guild_service(bot)).groups() if "rsa" in g.samples[0]
        )
        await run(fake_discord, world.mod, world, "faq remove", entry="mysql-backup")
        call = await run(fake_discord, world.mod, world, "unanswered attach", group=ssh_group)
        menu_id = fake_discord.response_message_id(call.params["interaction_id"]) or ""
    async with started_bot(fake_discord, settings) as bot:
        assert "mysql-backup" not in {e.id for e in (await guild_service(bot)).entries()}
        pick = await fake_discord.select(
            menu_id, f"faq:attach:{ssh_group}", ["ssh-key-login"], world.mod
        )
        await fake_discord.wait_for_request(callback_of(pick))
        assert UNKNOWN in (await guild_service(bot)).get("ssh-key-login").alternates
    assert_quiet(fake_discord)
