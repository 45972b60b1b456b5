"""Answering through the fake Discord: /ask, mentions, replies, passive channels and forums."""

from __future__ import annotations

from bot.client import FaqBot
from tests.discord_fixtures import World, callback_of, embed_title, sent_body
from tests.fake_discord import FakeDiscord


async def test_ask_answers_publicly_with_the_entry_embed(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "502 bad gateway after deploy"}, world.alice, world.general
    )
    answer = await fake_discord.wait_for_request(callback_of(iid))
    assert embed_title(answer) == "How do I fix a 502 Bad Gateway error?"
    assert not (sent_body(answer).get("flags") or 0) & 64
