"""Logging: human-readable lines by default, JSON lines on request, and never a secret.

``setup_logging`` installs one handler on the root logger. Its ``SecretFilter`` rewrites every
record that reaches the handler, whatever logger it came from (discord.py, aiohttp, ours): the
message, its arguments, the exception text and the stack are rendered, then the token itself and
anything shaped like a token are replaced by ``[secret]``. ``log_outcome`` writes the one line
every answer, suggestion and miss gets.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import IO, Any

from bot.core.matcher import MatchResult, Outcome

log = logging.getLogger(__name__)

MASK = "[secret]"
MIN_SECRET_LENGTH = 8
# Discord bot tokens (three dot-separated base64url parts), JWTs, and Authorization header values.
_TOKEN_SHAPED = re.compile(r"[\w-]{20,}\.[\w-]{6,}\.[\w-]{20,}")
_AUTH_HEADER = re.compile(
    r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:bot|bearer)\s+)[^\s'\",}]+"
)
_BOT_PREFIX = re.compile(r"(?i)\b((?:bot|bearer) )[\w-]{24,}(?:\.[\w-]+)*")
# Interaction and webhook tokens sit in URL paths (discord.py's 429 warning logs the route):
# /interactions/ID/TOKEN/callback, /webhooks/ID/TOKEN/messages/@original.
_PATH_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d{1,25}/)[^/\s?#'\"]{1,2000}")
_QUERY_TOKEN = re.compile(
    r"(?i)([?&](?:token|access_token|refresh_token|api_key|key|secret|password|code)=)"
    r"[^&\s#'\"]{1,2000}"
)
# Loggers that write member text at DEBUG (aiosqlite logs every SQL parameter) or drown ours.
QUIET_LOGGERS = ("discord", "aiosqlite")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and goes into JSON.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and anything token-shaped replaced by ``[secret]``."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:  # masking "a" everywhere would garble every line
            text = text.replace(secret, MASK)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _BOT_PREFIX.sub(lambda m: m.group(1) + MASK, text)
    text = _PATH_TOKEN.sub(lambda m: m.group(1) + MASK, text)
    text = _QUERY_TOKEN.sub(lambda m: m.group(1) + MASK, text)
    return _TOKEN_SHAPED.sub(MASK, text)


def _scrub_value(value: Any, secrets: Iterable[str]) -> Any:
    """A value passed with ``extra=``, scrubbed at any depth (dicts, lists, tuples, sets)."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {key: _scrub_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(item, secrets) for item in value]
    return value


class SecretFilter(logging.Filter):
    """Render each record's message, exception and stack, then scrub secrets from all three."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def add_secret(self, secret: str) -> None:
        """Also mask this exact value (the token, once it is read from the environment)."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = scrub(message, self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self._secrets)
        for key, value in vars(record).items():
            if key not in _STANDARD:
                setattr(record, key, _scrub_value(value, self._secrets))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        data: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class NoVoiceFilter(logging.Filter):
    """Drop discord.py's "PyNaCl/davey is not installed, voice will NOT be supported" warnings.

    faqbot never joins a voice channel, so the missing voice libraries are expected, and a
    warning at every start would teach operators to ignore warnings. Installed on the
    ``discord.client`` logger, which logs them when a client is created; its other records pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the voice-support warnings only."""
        return not str(record.msg).endswith("voice will NOT be supported")


def _silence_voice_warnings() -> None:
    voice_logger = logging.getLogger("discord.client")
    if not any(isinstance(f, NoVoiceFilter) for f in voice_logger.filters):
        voice_logger.addFilter(NoVoiceFilter())


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    *,
    stream: IO[str] | None = None,
    secrets: Iterable[str] = (),
) -> SecretFilter:
    """Send every log record to ``stream`` (stderr) as text or JSON, scrubbed; return the filter."""
    _silence_voice_warnings()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    secret_filter = SecretFilter(secrets)
    handler.addFilter(secret_filter)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # discord.py at DEBUG logs every gateway payload, aiosqlite every SQL parameter (member
    # text): our DEBUG should neither drown in the one nor write the other.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
    return secret_filter


def add_secret(secret: str) -> None:
    """Mask ``secret`` in every handler that ``setup_logging`` installed."""
    for handler in logging.getLogger().handlers:
        for item in handler.filters:
            if isinstance(item, SecretFilter):
                item.add_secret(secret)


def log_outcome(
    logger: logging.Logger, result: MatchResult, latency_ms: float, source: str
) -> None:
    """Log one answer, suggestion or miss as a single line with entry id, score and latency."""
    if result.outcome is Outcome.ANSWER:
        entry_id = result.entry_id or "-"
    elif result.outcome is Outcome.SUGGEST:
        entry_id = ",".join(c.entry_id for c in result.suggestions) or "-"
    else:
        entry_id = result.best.entry_id if result.best else "-"
    logger.info(
        "%s entry=%s score=%.3f latency_ms=%.1f source=%s",
        result.outcome,
        entry_id,
        result.score,
        latency_ms,
        source,
        extra={
            "event": "match",
            "outcome": str(result.outcome),
            "entry_id": entry_id,
            "score": round(result.score, 4),
            "latency_ms": round(latency_ms, 1),
            "source": source,
        },
    )
