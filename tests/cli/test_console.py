"""The console renders the responder's plans: truthful "not yet", re-prompts, new questions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.cli.console import converse
from bot.core.responder import Responder
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
VAGUE = "domain ssl renew vps"  # a "did you mean" between two entries of the fixture


@pytest.fixture
async def responder(tmp_path: Path):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )
    async with await KnowledgeService.open(settings) as service:
        yield Responder.configured(service, settings)


def reader(lines: list[str]) -> tuple[Iterator[str], list[str]]:
    prompts: list[str] = []
    feed = iter(lines)

    def read(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read, prompts  # type: ignore[return-value]


async def talk(responder: Responder, lines: list[str]) -> tuple[str, list[str]]:
    read, prompts = reader(lines)
    out = io.StringIO()
    await converse(responder, read, out)  # type: ignore[arg-type]
    return out.getvalue(), prompts


async def test_a_greeting_gets_a_friendly_line_and_is_not_said_to_be_noted(responder) -> None:
    out, _ = await talk(responder, ["hi"])
    assert "Ask me a hosting question" in out
    assert "noted" not in out


async def test_an_unknown_question_is_said_to_be_noted_because_it_is(responder) -> None:
    out, _ = await talk(responder, ["where is the cheapest pizza in town"])
    assert "noted for the moderators" in out
    assert (await responder.service.groups())[0].size == 1


async def test_a_bad_pick_reprompts_until_a_number_fits(responder) -> None:
    out, prompts = await talk(responder, [VAGUE, "9", "", "1"])
    assert prompts.count("pick a number> ") == 3
    assert "Pick 0 to 2" in out
    assert "certbot renew" in out or "A record" in out


async def test_a_question_typed_at_the_pick_prompt_is_asked(responder) -> None:
    out, _ = await talk(responder, [VAGUE, "Should I use a VM or a container?"])
    assert "[answer] Should I use a VM or a container?" in out
