"""A `faqbot entries ...` command run beside `faqbot run` on the same database reaches the
members the running bot answers: two real processes and the fake Discord."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_run import _environment, _start, _wait_for_heartbeat
from tests.discord_fixtures import KB, callback_of, sent_body
from tests.fake_discord import FakeDiscord
from tests.fake_discord.fixtures import StandardGuild

# From a committed edit to a member's changed answer: the poll (0.5 s) plus a round trip,
# with room for a loaded test machine. The figure (1 s) is measured by the benchmark.
REACH_SECONDS = 5.0
EDITED = """\
id: error-502-bad-gateway
question: How do I fix a 502 Bad Gateway error?
alternates:
  - 502 bad gateway after deploy
answer: Restart the app server (edited from the command line).
tags: [http-errors]
"""
ADDED = """\
id: swap-file
question: How do I add a swap file on my server?
alternates: []
answer: Use fallocate, mkswap and swapon (added for this server only).
tags: [memory]
"""


async def _answer(fake: FakeDiscord, guild: StandardGuild, question: str) -> str:
    """The text of what a member asking ``question`` in the guild is shown."""
    interaction = await fake.slash_command(
        "ask", {"question": question}, guild.alice, guild.general
    )
    body = sent_body(await fake.wait_for_request(callback_of(interaction)))
    embeds = body.get("embeds") or [{}]
    return f"{body.get('content') or ''} {embeds[0].get('description') or ''}"


async def _cli(environ: dict[str, str], *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()[-3000:]


async def _until_answer_has(
    fake: FakeDiscord, guild: StandardGuild, question: str, text: str
) -> str:
    """Ask again until the answer holds ``text`` or ``REACH_SECONDS`` pass; the last answer."""
    deadline = time.monotonic() + REACH_SECONDS
    while text not in (answer := await _answer(fake, guild, question)):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)  # one poll of the member, not a wait for the change
    return answer


@pytest.mark.slow
async def test_cli_edits_reach_the_running_bot_in_the_operator_and_the_server_scope(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    environ = _environment(fake_discord, standard_guild, tmp_path)
    environ["FAQBOT_KNOWLEDGE__PATHS"] = str(KB)
    environ["FAQBOT_LOGGING__LEVEL"] = "WARNING"  # unread until the end: the pipe must not fill
    run = await _start(environ, "run")
    try:
        await _wait_for_heartbeat(tmp_path / "faqbot.heartbeat", run)
        question = "502 bad gateway after deploy"
        assert "proxy got no valid response" in await _answer(
            fake_discord, standard_guild, question
        )
        swap = "how do I add a swap file on my server"
        assert "added for this server only" not in await _answer(fake_discord, standard_guild, swap)

        draft = tmp_path / "edited.yaml"
        draft.write_text(EDITED, encoding="utf-8")
        await _cli(environ, "entries", "edit", "error-502-bad-gateway", "--file", str(draft))
        answer = await _until_answer_has(fake_discord, standard_guild, question, "edited from")
        assert "edited from the command line" in answer

        draft = tmp_path / "added.yaml"
        draft.write_text(ADDED, encoding="utf-8")
        guild = str(standard_guild.guild.id)
        await _cli(environ, "entries", "add", "--file", str(draft), "--guild", guild)
        answer = await _until_answer_has(fake_discord, standard_guild, swap, "added for this")
        assert "added for this server only" in answer
    finally:
        run.terminate()
        _, err = await asyncio.wait_for(run.communicate(), timeout=15)
    assert run.returncode == 0, err.decode()[-3000:]
