"""End-to-end Discord benchmark: messages in through the fake gateway, replies out as REST calls.

A deterministic 10,000-entry knowledge base, a real SQLite file, the real discord.py client and
the in-repo fake Discord in one process (so the fake's own work is part of every figure).

    python -m benchmarks.discord_bench [--entries 10000] [--messages 1000] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.base.config import DiscordSettings, Settings, StorageSettings
from bot.core.knowledge import Entry, Knowledge
from bot.core.service import KnowledgeService
from bot.discord.client import FaqBot
from tests.fake_discord import FakeDiscord
from tests.fake_discord.fixtures import running

TOPICS = """dns ssl tls nginx apache caddy mysql mariadb postgres redis docker podman kubernetes
ssh sftp firewall ufw iptables backup snapshot email smtp dkim spf dmarc vps vm container php
node python wordpress cpanel plesk cloudflare cdn domain subdomain certificate cron swap disk
memory cpu bandwidth ipv6 ipv4 reverse-proxy load-balancer git deploy logs systemd""".split()
ACTIONS = "configure renew fix install migrate secure restart debug monitor tune check set".split()


def make_knowledge(count: int, seed: int = 7) -> Knowledge:
    """``count`` entries with deterministic phrasings: hosting words plus distinctive ones."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "bo", "de"]
    words = sorted({"".join(rng.choices(syllables, k=3)) for _ in range(4000)})
    entries = []
    for n in range(count):
        action, topic = rng.choice(ACTIONS), rng.choice(TOPICS)
        special = rng.sample(words, 3)
        question = f"How do I {action} {topic} {special[0]} {special[1]}?"
        alternates = (f"{topic} {special[1]} {special[2]} {action}",)
        answer = f"Answer {n}: {action} {topic} with care."
        entries.append(Entry(f"entry-{n}", question, answer, alternates, (topic,)))
    return Knowledge(tuple(entries), {})


async def run(entries: int, messages: int, rate: float) -> None:
    """Build everything, then measure throughput and latency."""
    started = time.perf_counter()
    knowledge = make_knowledge(entries)
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        fake = await stack.enter_async_context(FakeDiscord())
        guild = fake.add_guild("Bench")
        channels = [fake.add_channel(guild, f"help-{n}") for n in range(4)]
        members = [fake.add_member(guild, f"member-{n}") for n in range(50)]
        settings = Settings(
            storage=StorageSettings(database=tmp / "bench.sqlite3"),
            discord=DiscordSettings(
                guilds=(int(guild.id),),
                passive_channels=tuple(int(c.id) for c in channels),
                cooldown_seconds=0.0,
                user_rate_limit=1_000_000,
            ),
        )
        service = await stack.enter_async_context(
            await KnowledgeService.open(settings, knowledge=knowledge)
        )
        bot = FaqBot(settings, service, guild_ready_timeout=0.05)
        await stack.enter_async_context(running(fake, bot))
        print(
            f"setup: {entries} entries indexed, bot ready in {time.perf_counter() - started:.1f} s"
        )
        questions = [e.question for e in knowledge.entries]
        rng = random.Random(11)

        async def send(n: int) -> tuple[str, float]:
            text = rng.choice(questions)
            sent_at = time.monotonic()
            message_id = await fake.send_message(channels[n % 4], members[n % 50], text)
            return message_id, sent_at

        def replies() -> dict[str, float]:
            out = {}
            for request in fake.requests:
                if request.route == "create_message" and request.status == 200:
                    ref = (request.json or {}).get("message_reference") or {}
                    out[str(ref.get("message_id"))] = request.time
            return out

        async def wait_for_replies(ids: set[str]) -> dict[str, float]:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                got = replies()
                if ids <= got.keys():
                    return got
                await asyncio.sleep(0.01)
            raise TimeoutError(f"only {len(ids & replies().keys())} of {len(ids)} replies")

        # Throughput: everything at once, measured from the first event to the last reply.
        begin = time.monotonic()
        sent = [await send(n) for n in range(messages)]
        got = await wait_for_replies({m for m, _ in sent})
        elapsed = max(got[m] for m, _ in sent) - begin
        print(
            f"throughput: {messages} messages in {elapsed:.2f} s = {messages / elapsed:.0f} msg/s"
        )

        # Latency at a steady rate.
        fake.recorder.requests.clear()
        paced = []
        interval = 1.0 / rate
        start = time.monotonic()
        for n in range(messages):
            await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
            paced.append(await send(n))
        got = await wait_for_replies({m for m, _ in paced})
        latencies = sorted((got[m] - t) * 1000 for m, t in paced)
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"latency at {rate:.0f} msg/s over {messages} messages: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms"
        )
        answered = sum(1 for r in fake.requests if r.route == "create_message")
        print(f"replies with an answer embed: {answered}/{messages}")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    asyncio.run(run(args.entries, args.messages, args.rate))


if __name__ == "__main__":
    main()
