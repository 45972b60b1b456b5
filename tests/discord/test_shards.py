"""A sharded bot through the fake: one gateway connection per shard, each guild's events on
its own shard, and answers in every guild (PRODUCT: one process serves thousands of guilds)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.base.config import DiscordSettings, KnowledgeSettings, Settings, StorageSettings
from bot.cli.health import gateway_state
from bot.cli.run import _gateway_connected
from bot.discord.client import IDENTIFY_PERIOD, FaqBot, IdentifyPacer
from tests.discord_fixtures import KB, assert_quiet, embed_title, reply_to, started_bot
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Channel, Member

SHARDS = 2
TITLE_502 = "How do I fix a 502 Bad Gateway error?"


@dataclasses.dataclass(frozen=True)
class Place:
    """A guild's #general and a member who asks there."""

    channel: Channel
    member: Member


async def ask(fake: FakeDiscord, place: Place, text: str) -> str | None:
    """Mention the bot in the place's channel; the title of the answer it replies with."""
    message_id = await fake.send_message(
        place.channel, place.member, f"<@{fake.bot_user.id}> {text}", mentions=[fake.bot_user]
    )
    return embed_title(await fake.wait_for_request(reply_to(message_id)))


async def test_each_shard_connects_and_answers_its_own_guilds(tmp_path: Path) -> None:
    async with FakeDiscord(recommended_shards=SHARDS, identify_concurrency=SHARDS) as fake:
        places = []
        for shard_id in range(SHARDS):
            guild = fake.add_guild(f"guild on shard {shard_id}", shard=(shard_id, SHARDS))
            places.append(
                Place(fake.add_channel(guild, "general"), fake.add_member(guild, "member"))
            )
        settings = Settings(
            knowledge=KnowledgeSettings(paths=(KB,)),
            storage=StorageSettings(database=tmp_path / "faqbot.sqlite3"),
            discord=DiscordSettings(guilds=tuple(int(p.channel.guild_id) for p in places)),
        )
        async with started_bot(fake, settings) as bot:
            assert isinstance(bot, FaqBot)
            assert sorted(i["shard"] for i in fake.identifies) == [[0, SHARDS], [1, SHARDS]]
            assert bot.shard_count == SHARDS and sorted(bot.shards) == [0, 1]
            for shard_id, place in enumerate(places):
                guild = bot.get_guild(int(place.channel.guild_id))
                assert guild is not None and guild.shard_id == shard_id
            assert _gateway_connected(bot)
            for place in places:
                assert await ask(fake, place, "502 bad gateway after deploy") == TITLE_502
            # One shard's connection gone: the bot is no longer healthy.
            await bot.shards[1].disconnect()
            assert not _gateway_connected(bot)
        assert_quiet(fake)


async def test_a_shard_range_runs_only_its_shards_and_reports_only_them(tmp_path: Path) -> None:
    async with FakeDiscord(recommended_shards=1, identify_concurrency=3) as fake:
        places = []
        for shard_id in range(3):
            guild = fake.add_guild(f"guild on shard {shard_id}", shard=(shard_id, 3))
            places.append(
                Place(fake.add_channel(guild, "general"), fake.add_member(guild, "member"))
            )
        settings = Settings(
            knowledge=KnowledgeSettings(paths=(KB,)),
            storage=StorageSettings(database=tmp_path / "faqbot.sqlite3"),
            discord=DiscordSettings(shard_ids=(1, 2), shard_count=3),
        )
        async with started_bot(fake, settings) as bot:
            # Shards 1 and 2 of 3, whatever Discord recommends; shard 0 is another process's.
            assert sorted(i["shard"] for i in fake.identifies) == [[1, 3], [2, 3]]
            assert sorted(bot.shards) == [1, 2] and bot.shard_count == 3
            assert {g.id for g in bot.guilds} == {int(p.channel.guild_id) for p in places[1:]}
            state = gateway_state(bot)
            assert state.shard_count == 3
            assert [(s.id, s.connected) for s in state.shards] == [(1, True), (2, True)]
            assert await ask(fake, places[2], "502 bad gateway after deploy") == TITLE_502


class Clock:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_identify_pacer_waits_only_for_a_busy_bucket() -> None:
    clock = Clock()
    pacer = IdentifyPacer(2, clock=clock, sleep=clock.sleep)
    await pacer.wait(0)
    await pacer.wait(1)  # another bucket: no wait
    assert clock.slept == []
    clock.now += 1.0
    await pacer.wait(2)  # bucket 0 again, 1 s after shard 0
    assert clock.slept == [IDENTIFY_PERIOD - 1.0]
    clock.now += IDENTIFY_PERIOD
    await pacer.wait(3)  # bucket 1 identified long enough ago
    assert clock.slept == [IDENTIFY_PERIOD - 1.0]


async def test_identify_pacer_treats_one_shard_and_bad_limits_as_one_bucket() -> None:
    clock = Clock()
    pacer = IdentifyPacer(0, clock=clock, sleep=clock.sleep)  # a nonsense limit counts as 1
    await pacer.wait(None)
    await pacer.wait(None)  # a re-identify right after: wait out the period
    assert clock.slept == [IDENTIFY_PERIOD]
