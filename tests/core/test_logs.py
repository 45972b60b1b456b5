"""Logging: text or JSON lines, one line per match outcome, and no token in any line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import discord
import pytest

from bot.core.logs import MASK, add_secret, log_outcome, scrub, setup_logging
from bot.core.matcher import Candidate, MatchResult, Outcome

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789"
PLAIN_TOKEN = "fake-bot-token-not-token-shaped"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Root logging into a string buffer; the previous handlers come back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _result(outcome: Outcome) -> MatchResult:
    candidates = (
        Candidate("dns-a-record", 0.81, "point my domain", "words"),
        Candidate("dns-propagation", 0.55, "dns slow", "words"),
    )
    return MatchResult(outcome, "how do I point my domain", candidates, "why", candidates)


def test_token_never_appears_in_a_log_line(stream: io.StringIO) -> None:
    setup_logging("DEBUG", "text", stream=stream, secrets=[PLAIN_TOKEN])
    log = logging.getLogger("faqbot.test")
    log.info("connecting with %s", PLAIN_TOKEN)
    log.warning("header Authorization: Bot %s", TOKEN)
    log.debug("token shaped %s in the middle", TOKEN, extra={"detail": TOKEN})
    try:
        raise RuntimeError(f"login failed for {TOKEN} / {PLAIN_TOKEN}")
    except RuntimeError:
        log.exception("boom")
    logging.getLogger("discord.http").error("from discord.py: %r", {"token": PLAIN_TOKEN})
    text = stream.getvalue()
    assert TOKEN not in text and PLAIN_TOKEN not in text
    assert "MTIzNDU2Nzg5MDEyMzQ1Njc4" not in text
    assert text.count(MASK) >= 6
    assert "RuntimeError: login failed for" in text


def test_token_added_after_setup_is_masked_in_json(stream: io.StringIO) -> None:
    setup_logging("INFO", "json", stream=stream)
    add_secret(PLAIN_TOKEN)
    logging.getLogger("bot.cli.run").info("token is %s", PLAIN_TOKEN)
    assert PLAIN_TOKEN not in stream.getvalue()


def test_json_format_writes_one_object_a_line(stream: io.StringIO) -> None:
    setup_logging("INFO", "json", stream=stream)
    logging.getLogger("bot.x").info("hello %s", "world")
    logging.getLogger("bot.x").info("second")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["message"] == "hello world"
    assert first["level"] == "INFO" and first["logger"] == "bot.x"


def test_text_format_is_readable(stream: io.StringIO) -> None:
    setup_logging("INFO", "text", stream=stream)
    logging.getLogger("bot.x").warning("disk %d%% full", 91)
    assert "WARNING bot.x: disk 91% full" in stream.getvalue()


def test_level_hides_lower_records(stream: io.StringIO) -> None:
    setup_logging("WARNING", "text", stream=stream)
    logging.getLogger("bot.x").info("quiet")
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    ("outcome", "entry"),
    [
        (Outcome.ANSWER, "dns-a-record"),
        (Outcome.SUGGEST, "dns-a-record,dns-propagation"),
        (Outcome.NONE, "dns-a-record"),
    ],
)
def test_each_outcome_is_one_line_with_entry_score_and_latency(
    stream: io.StringIO, outcome: Outcome, entry: str
) -> None:
    setup_logging("INFO", "json", stream=stream)
    log_outcome(logging.getLogger("bot.core.service"), _result(outcome), 12.345, "slash")
    (line,) = stream.getvalue().splitlines()
    data = json.loads(line)
    assert data["outcome"] == str(outcome)
    assert data["entry_id"] == entry
    assert data["score"] == 0.81
    assert data["latency_ms"] == 12.3
    assert data["source"] == "slash"
    assert f"entry={entry} score=0.810 latency_ms=12.3" in data["message"]


def test_scrub_leaves_ordinary_text_alone() -> None:
    text = "502 bad gateway from nginx 1.24.0 on example.com:8443"
    assert scrub(text) == text


INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OkdoSmtMbUFiQ2RFZkdoSWpLbE1u"


@pytest.mark.parametrize(
    "line",
    [
        # discord.py's rate-limit warning names the route, interaction token included
        f"We are being rate limited. POST https://discord.com/api/v10/interactions/"
        f"123456789012345678/{INTERACTION_TOKEN}/callback responded with 429",
        f"PATCH /webhooks/987654321098765432/{INTERACTION_TOKEN}/messages/@original failed",
        f"GET https://example.com/hook?token={INTERACTION_TOKEN}&x=1",
        f"redirect to /login?code={INTERACTION_TOKEN}",
    ],
    ids=["interaction-route", "webhook-route", "token-query", "code-query"],
)
def test_tokens_in_urls_are_masked(stream: io.StringIO, line: str) -> None:
    setup_logging("DEBUG", "text", stream=stream)
    logging.getLogger("discord.http").warning("%s", line)
    text = stream.getvalue()
    assert INTERACTION_TOKEN not in text
    assert MASK in text


def test_nested_extra_values_are_scrubbed(stream: io.StringIO) -> None:
    setup_logging("INFO", "json", stream=stream)
    route = f"/interactions/123/{INTERACTION_TOKEN}/callback"
    logging.getLogger("bot.x").info(
        "request",
        extra={"request": {"headers": {"Authorization": f"Bot {TOKEN}"}, "path": [route]}},
    )
    (line,) = stream.getvalue().splitlines()
    assert TOKEN not in line and INTERACTION_TOKEN not in line
    data = json.loads(line)
    assert data["request"]["path"] == [f"/interactions/123/{MASK}/callback"]


async def test_debug_logging_does_not_write_member_text(stream: io.StringIO, tmp_path) -> None:
    from bot.storage import OPERATOR_SCOPE, Store

    setup_logging("DEBUG", "text", stream=stream)
    question = "my landlord's name is Zebulon Quickfoot and my vps is down"
    async with await Store.open(tmp_path / "faq.sqlite3") as store:
        await store.scoped(OPERATOR_SCOPE).log_question(question, question.split())
    assert "Zebulon" not in stream.getvalue()
    assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO


def test_discord_voice_warnings_are_silenced_and_other_warnings_kept(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_logging("INFO", "text", stream=stream)
    # discord.py warns once per process; make this client the first, whatever ran before.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    discord.Client(intents=discord.Intents.none())
    assert discord.VoiceClient.warn_nacl is False  # the warning was emitted, and dropped
    logging.getLogger("discord.client").warning("shard 0 disconnected")
    text = stream.getvalue()
    assert "voice will NOT be supported" not in text
    assert "PyNaCl" not in text
    assert "shard 0 disconnected" in text
