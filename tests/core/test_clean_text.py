"""Undecodable input is cleaned where it enters: lone surrogates never reach the database."""

from __future__ import annotations

from pathlib import Path

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.text import REPLACEMENT, clean_text
from bot.core.etiquette import Trigger
from bot.core.matcher import Outcome
from bot.core.plans import Request
from bot.core.responder import Responder
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
UNDECODABLE = b"\xff\xfe hello ssl".decode("utf-8", "surrogateescape")


def test_clean_text_replaces_lone_surrogates_and_keeps_the_rest() -> None:
    assert clean_text(UNDECODABLE) == f"{REPLACEMENT}{REPLACEMENT} hello ssl"
    assert clean_text("caf\u00e9 \U0001f600 ok") == "caf\u00e9 \U0001f600 ok"
    assert clean_text("\ud83d alone") == f"{REPLACEMENT} alone"


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )


async def test_the_service_stores_undecodable_text_replaced(tmp_path: Path) -> None:
    async with await KnowledgeService.open(_settings(tmp_path)) as service:
        event_id, _ = await service.record(UNDECODABLE, Outcome.NONE, unanswered=True)
        event = await service.store.event(event_id)
    assert event.text == clean_text(UNDECODABLE)


async def test_the_responder_answers_undecodable_text_and_records_it_clean(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    async with await KnowledgeService.open(settings) as service:
        responder = Responder.configured(service, settings)
        request = Request(
            text=UNDECODABLE + " certificate", trigger=Trigger.CONSOLE, channel="c", author="a"
        )
        plan = await responder.respond(request)
        event = await service.store.event(plan.event_id)  # type: ignore[union-attr]
    assert REPLACEMENT in (event.text or "")
