"""The pure etiquette rules: the question test, cooldowns and the per-user rate limit."""

from __future__ import annotations

import pytest

from bot.core.etiquette import (
    Cooldowns,
    RateLimiter,
    has_words,
    looks_like_question,
    strip_mentions,
)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "text",
    [
        "vps or shared?",
        "How do I point my domain at my VPS",
        "what's a reverse proxy",
        "anyone know a good host",
        "getting 502 bad gateway after deploy",
        "ERR_CONNECTION_REFUSED on my site",
        "ssh: connection timed out",
        "my site is down",
        "mysql won't start after the update",
        "Ẅh̷a̸t̶ is DNS",
    ],
)
def test_questions_and_error_reports_look_like_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    ["thanks, that fixed it", "lol", "🙂🙂🙂", "", "   ", "<@123> <@&456>", "nice server setup"],
)
def test_chatter_does_not_look_like_a_question(text: str) -> None:
    assert not looks_like_question(text)


def test_strip_mentions_removes_users_roles_and_everyone() -> None:
    assert strip_mentions("<@1> <@!2> <@&3> @everyone @here  dns?") == "dns?"


def test_has_words_rejects_emoji_and_combining_marks_only() -> None:
    assert not has_words("🔥 ✨ \u0301\u0316")
    assert has_words("dns 🔥")


def test_cooldown_holds_per_channel_and_entry_until_it_expires() -> None:
    clock = FakeClock()
    cooldowns = Cooldowns(60, clock)
    cooldowns.note(1, "dns", "https://jump")
    assert cooldowns.recent(1, "dns") == "https://jump"
    assert cooldowns.recent(2, "dns") is None
    assert cooldowns.recent(1, "ssl") is None
    clock.now += 60
    assert cooldowns.recent(1, "dns") is None


def test_rate_limit_refuses_past_the_limit_then_recovers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10, clock)
    assert limiter.hit(7) and limiter.hit(7)
    assert not limiter.hit(7)
    assert limiter.retry_after(7) == pytest.approx(10)
    assert limiter.hit(8)  # other users are not affected
    clock.now += 10
    assert limiter.retry_after(7) == 0 and limiter.hit(7)
