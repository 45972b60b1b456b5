"""Answering through the fake Discord: /ask, mentions, replies, passive channels and forums."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.matcher import Outcome
from bot.discord.client import FaqBot
from bot.discord.embeds import NOT_YET
from cogs.answers import ASK_MAX_CHARS, EMPTY_MENTION, WORDS_PLEASE
from tests.discord_fixtures import (
    World,
    callback_of,
    custom_ids,
    embed_title,
    guild_service,
    reply_to,
    sent_body,
)
from tests.fake_discord import FakeDiscord

EPHEMERAL = 64
TITLE_502 = "How do I fix a 502 Bad Gateway error?"
TITLE_VPS = "What is the difference between a VPS and shared hosting?"


def mention(fake: FakeDiscord, text: str) -> str:
    """Text that mentions the bot."""
    return f"<@{fake.bot_user.id}> {text}"


async def ask_by_mention(fake: FakeDiscord, world: World, text: str, **kw: Any) -> Any:
    """Mention the bot in #general and wait for its reply."""
    message_id = await fake.send_message(
        kw.pop("channel", world.general),
        kw.pop("author", world.alice),
        mention(fake, text),
        mentions=[fake.bot_user],
        **kw,
    )
    return await fake.wait_for_request(reply_to(message_id))


async def nothing_sent(fake: FakeDiscord, count_before: int) -> bool:
    """Prove a negative: after a short wait, no new message call was made."""
    await asyncio.sleep(0.2)
    return not any(r.message_body() is not None for r in fake.requests[count_before:])


async def test_ask_answers_publicly_with_the_entry_embed(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "502 bad gateway after deploy"}, world.alice, world.general
    )
    answer = await fake_discord.wait_for_request(callback_of(iid))
    body = sent_body(answer)
    assert embed_title(answer) == TITLE_502
    assert body["embeds"][0]["footer"]["text"] == "faq: error-502-bad-gateway"
    assert not (body.get("flags") or 0) & EPHEMERAL
    assert [c.split(":")[1] for c in custom_ids(body)] == ["vote", "vote", "dismiss"]


async def test_ask_private_answers_ephemerally(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "vps or shared hosting", "private": True}, world.alice, world.general
    )
    answer = await fake_discord.wait_for_request(callback_of(iid))
    assert embed_title(answer) == TITLE_VPS
    assert sent_body(answer)["flags"] & EPHEMERAL


async def test_ask_without_answer_says_not_yet_privately_and_logs_it(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "how do I configure kubernetes ingress"}, world.alice, world.general
    )
    answer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    assert answer["content"] == NOT_YET and answer["flags"] & EPHEMERAL
    groups = await (await guild_service(faqbot)).groups()
    assert [g.samples for g in groups] == [("how do I configure kubernetes ingress",)]


async def test_ask_with_only_emoji_asks_for_words(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "🔥🔥❓"}, world.alice, world.general
    )
    answer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    assert answer["content"] == WORDS_PLEASE and answer["flags"] & EPHEMERAL
    assert await (await guild_service(faqbot)).groups() == []


async def test_suggestions_pick_shows_the_chosen_answer_in_place(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "how do I back up my database"}, world.alice, world.general
    )
    offer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    assert offer["embeds"][0]["title"] == "Did you mean…"
    ids = custom_ids(offer)
    picks = [c for c in ids if c.startswith("faq:pick:")]
    assert {p.rsplit(":", 1)[1] for p in picks} == {"mysql-backup", "postgres-backup"}
    assert any(c.startswith("faq:none:") for c in ids)
    message_id = fake_discord.response_message_id(iid)
    assert message_id is not None
    pick = next(p for p in picks if p.endswith("postgres-backup"))
    click = await fake_discord.click_button(message_id, pick, world.alice)
    update = await fake_discord.wait_for_request(callback_of(click, kind=7))
    assert embed_title(update) == "How do I back up a PostgreSQL database?"
    vote_id = next(c for c in custom_ids(sent_body(update)) if c.startswith("faq:vote:1:"))
    chosen = await (await guild_service(faqbot)).store.event(int(vote_id.rsplit(":", 1)[1]))
    assert (chosen.outcome, chosen.entry_id, chosen.score) == ("answer", "postgres-backup", None)


async def test_pick_by_someone_else_answers_them_privately(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "how do I back up my database"}, world.alice, world.general
    )
    offer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    pick = next(c for c in custom_ids(offer) if c.endswith("mysql-backup"))
    message_id = fake_discord.response_message_id(iid) or ""
    click = await fake_discord.click_button(message_id, pick, world.mod)
    answer = await fake_discord.wait_for_request(callback_of(click, kind=4))
    assert sent_body(answer)["flags"] & EPHEMERAL
    assert fake_discord.message(message_id)["embeds"][0]["title"] == "Did you mean…"


async def test_none_of_these_logs_the_question_for_review(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "how do I back up my database"}, world.alice, world.general
    )
    offer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    none_id = next(c for c in custom_ids(offer) if c.startswith("faq:none:"))
    click = await fake_discord.click_button(
        fake_discord.response_message_id(iid) or "", none_id, world.alice
    )
    update = sent_body(await fake_discord.wait_for_request(callback_of(click, kind=7)))
    assert update["content"] == NOT_YET and update["components"] == []
    (group,) = await (await guild_service(faqbot)).groups()
    assert group.samples == ("how do I back up my database",)


async def test_mention_gets_a_reply_without_pinging(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    reply = await ask_by_mention(fake_discord, world, "how do I point my domain at my vps")
    assert embed_title(reply) == "How do I point my domain at my VPS?"
    assert reply.json["allowed_mentions"]["replied_user"] is False


async def test_mention_without_answer_says_not_yet(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    reply = await ask_by_mention(fake_discord, world, "is my cat orange?")
    assert reply.json["content"] == NOT_YET


async def test_empty_mention_and_emoji_only_mention_get_a_hint(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    assert (await ask_by_mention(fake_discord, world, "")).json["content"] == EMPTY_MENTION
    emoji = await ask_by_mention(fake_discord, world, "🙂🙂 ✨")
    assert emoji.json["content"] == EMPTY_MENTION
    assert await (await guild_service(faqbot)).groups() == []


async def test_mention_in_a_reply_answers_the_replied_to_message(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    question = await fake_discord.send_message(world.general, world.mod, "vps or shared hosting")
    pointer = await fake_discord.send_message(
        world.general,
        world.alice,
        mention(fake_discord, "this one"),
        mentions=[fake_discord.bot_user],
        reference=question,
    )
    reply = await fake_discord.wait_for_request(reply_to(question))
    assert embed_title(reply) == TITLE_VPS
    assert not fake_discord.requests_to("create_message")[1:]  # no second reply to the pointer
    assert pointer != question


async def test_passive_channel_answers_questions_only(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    before = len(fake_discord.requests)
    await fake_discord.send_message(world.help_desk, world.alice, "thanks everyone, all good now")
    assert await nothing_sent(fake_discord, before)
    question = await fake_discord.send_message(
        world.help_desk, world.alice, "nginx 502 bad gateway"
    )
    assert embed_title(await fake_discord.wait_for_request(reply_to(question))) == TITLE_502


async def test_unconfigured_channel_is_not_passive(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    before = len(fake_discord.requests)
    await fake_discord.send_message(world.general, world.alice, "nginx 502 bad gateway?")
    assert await nothing_sent(fake_discord, before)


async def test_passive_channel_stays_quiet_when_nothing_matches(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    before = len(fake_discord.requests)
    await fake_discord.send_message(world.help_desk, world.alice, "why is my cat orange?")
    assert await nothing_sent(fake_discord, before)
    assert len(await (await guild_service(faqbot)).groups()) == 1  # still logged for review


async def test_passive_channel_stays_quiet_when_only_suggestions_fit(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    assert (await guild_service(faqbot)).preview(
        "how do I back up my database?"
    ).outcome is Outcome.SUGGEST
    before = len(fake_discord.requests)
    await fake_discord.send_message(world.help_desk, world.alice, "how do I back up my database?")
    assert await nothing_sent(fake_discord, before)


async def test_forum_answers_the_opening_post_only(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    thread = await fake_discord.create_thread(
        world.help_forum, world.alice, "Site down", "502 bad gateway after deploy"
    )
    opening = await fake_discord.wait_for_request(reply_to(thread.id))
    assert embed_title(opening) == TITLE_502
    before = len(fake_discord.requests)
    await fake_discord.send_message(thread, world.alice, "how do I point my domain at my vps?")
    assert await nothing_sent(fake_discord, before)


async def test_bots_webhooks_and_itself_are_ignored(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    before = len(fake_discord.requests)
    text = mention(fake_discord, "502 bad gateway?")
    await fake_discord.send_message(world.help_desk, world.other_bot, text)
    await fake_discord.send_message(world.help_desk, world.alice, text, webhook_id="123")
    await fake_discord.send_message(world.help_desk, fake_discord.bot_user, text)
    assert await nothing_sent(fake_discord, before)


async def test_cooldown_silences_passive_and_points_mentions_to_the_answer(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    first = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
    await fake_discord.wait_for_request(reply_to(first))
    before = len(fake_discord.requests)
    await fake_discord.send_message(world.help_desk, world.mod, "nginx 502 bad gateway")
    assert await nothing_sent(fake_discord, before)
    again = await ask_by_mention(
        fake_discord, world, "502 bad gateway after deploy", channel=world.help_desk
    )
    assert again.json["content"].startswith("I answered that here a moment ago")
    assert not again.json.get("embeds")


async def test_cooldown_is_per_channel(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    first = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
    await fake_discord.wait_for_request(reply_to(first))
    other = await ask_by_mention(fake_discord, world, "site down 502", channel=world.general)
    assert embed_title(other) == TITLE_502


async def test_ask_during_cooldown_answers_the_asker_privately(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    first = await fake_discord.send_message(world.help_desk, world.alice, "site down 502")
    await fake_discord.wait_for_request(reply_to(first))
    iid = await fake_discord.slash_command(
        "ask", {"question": "502 bad gateway"}, world.mod, world.help_desk
    )
    answer = sent_body(await fake_discord.wait_for_request(callback_of(iid)))
    assert answer["embeds"][0]["title"] == TITLE_502 and answer["flags"] & EPHEMERAL


async def test_question_with_everyone_and_role_mentions_pings_nobody(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    text = f"@everyone @here <@&{world.moderators.id}> 502 bad gateway after deploy"
    reply = await ask_by_mention(fake_discord, world, text)
    assert embed_title(reply) == TITLE_502
    assert reply.json["allowed_mentions"]["parse"] == []


async def test_zalgo_and_very_long_messages_are_handled(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    zalgo = "".join(ch + "\u0301\u0316\u0357" for ch in "502 bad gateway")
    assert embed_title(await ask_by_mention(fake_discord, world, zalgo)) == TITLE_502
    long_text = "my server logs say " + "lorem ipsum dolor " * 220
    assert len(long_text) > 3900
    reply = await ask_by_mention(fake_discord, world, long_text[:3990], channel=world.help_desk)
    assert reply.status == 200


# A member's story before the question: no question in it, none of the knowledge's words.
STORY = " ".join(
    f"Day {n}: we moved the shop to a new machine and spent the afternoon on the checklist."
    for n in range(1, 31)
)


async def test_ask_takes_a_long_post_and_offers_the_question_asked_after_the_story(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    question = STORY + "\nWhy do I get a 502 bad gateway after every deploy?"
    assert len(STORY) > 2000  # past the 1,000 characters /ask used to accept
    synced = fake_discord.world
    schema = synced.command_named("ask", world.guild.id) or synced.command_named("ask", None)
    assert schema is not None
    limit = next(o for o in schema["options"] if o["name"] == "question")["max_length"]
    assert limit == ASK_MAX_CHARS == 6000

    iid = await fake_discord.slash_command(
        "ask", {"question": question}, world.alice, world.general
    )
    reply = sent_body(await fake_discord.wait_for_request(callback_of(iid)))

    offered = reply["embeds"][0]
    shown = offered.get("footer", {}).get("text", "") + str(custom_ids(reply))
    assert "error-502-bad-gateway" in shown
