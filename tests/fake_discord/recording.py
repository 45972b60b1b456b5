"""What the bot asked of the fake: recorded REST calls, waiting on them, and injected failures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Routes whose body is a message (or, for callbacks, carries one under "data").
MESSAGE_ROUTES = frozenset(
    {
        "create_message",
        "edit_message",
        "interaction_callback",
        "create_followup",
        "edit_webhook_message",
    }
)
# Callback types that carry a message: CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE.
MESSAGE_CALLBACK_TYPES = frozenset({4, 7})


@dataclass(frozen=True)
class RecordedFile:
    """One file uploaded in a multipart request."""

    field: str
    filename: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call the bot made; `route` is the fake's name for it ("unknown" if unmatched)."""

    method: str
    path: str
    route: str
    template: str | None
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedFile] = field(default_factory=list)
    authorization: str | None = None
    time: float = field(default_factory=time.monotonic)
    status: int | None = None

    def message_body(self) -> dict[str, Any] | None:
        """The message this call sends or edits, or None when it carries no message."""
        if self.route not in MESSAGE_ROUTES or not isinstance(self.json, dict):
            return None
        if self.route == "interaction_callback":
            if self.json.get("type") not in MESSAGE_CALLBACK_TYPES:
                return None
            return self.json.get("data")
        return self.json


RequestPredicate = Callable[[RecordedRequest], bool]

_ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "Unknown Message", "code": 10008},
    500: {"message": "500: Internal Server Error", "code": 0},
}


@dataclass
class Failure:
    """An injected failure: the next `times` matching calls get `status` instead of an answer."""

    matches: RequestPredicate
    status: int
    retry_after: float
    times: int
    body: dict[str, Any]

    def headers(self) -> dict[str, str]:
        """Headers Discord sends with this status (429s carry the rate-limit headers and `Via`)."""
        if self.status != 429:
            return {}
        return {
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
            "Via": "1.1 google",
        }

    def encoded_body(self) -> bytes:
        """The JSON error body."""
        return json.dumps(self.body).encode()


def make_failure(
    route: str | RequestPredicate,
    status: int,
    retry_after: float,
    times: int,
    code: int | None,
    message: str | None,
) -> Failure:
    """Build a Failure, matching by route name when `route` is a string."""
    matches = route if callable(route) else (lambda r: r.route == route)
    if status == 429:
        body: dict[str, Any] = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
    else:
        body = dict(_ERROR_BODIES.get(status, {"message": f"{status}", "code": 0}))
    if code is not None:
        body["code"] = code
    if message is not None:
        body["message"] = message
    return Failure(matches, status, retry_after, times, body)


class Recorder:
    """Keeps every REST call and wakes waiters when a new one arrives."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()

    async def record(self, request: RecordedRequest) -> None:
        """Add a call and wake everyone waiting."""
        async with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    async def completed(self, request: RecordedRequest, status: int) -> None:
        """Note the status the fake answered with and wake waiters again."""
        async with self._changed:
            request.status = status
            self._changed.notify_all()

    # A timeout argument (not asyncio.timeout at the call site) keeps test code to one line.
    async def wait_for(self, predicate: RequestPredicate, timeout: float) -> RecordedRequest:  # noqa: ASYNC109
        """Return the first answered call matching `predicate`, waiting up to `timeout` seconds."""

        def first_match() -> RecordedRequest | None:
            return next((r for r in self.requests if r.status and predicate(r)), None)

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: first_match() is not None)
        found = first_match()
        assert found is not None
        return found

    def add_failure(self, failure: Failure) -> None:
        """Queue an injected failure."""
        self._failures.append(failure)

    def take_failure(self, request: RecordedRequest) -> Failure | None:
        """Return (and use up one shot of) the first failure matching this call."""
        for failure in self._failures:
            if failure.matches(request):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def messages_sent(self) -> list[dict[str, Any]]:
        """Bodies of every successful call that sent or edited a message, in order."""
        bodies = []
        for request in self.requests:
            body = request.message_body()
            if body is not None and request.status is not None and request.status < 300:
                bodies.append(body)
        return bodies

    def assert_no_mentions_allowed(self) -> None:
        """Assert every call carrying message content set AllowedMentions.none()."""
        for request in self.requests:
            body = request.message_body()
            if not body or not body.get("content"):
                continue
            where = f"{request.method} {request.path}: {body!r}"
            allowed = body.get("allowed_mentions")
            assert allowed is not None, f"no allowed_mentions in {where}"
            assert allowed.get("parse") == [], f"allowed_mentions.parse is not [] in {where}"
            assert not allowed.get("users"), f"allowed_mentions.users set in {where}"
            assert not allowed.get("roles"), f"allowed_mentions.roles set in {where}"
            assert not allowed.get("replied_user"), f"allowed_mentions.replied_user set in {where}"
