"""The REST half of the fake: one catch-all aiohttp handler that records, routes and answers."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fake_discord.limits import invalid_form_body
from tests.fake_discord.recording import RecordedFile, RecordedRequest, Recorder
from tests.fake_discord.routes import Reply, RestHandlers

API_PREFIX = "/api/v10"
# json_or_text in discord.py compares the header for equality; "; charset=utf-8" breaks login.
JSON_HEADERS = {"Content-Type": "application/json"}

Handler = Callable[[RecordedRequest], Awaitable[Reply]]


@dataclass(frozen=True)
class RouteSpec:
    """One REST route: method, Discord's path template, our name for it, and its handler."""

    method: str
    template: str
    name: str
    handler: Handler

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template as a regex with one named group per `{parameter}`."""
        parts = re.split(r"\{(\w+)\}", self.template)
        regex = "".join(
            f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
        return re.compile(regex)


def route_table(h: RestHandlers) -> list[RouteSpec]:
    """Every route the fake answers."""
    message = "/channels/{channel_id}/messages/{message_id}"
    webhook_message = "/webhooks/{application_id}/{token}/messages/{message_id}"
    commands = "/applications/{application_id}/commands"
    guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
    reaction = message + "/reactions/{emoji}/@me"
    return [
        RouteSpec("GET", "/users/@me", "get_me", h.get_me),
        RouteSpec("DELETE", "/users/@me/guilds/{guild_id}", "leave_guild", h.leave_guild),
        RouteSpec("GET", "/oauth2/applications/@me", "get_application", h.get_application),
        RouteSpec("GET", "/gateway", "get_gateway", h.get_gateway),
        RouteSpec("GET", "/gateway/bot", "get_gateway_bot", h.get_gateway_bot),
        RouteSpec("GET", "/channels/{channel_id}", "get_channel", h.get_channel),
        RouteSpec("POST", "/channels/{channel_id}/messages", "create_message", h.create_message),
        RouteSpec("GET", message, "get_message", h.get_message),
        RouteSpec("PATCH", message, "edit_message", h.edit_message),
        RouteSpec("DELETE", message, "delete_message", h.delete_message),
        RouteSpec("POST", "/channels/{channel_id}/typing", "typing", h.no_content),
        RouteSpec("PUT", reaction, "add_reaction", h.no_content),
        RouteSpec("DELETE", reaction, "remove_reaction", h.no_content),
        RouteSpec(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            "interaction_callback",
            h.interaction_callback,
        ),
        RouteSpec("POST", "/webhooks/{application_id}/{token}", "create_followup", h.followup),
        RouteSpec("GET", webhook_message, "get_webhook_message", h.get_webhook_message),
        RouteSpec("PATCH", webhook_message, "edit_webhook_message", h.edit_webhook_message),
        RouteSpec("DELETE", webhook_message, "delete_webhook_message", h.delete_webhook_message),
        RouteSpec("PUT", commands, "sync_global_commands", h.sync_commands),
        RouteSpec("GET", commands, "get_global_commands", h.get_commands),
        RouteSpec("PUT", guild_commands, "sync_guild_commands", h.sync_commands),
        RouteSpec("GET", guild_commands, "get_guild_commands", h.get_commands),
    ]


class RestApi:
    """Turns aiohttp requests into RecordedRequests, applies failures, and runs the handler."""

    def __init__(self, handlers: RestHandlers, recorder: Recorder, token: str) -> None:
        self._routes = [(spec, spec.pattern) for spec in route_table(handlers)]
        self._recorder = recorder
        self._token = token

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler for everything under /api/v10."""
        path = request.path.removeprefix(API_PREFIX)
        spec, params = self._match(request.method, path)
        body, files = await _read_body(request)
        call = RecordedRequest(
            method=request.method,
            path=path,
            route=spec.name if spec else "unknown",
            template=spec.template if spec else None,
            params=params,
            query=dict(request.query),
            json=body,
            files=files,
            authorization=request.headers.get("Authorization"),
        )
        await self._recorder.record(call)
        status, payload, headers = await self._answer(spec, call)
        await self._recorder.completed(call, status)
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            status=status, body=json.dumps(payload).encode(), headers={**headers, **JSON_HEADERS}
        )

    async def _answer(
        self, spec: RouteSpec | None, call: RecordedRequest
    ) -> tuple[int, Any, dict[str, str]]:
        failure = self._recorder.take_failure(call)
        if failure is not None:
            return failure.status, failure.body, failure.headers()
        if spec is None:
            return 404, {"message": "404: Not Found", "code": 0}, {}
        if not self._authorized(call):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        refusal = invalid_form_body(call)
        if refusal is not None:  # checked before the handler: a refused call changes nothing
            return 400, refusal, {}
        status, payload = await spec.handler(call)
        return status, payload, {}

    def _authorized(self, call: RecordedRequest) -> bool:
        # Webhook and interaction routes are authorised by their token and send no header.
        if call.authorization is None:
            return call.route != "get_me"
        return call.authorization == f"Bot {self._token}"

    def _match(self, method: str, path: str) -> tuple[RouteSpec | None, dict[str, str]]:
        for spec, pattern in self._routes:
            match = pattern.fullmatch(path)
            if match and spec.method == method:
                return spec, match.groupdict()
        return None, {}


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """Decode a JSON body, or a multipart one (payload_json plus files[n])."""
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = bytes(await part.read())
                files.append(RecordedFile(part.name or "", part.filename or "", data))
        return body, files
    text = await request.text() if request.can_read_body else ""
    return (json.loads(text) if text else None), []
