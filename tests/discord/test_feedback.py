"""Votes, Dismiss, rate limits, skipping moderators, a 429, a 403, intents and restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord

from bot.discord.client import FaqBot
from bot.storage import QuestionKind
from tests.discord_fixtures import (
    World,
    assert_quiet,
    callback_of,
    custom_ids,
    embed_title,
    guild_service,
    make_settings,
    reply_to,
    route,
    sent_body,
    started_bot,
)
from tests.fake_discord import FakeDiscord

EPHEMERAL = 64


async def answered(
    fake: FakeDiscord, world: World, text: str = "site down 502"
) -> tuple[str, dict]:
    """A passive answer in #hosting-help: the bot message's id and stored body."""
    question = await fake.send_message(world.help_desk, world.alice, text)
    await fake.wait_for_request(reply_to(question))
    message = next(
        m
        for m in fake.world.messages.values()
        if (m.get("message_reference") or {}).get("message_id") == question
    )
    return message["id"], message


def button(message: dict, prefix: str) -> str:
    """The custom_id of the first component starting with prefix."""
    return next(c for c in custom_ids(message) if c.startswith(prefix))


async def test_helpful_vote_is_recorded_and_thanked_privately(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    message_id, message = await answered(fake_discord, world)
    vote = button(message, "faq:vote:1:")
    click = await fake_discord.click_button(message_id, vote, world.mod)
    thanks = sent_body(await fake_discord.wait_for_request(callback_of(click)))
    assert thanks["flags"] & EPHEMERAL and "Thanks" in thanks["content"]
    stats = await (await guild_service(faqbot)).stats()
    assert [(c.entry_id, c.helpful) for c in stats.helpfulness] == [("error-502-bad-gateway", 1)]


async def test_not_helpful_vote_sends_the_question_to_review(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    message_id, message = await answered(fake_discord, world)
    click = await fake_discord.click_button(message_id, button(message, "faq:vote:0:"), world.alice)
    await fake_discord.wait_for_request(callback_of(click))
    (group,) = await (await guild_service(faqbot)).groups()
    questions = await (await guild_service(faqbot)).group_questions(group.id)
    assert [q.kind for q in questions] == [QuestionKind.NOT_HELPFUL]
    assert questions[0].origin.jump_url  # the moderators can jump to the conversation


async def test_dismiss_by_the_asker_deletes_the_answer(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    message_id, message = await answered(fake_discord, world)
    await fake_discord.click_button(message_id, button(message, "faq:dismiss:"), world.alice)
    await fake_discord.wait_for_request(route("delete_webhook_message"))
    assert message_id not in fake_discord.world.messages


async def test_dismiss_by_a_moderator_deletes_the_answer(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    message_id, message = await answered(fake_discord, world)
    await fake_discord.click_button(message_id, button(message, "faq:dismiss:"), world.mod)
    await fake_discord.wait_for_request(route("delete_webhook_message"))
    assert message_id not in fake_discord.world.messages


async def test_dismiss_by_someone_else_is_refused_privately(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    bob = fake_discord.add_member(world.guild, "bob")
    message_id, message = await answered(fake_discord, world)
    click = await fake_discord.click_button(message_id, button(message, "faq:dismiss:"), bob)
    refusal = sent_body(await fake_discord.wait_for_request(callback_of(click)))
    assert refusal["flags"] & EPHEMERAL and "Only moderators" in refusal["content"]
    assert message_id in fake_discord.world.messages


async def test_user_rate_limit_ignores_questions_past_the_limit(
    fake_discord: FakeDiscord, world: World, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, world, user_rate_limit=2, cooldown_seconds=0.0)
    async with started_bot(fake_discord, settings):
        for _ in range(2):
            asked = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
            await fake_discord.wait_for_request(reply_to(asked))
        third = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
        other = await fake_discord.send_message(world.help_desk, world.mod, "site down 502")
        await fake_discord.wait_for_request(reply_to(other))
        await asyncio.sleep(0.2)
        assert not [r for r in fake_discord.requests if reply_to(third)(r)]
        iid = await fake_discord.slash_command(
            "ask", {"question": "502"}, world.alice, world.general
        )
        refusal = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
        assert refusal["flags"] & EPHEMERAL and "asking quickly" in refusal["content"]
    assert_quiet(fake_discord)


async def test_skip_moderators_leaves_their_passive_messages_alone(
    fake_discord: FakeDiscord, world: World, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, world, skip_moderators=True)
    async with started_bot(fake_discord, settings):
        from_mod = await fake_discord.send_message(world.help_desk, world.mod, "site down 502")
        from_manager = await fake_discord.send_message(
            world.help_desk, world.manager, "vps or shared hosting?"
        )
        from_alice = await fake_discord.send_message(
            world.help_desk, world.alice, "how do I point my domain at my vps?"
        )
        await fake_discord.wait_for_request(reply_to(from_alice))
        await asyncio.sleep(0.2)
        replied = [r for r in fake_discord.requests if r.route == "create_message"]
        assert not any(reply_to(m)(r) for r in replied for m in (from_mod, from_manager))
    assert_quiet(fake_discord)


async def test_bot_survives_a_429_and_still_answers(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    fake_discord.fail_next("create_message", 429, retry_after=0.05)
    question = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
    reply = await fake_discord.wait_for_request(lambda r: reply_to(question)(r) and r.status == 200)
    assert [r.status for r in fake_discord.requests_to("create_message")] == [429, 200]
    assert embed_title(reply) == "How do I fix a 502 Bad Gateway error?"


async def test_missing_permission_is_logged_and_the_bot_carries_on(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    fake_discord.fail_next("create_message", 403)
    first = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
    await fake_discord.wait_for_request(lambda r: reply_to(first)(r) and r.status == 403)
    second = await fake_discord.send_message(world.help_desk, world.mod, "vps or shared?")
    assert (await fake_discord.wait_for_request(reply_to(second))).status == 200


async def test_intents_are_minimal_and_without_message_content_passive_is_off(
    fake_discord: FakeDiscord, world: World, settings: object
) -> None:
    async with started_bot(fake_discord, settings, message_content=False) as bot:  # type: ignore[arg-type]
        assert not bot.passive_enabled
        intents = discord.Intents._from_value(fake_discord.identifies[0]["intents"])
        assert intents.guilds and intents.guild_messages
        assert not (intents.message_content or intents.members or intents.presences)
        before = len(fake_discord.requests)
        await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
        await asyncio.sleep(0.2)
        assert not fake_discord.requests[before:]
    assert_quiet(fake_discord)


async def test_commands_sync_to_the_configured_guild_only(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    (synced,) = fake_discord.requests_to("sync_guild_commands")
    assert synced.params["guild_id"] == world.guild.id
    assert {c["name"] for c in synced.json} == {"ask", "faq", "unanswered"}
    faq = next(c for c in synced.json if c["name"] == "faq")
    assert int(faq["default_member_permissions"]) == 1 << 5  # manage_guild
    assert not fake_discord.requests_to("sync_global_commands")


async def test_buttons_keep_working_after_a_restart(
    fake_discord: FakeDiscord, world: World, settings: object
) -> None:
    async with started_bot(fake_discord, settings):  # type: ignore[arg-type]
        message_id, message = await answered(fake_discord, world)
    async with started_bot(fake_discord, settings) as bot:  # type: ignore[arg-type]
        click = await fake_discord.click_button(
            message_id, button(message, "faq:vote:1:"), world.mod
        )
        await fake_discord.wait_for_request(callback_of(click))
        stats = await (await guild_service(bot)).stats()
        assert [c.helpful for c in stats.helpfulness] == [1]
    assert_quiet(fake_discord)
