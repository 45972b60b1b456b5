"""Two ``faqbot run`` processes, shards 0 and 1 of 2, on one fake Discord (issue 15: shard ranges).

Each runs only its shard, answers only its own servers, exactly once, and keeps answering when
the other is killed. Each has its own SQLite file here; with PostgreSQL they would share one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.cli.processes import ProcessStarter, recorded_questions
from tests.discord_fixtures import KB, embed_title, reply_to
from tests.fake_discord import FakeDiscord
from tests.fake_discord.state import Channel, Member

TITLE_502 = "How do I fix a 502 Bad Gateway error?"
QUESTION = "502 bad gateway after deploy"


@dataclass(frozen=True)
class Place:
    """A server on one shard: its #general and who asks there."""

    guild_id: str
    channel: Channel
    member: Member


def place_on_shard(fake: FakeDiscord, shard: int, asker: Member | None = None) -> Place:
    """A server that Discord routes to ``shard`` of 2, with ``asker`` (or a new member) in it."""
    guild = fake.add_guild(f"server on shard {shard}", shard=(shard, 2))
    if asker is None:
        member = fake.add_member(guild, "asker")
    else:
        member = guild.members[asker.id] = Member(asker.user, guild.id)
    return Place(guild.id, fake.add_channel(guild, "general"), member)


async def ask(fake: FakeDiscord, place: Place, text: str) -> str:
    """Mention the bot with ``text``; the id of the message (answered once the reply is seen)."""
    message_id = await fake.send_message(
        place.channel, place.member, f"<@{fake.bot_user.id}> {text}", mentions=[fake.bot_user]
    )
    reply = await fake.wait_for_request(reply_to(message_id), timeout=30)
    assert embed_title(reply) == TITLE_502
    return message_id


@pytest.mark.slow
async def test_each_process_answers_its_own_shard_once_and_survives_the_other(
    fake_discord: FakeDiscord, processes: ProcessStarter
) -> None:
    fake = fake_discord
    first = place_on_shard(fake, 0)
    # One member in a server on each shard: their rate limit is per server (one question
    # allowed here), so each process counts them alone and both questions are answered.
    second = place_on_shard(fake, 1, asker=first.member)
    config = {"knowledge": {"paths": [str(KB)]}, "discord": {"user_rate_limit": 1}}
    shard_0, shard_1 = await processes(shards=["0", "1"], config=config)

    # Each shard was identified once, by the process that runs it and reports only it.
    assert sorted(identify["shard"] for identify in fake.identifies) == [[0, 2], [1, 2]]
    for bot, shard in ((shard_0, 0), (shard_1, 1)):
        gateway = bot.gateway()
        assert gateway is not None and gateway.shard_count == 2
        assert [(s.id, s.connected) for s in gateway.shards] == [(shard, True)]
    code, out, _ = await shard_1.cli("health")
    assert code == 0 and "shard 1 of 2: 1 connected" in out, out

    asked = [await ask(fake, first, QUESTION), await ask(fake, second, QUESTION)]

    # SIGKILL the process of shard 1: the other one keeps answering its server.
    await shard_1.kill()
    guild = fake.world.guilds[first.guild_id]
    # Another member in another channel (the entry's cooldown holds in #general).
    later = Place(guild.id, fake.add_channel(guild, "help"), fake.add_member(guild, "later"))
    asked.append(await ask(fake, later, f"{QUESTION} again"))
    assert await shard_0.stop() == 0  # graceful: whatever was in flight is finished

    # Exactly one reply to each question, from nobody else.
    for message_id in asked:
        assert len([r for r in fake.requests if reply_to(message_id)(r)]) == 1
    assert await recorded_questions(shard_0.database) == {
        first.guild_id: [QUESTION, f"{QUESTION} again"]
    }
    assert await recorded_questions(shard_1.database) == {second.guild_id: [QUESTION]}
