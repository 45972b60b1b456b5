"""The console renders the responder's plans: truthful "not yet", re-prompts, new questions."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.cli import console
from bot.cli.console import PROMPT, converse
from bot.core.responder import Responder
from bot.core.service import KnowledgeService
from tests.inprocess import CliResult

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


EDITED = """\
id: vm-vs-container
question: Should I use a VM or a container?
alternates:
  - virtual machine or docker container
answer: Edited in another terminal. Containers, unless you need your own kernel.
tags: [vm, containers]
"""
QUESTION = "Should I use a VM or a container?"


@pytest.mark.parametrize("follow", [True, False])
def test_an_edit_made_elsewhere_reaches_the_next_answer(
    tmp_path: Path, cli, monkeypatch, capsys, follow: bool
) -> None:
    database = tmp_path / "faq.sqlite3"
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=database),
    )
    (tmp_path / "edited.yaml").write_text(EDITED, encoding="utf-8")
    env = {"FAQBOT_STORAGE__DATABASE": str(database), "FAQBOT_KNOWLEDGE__PATHS": str(FIXTURES)}
    edits: list[CliResult] = []

    def edit_elsewhere() -> None:
        edits.append(cli("entries", "edit", "vm-vs-container", "--file", "edited.yaml", env=env))

    asked: list[str] = []

    def read(prompt: str) -> str:
        assert prompt == PROMPT
        if len(asked) == 1:
            # The console waits in input() while a curator edits the entry with the CLI: another
            # process in all but name (its own thread, event loop and database connection).
            worker = threading.Thread(target=edit_elsewhere)
            worker.start()
            worker.join()
        if len(asked) == 2:
            raise EOFError
        asked.append(QUESTION)
        return QUESTION

    monkeypatch.setattr(console, "input", read, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    if not follow:  # the control: the same session without the feed keeps the old answer
        monkeypatch.setattr(console, "ChangeFeed", lambda library: None)
    assert console.run_console(settings) == 0
    assert [done.returncode for done in edits] == [0], edits
    first, second = capsys.readouterr().out.split("[answer]")[1:]
    assert "A **VM** runs a whole operating system" in first
    if follow:
        assert "Edited in another terminal" in second
    else:
        assert "A **VM** runs a whole operating system" in second
