"""The responder: every trigger's etiquette, decided once for Discord, the console and any other
front end, with a clock the test controls and a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core.etiquette import Cooldowns, RateLimiter, Trigger
from bot.core.plans import (
    AlreadyAnswered,
    Answer,
    NotYet,
    NoWords,
    RateLimited,
    Request,
    Silent,
    Suggest,
)
from bot.core.responder import Responder
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
ANSWERED = "Should I use a VM or a container?"
UNKNOWN = "where is the cheapest pizza in town"


class Clock:
    """Monotonic seconds moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def service(tmp_path: Path):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )
    async with await KnowledgeService.open(settings) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def responder(service: KnowledgeService, clock: Clock) -> Responder:
    return Responder(service, Cooldowns(60, clock), RateLimiter(2, 30, clock), skip_moderators=True)


def ask(text: str, trigger: Trigger, *, author: str = "7", **extra: object) -> Request:
    return Request(text=text, trigger=trigger, channel="c1", author=author, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("trigger", list(Trigger))
async def test_a_clear_question_is_answered_by_every_trigger(responder, trigger) -> None:
    plan = await responder.respond(ask(ANSWERED, trigger))
    assert isinstance(plan, Answer) and plan.entry.id == "vm-vs-container"
    assert not plan.private


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        (Trigger.ASK, Answer),  # privately
        (Trigger.CONSOLE, Answer),
        (Trigger.MENTION, AlreadyAnswered),
        (Trigger.REPLY, AlreadyAnswered),
        (Trigger.PASSIVE, Silent),
    ],
)
async def test_the_same_entry_again_in_the_cooldown_depends_on_the_trigger(
    responder, trigger, expected
) -> None:
    first = await responder.respond(ask(ANSWERED, Trigger.ASK, author="1"))
    responder.delivered(first, "https://chat.example/m/1")
    again = await responder.respond(ask(ANSWERED, trigger, author="2"))
    assert type(again) is expected
    if isinstance(again, Answer):
        assert again.private
    if isinstance(again, AlreadyAnswered):
        assert again.link == "https://chat.example/m/1"


async def test_the_cooldown_ends_and_is_per_channel(responder, clock) -> None:
    await responder.respond(ask(ANSWERED, Trigger.MENTION, author="1"))
    other = Request(text=ANSWERED, trigger=Trigger.MENTION, channel="c2", author="2")
    assert isinstance(await responder.respond(other), Answer)
    clock.now += 61
    assert isinstance(await responder.respond(ask(ANSWERED, Trigger.MENTION, author="3")), Answer)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        (Trigger.ASK, RateLimited),
        (Trigger.MENTION, Silent),
        (Trigger.PASSIVE, Silent),
        (Trigger.CONSOLE, NotYet),  # the console has no rate limit
    ],
)
async def test_a_member_over_the_rate_limit(responder, trigger, expected) -> None:
    for _ in range(2):
        await responder.respond(ask(UNKNOWN, trigger))
    plan = await responder.respond(ask(UNKNOWN, trigger))
    assert type(plan) is expected
    if isinstance(plan, RateLimited):
        assert 0 < plan.wait <= 30


async def test_the_rate_limit_counts_each_member_in_each_community(responder) -> None:
    for _ in range(2):
        await responder.respond(ask(UNKNOWN, Trigger.ASK, scope="A"))
    assert isinstance(await responder.respond(ask(UNKNOWN, Trigger.ASK, scope="A")), RateLimited)
    assert isinstance(await responder.respond(ask(UNKNOWN, Trigger.ASK, scope="B")), NotYet)


async def test_the_cooldown_holds_in_one_community_only(responder) -> None:
    # Per-server keys are what lets each process keep its servers' state (bot.core.etiquette).
    first = await responder.respond(ask(ANSWERED, Trigger.MENTION, author="1", scope="A"))
    responder.delivered(first, "https://chat.example/m/1")
    again = await responder.respond(ask(ANSWERED, Trigger.MENTION, author="2", scope="A"))
    assert isinstance(again, AlreadyAnswered)
    elsewhere = await responder.respond(ask(ANSWERED, Trigger.MENTION, author="2", scope="B"))
    assert isinstance(elsewhere, Answer)


async def test_passive_mode_never_suggests_and_logs_the_question(responder, service) -> None:
    vague = "domain ssl renew vps"
    addressed = await responder.respond(ask(vague, Trigger.MENTION, author="1"))
    assert isinstance(addressed, Suggest), "the fixture question must be a 'did you mean'"
    passive = await responder.respond(ask(vague + "?", Trigger.PASSIVE, author="2"))
    assert isinstance(passive, Silent)
    groups = await service.groups()
    assert any("domain" in sample for g in groups for sample in g.samples)


async def test_passive_mode_ignores_chatter_and_moderators(responder) -> None:
    assert isinstance(await responder.respond(ask("nice weather today", Trigger.PASSIVE)), Silent)
    moderator = ask(ANSWERED, Trigger.PASSIVE, from_moderator=True)
    assert isinstance(await responder.respond(moderator), Silent)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [(Trigger.ASK, NoWords), (Trigger.MENTION, NoWords), (Trigger.PASSIVE, Silent)],
)
async def test_no_words(responder, trigger, expected) -> None:
    assert type(await responder.respond(ask("<@123> ?!", trigger))) is expected


async def test_not_yet_says_whether_the_question_was_logged(responder) -> None:
    logged = await responder.respond(ask(UNKNOWN, Trigger.ASK, author="1"))
    filler = await responder.respond(ask("hi", Trigger.ASK, author="2"))
    assert isinstance(logged, NotYet) and logged.logged
    assert isinstance(filler, NotYet) and not filler.logged


async def test_stats_count_only_answers_members_saw(responder, service) -> None:
    await responder.respond(ask(ANSWERED, Trigger.MENTION, author="1"))
    await responder.respond(ask(ANSWERED, Trigger.MENTION, author="2"))  # already answered
    await responder.respond(ask(ANSWERED, Trigger.PASSIVE, author="3"))  # silent
    await responder.respond(ask(ANSWERED, Trigger.ASK, author="4"))  # private answer: seen
    stats = await service.stats()
    assert stats.answered == 2


async def test_mentions_are_stripped_before_matching(responder) -> None:
    plan = await responder.respond(ask(f"<@42> {ANSWERED} @everyone", Trigger.MENTION))
    assert isinstance(plan, Answer) and plan.entry.id == "vm-vs-container"
