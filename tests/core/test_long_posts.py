"""Long posts through the responder: a pasted error past the first thousand characters still
meets the signatures (every trigger, passive too), and a post of any length is answered or
passed over without error, its text read and recorded within bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core.etiquette import Cooldowns, RateLimiter, Trigger
from bot.core.plans import Answer, NotYet, Request, Silent, Suggest
from bot.core.posts import SCORED_CHARS
from bot.core.responder import MAX_POST_CHARS, MAX_QUESTION_CHARS, Responder, post_of
from bot.core.service import KnowledgeService
from tests.shipped import shipped_knowledge

TLS_ENTRY = "ssl-error-rx-record-too-long"
# A member's story before the paste: no question mark, no question word first, no error word,
# so only the pasted line can make a passive reader look at the post.
STORY = (
    "So last weekend I finally moved my little photo blog from the old shared plan to a VPS "
    "that I set up myself, mostly following a long guide from a friend. Nginx is installed, "
    "the PHP part works when I open the server address directly, and the database came over "
    "with all the posts and comments, which took most of Saturday because the export kept "
    "stopping halfway. I also changed the nameservers at my registrar on Sunday morning and "
    "waited the whole day, and now the domain points at the new machine according to the "
    "lookup sites I tried. Then I wanted the padlock back, because the old host did all of "
    "that for me with a button in the panel, so I added a server block for port 443 by "
    "copying the one for port 80 and changing the number, and I reloaded nginx, and it said "
    "the configuration test was fine. My partner opened the site on her laptop and her phone "
    "and I tried my desktop with two browsers, and it is the same everywhere, the page does "
    "not open over https at all, while plain http still shows the blog as before. I looked "
    "through the nginx folder for an hour and compared it with the guide line by line and "
    "honestly I cannot see what is different, the guide never mentions anything more for the "
    "secure part than the port. The old host still has a copy of everything for another month, "
    "so nothing is lost, but the blog has a few hundred readers who come from links that all "
    "start with https, and they see nothing at the moment. Firefox shows a page with a long "
    "code at the bottom and the text about a secure connection, I copied it from the page here"
)
PASTE = "\n```\nSecure Connection Failed\nError code: SSL_ERROR_RX_RECORD_TOO_LONG\n```"
LONG_POST = STORY + PASTE


@pytest.fixture
async def responder(tmp_path: Path):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=()),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )
    async with await KnowledgeService.open(settings, knowledge=shipped_knowledge()) as service:
        yield Responder(service, Cooldowns(60), RateLimiter(5, 30))


def request(text: str, trigger: Trigger) -> Request:
    return Request(text=text, trigger=trigger, channel="c1", author="7")


def test_the_paste_of_the_example_comes_after_the_first_thousand_characters() -> None:
    assert len(STORY) >= 1500
    assert LONG_POST.index("SSL_ERROR_RX_RECORD_TOO_LONG") > SCORED_CHARS


@pytest.mark.parametrize("trigger", [Trigger.ASK, Trigger.PASSIVE])
async def test_an_error_pasted_after_a_long_story_gets_its_entry(responder, trigger) -> None:
    plan = await responder.respond(request(LONG_POST, trigger))
    assert isinstance(plan, Answer) and plan.entry.id == TLS_ENTRY
    assert plan.result is not None and "signature" in plan.result.explanation


async def test_without_the_paste_the_story_alone_is_passed_over_in_passive_mode(responder) -> None:
    assert isinstance(await responder.respond(request(STORY, Trigger.PASSIVE)), Silent)


async def test_a_question_asked_after_the_first_thousand_characters_is_offered(responder) -> None:
    post = STORY + ".\nHow do I renew my SSL certificate?"
    plan = await responder.respond(request(post, Trigger.ASK))
    assert isinstance(plan, Suggest)
    assert "certbot-renewal" in {entry.id for entry in plan.entries}


@pytest.mark.parametrize("trigger", [Trigger.ASK, Trigger.PASSIVE])
async def test_an_error_within_the_read_part_of_an_oversized_post_is_found(
    responder, trigger
) -> None:
    post = LONG_POST + "\n" + "the rest of the access log goes on and on\n" * 1200
    assert len(post) > 50_000
    plan = await responder.respond(request(post, trigger))
    assert isinstance(plan, Answer) and plan.entry.id == TLS_ENTRY


@pytest.mark.parametrize(
    ("trigger", "expected"), [(Trigger.ASK, NotYet), (Trigger.PASSIVE, Silent)]
)
async def test_an_error_past_the_read_part_is_not_looked_for(responder, trigger, expected) -> None:
    padding = "GET /static/photo.jpg 200 from the old shared host log\n" * 1000
    post = padding + PASTE
    assert len(post) > 50_000 and post.index("SSL_ERROR") > MAX_POST_CHARS
    assert type(await responder.respond(request(post, trigger))) is expected


async def test_an_unanswered_long_post_is_recorded_on_one_line_within_bounds(responder) -> None:
    post = ("my nginx vhost acts weird after the move\n" + "x y z " * 2000)[:20_000]
    plan = await responder.respond(request(post, Trigger.ASK))
    assert isinstance(plan, NotYet) and plan.logged
    (group,) = await responder.service.groups()
    (sample,) = group.samples
    assert len(sample) <= MAX_QUESTION_CHARS and "\n" not in sample
    assert sample.startswith("my nginx vhost acts weird after the move x y z")


def test_a_post_keeps_its_lines_and_indentation_without_mentions() -> None:
    post = "<@12> hi   there\n\n```\n    at App.handle (app.js:10)\n```\n@here  how do I fix it?"
    assert post_of(post) == "hi there\n```\n    at App.handle (app.js:10)\n```\nhow do I fix it?"


def test_a_post_is_read_up_to_max_post_chars() -> None:
    assert post_of("a" * (MAX_POST_CHARS + 10)) == "a" * MAX_POST_CHARS
