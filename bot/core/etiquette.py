"""When the bot may speak: the question test, cooldowns and per-user rate limits.

Pure functions and small classes with an injectable clock, so the rules are tested without
Discord. The Discord layer asks these before it answers; none of them imports discord.

Where this state lives when several processes share the bot (``discord.shard_ids``): in the
memory of the process that runs the server's shard, and nowhere else. Every key is scoped to
one server (``Request.member_key`` is server/member, ``Request.cooldown_key`` server/channel),
Discord sends all of a server's events to one shard, and the bot answers nowhere but in
servers (no DMs; ``/ask`` is guild-only), so no key spans two processes and none needs the
shared database. The price is deliberate, and the same in one process: a member's rate limit
is per server, so someone asking in servers on different shards has one allowance in each;
that limit exists to keep one server's channels from being flooded, which a per-server count
does. A shared counter would put a database write on every question for no member-visible
gain. A restart, or a new shard layout, starts the counts afresh, as a restart always has.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from enum import StrEnum

Clock = Callable[[], float]

QUESTION_WORDS = frozenset(
    """how what why when where which who whom whose can could should would will is are am was
    were do does did has have had any anyone anybody may might shall help""".split()
)
# Words and shapes that mean "something is broken" even without a question mark.
ERROR_PATTERN = re.compile(
    r"""\b(?:[45]\d\d\b|err_[a-z_]+|error|errors|failed|failing|fails|refused|denied|
    timed?\s?out|timeout|not\s+working|doesn'?t\s+work|won'?t\s+(?:start|load|work|connect)|
    can'?t\s+(?:connect|access|reach|login|log\s+in)|unable\s+to|broken|down)\b""",
    re.IGNORECASE | re.VERBOSE,
)
WORD = re.compile(r"[a-z']+")
MENTION = re.compile(r"<@[!&]?\d+>|@everyone|@here")


class Trigger(StrEnum):
    """How a question reached the bot."""

    ASK = "ask"
    MENTION = "mention"
    REPLY = "reply"
    PASSIVE = "passive"
    CONSOLE = "console"


def _plain(text: str) -> str:
    """Text without combining marks (zalgo) or format characters, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
    return "".join(kept).casefold().replace("\u2019", "'")


def looks_like_question(text: str) -> bool:
    """Whether a message is worth matching in passive mode: ?, a question word, or an error."""
    plain = _plain(MENTION.sub(" ", text)).strip()
    if not any(ch.isalnum() for ch in plain):
        return False
    if "?" in plain:
        return True
    words = WORD.findall(plain)
    if words and words[0].split("'")[0] in QUESTION_WORDS:  # "what's" starts with "what"
        return True
    return ERROR_PATTERN.search(plain) is not None


def strip_mentions(text: str) -> str:
    """The text with user, role, @everyone and @here mentions removed and spaces collapsed."""
    return " ".join(MENTION.sub(" ", text).split())


def has_words(text: str) -> bool:
    """Whether the text has any letter or digit (not just emoji, punctuation or marks)."""
    return any(ch.isalnum() for ch in _plain(text))


class Cooldowns:
    """Remembers when each entry was last answered in each channel (of one server)."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[tuple[str, str], tuple[float, str | None]] = {}

    def recent(self, channel: str, entry_id: str) -> str | None:
        """The jump URL (or "") of this entry's answer in this channel within the cooldown."""
        seen = self._last.get((channel, entry_id))
        if seen is None or self._clock() - seen[0] >= self.seconds:
            return None
        return seen[1] or ""

    def note(self, channel: str, entry_id: str, jump_url: str | None = None) -> None:
        """Remember that this entry was just answered here."""
        now = self._clock()
        if len(self._last) > 10_000:  # forget expired keys now and then; memory stays bounded
            self._last = {k: v for k, v in self._last.items() if now - v[0] < self.seconds}
        self._last[(channel, entry_id)] = (now, jump_url)


class RateLimiter:
    """At most ``limit`` questions per key (a member in one server) in any ``period`` seconds.

    A sliding window, counted in this process only (see the module's docstring).
    """

    def __init__(self, limit: int, period: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, member: str) -> float:
        """Seconds until this user may ask again (0 when they may ask now)."""
        hits = self._trimmed(member)
        if len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[0] + self.period - self._clock())

    def hit(self, member: str) -> bool:
        """Count one question; False (and not counted) when the user is over the limit."""
        hits = self._trimmed(member)
        if len(hits) >= self.limit:
            return False
        hits.append(self._clock())
        return True

    def _trimmed(self, member: str) -> deque[float]:
        hits = self._hits.setdefault(member, deque())
        cutoff = self._clock() - self.period
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits
