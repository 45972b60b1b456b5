"""The gateway half of the fake: HELLO, IDENTIFY, READY, heartbeats, RESUME and dispatches."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_discord.payloads import guild_create_payload, member_payload, user_payload
from tests.fake_discord.state import Guild, World

log = logging.getLogger(__name__)

MEMBERS_INTENT = 1 << 1
PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = MEMBERS_INTENT | PRESENCES_INTENT | MESSAGE_CONTENT_INTENT

HEARTBEAT_INTERVAL_MS = 41_250
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014


@dataclass
class GatewayOptions:
    """How strictly the gateway plays Discord's intent rules."""

    token: str
    # Privileged intents "enabled in the developer portal"; asking for others closes with 4014.
    granted_intents: int = PRIVILEGED_INTENTS
    # Blank guild message content for sessions without the message_content intent.
    enforce_message_content: bool = False


@dataclass
class Session:
    """One gateway connection and what it identified with."""

    ws: web.WebSocketResponse
    session_id: str = ""
    intents: int = 0
    shard: tuple[int, int] | None = None
    sequence: int = 0
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def owns(self, guild_id: str | None) -> bool:
        """Whether events of this guild go to this session's shard."""
        if self.shard is None or guild_id is None:
            return self.shard is None or self.shard[0] == 0
        shard_id, shard_count = self.shard
        return (int(guild_id) >> 22) % shard_count == shard_id


class Gateway:
    """Serves /gateway/ websockets and pushes events to every ready session."""

    def __init__(self, world: World, options: GatewayOptions) -> None:
        self.world = world
        self.options = options
        self.url = ""
        self.sessions: list[Session] = []
        self.identifies: list[dict[str, Any]] = []
        self._known_sessions: dict[str, Session] = {}
        self._session_ids = itertools.count(1)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp websocket handler."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = Session(ws)
        self.sessions.append(session)
        try:
            await self._send(
                session, {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
            )
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._on_frame(session, json.loads(frame.data))
        finally:
            self.sessions.remove(session)
        return ws

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: str | None) -> None:
        """Send an event to every ready session whose shard owns `guild_id`."""
        for session in list(self.sessions):
            if session.ready and session.owns(guild_id):
                await self._dispatch_to(session, event, self._as_seen_by(session, event, data))

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every session, as Discord does before moving a connection."""
        for session in list(self.sessions):
            await self._send(session, {"op": 7, "d": None})

    async def close_all(self) -> None:
        """Close every connection (used when the fake stops)."""
        for session in list(self.sessions):
            await session.ws.close(code=1001)

    async def _on_frame(self, session: Session, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            await self._send(session, {"op": 11})
        elif op == 2:
            await self._identify(session, data)
        elif op == 6:
            await self._resume(session, data)
        elif op == 8:
            await self._send_member_chunk(session, data)
        else:
            log.debug("fake gateway ignores op %s", op)

    async def _identify(self, session: Session, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != self.options.token:
            await session.ws.close(
                code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed."
            )
            return
        session.intents = data.get("intents", 0)
        if session.intents & PRIVILEGED_INTENTS & ~self.options.granted_intents:
            await session.ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        if data.get("shard"):
            shard_id, shard_count = data["shard"]
            session.shard = (shard_id, shard_count)
        session.session_id = f"fake-session-{next(self._session_ids)}"
        self._known_sessions[session.session_id] = session
        guilds = [g for g in self.world.guilds.values() if session.owns(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": user_payload(self.world.bot_user),
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.url,
            "application": {"id": self.world.bot_user.id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        await self._dispatch_to(session, "READY", ready)
        session.ready = True
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild_create_payload(guild))

    async def _resume(self, session: Session, data: dict[str, Any]) -> None:
        previous = self._known_sessions.get(data.get("session_id", ""))
        if previous is None or data.get("token") != self.options.token:
            await self._send(session, {"op": 9, "d": False})
            return
        session.session_id = previous.session_id
        session.intents, session.shard = previous.intents, previous.shard
        session.sequence = max(previous.sequence, data.get("seq") or 0)
        self._known_sessions[session.session_id] = session
        session.ready = True
        await self._dispatch_to(session, "RESUMED", {})

    async def _send_member_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild: Guild | None = self.world.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        wanted = {str(i) for i in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.username.lower().startswith(query)
        ]
        chunk = {
            "guild_id": guild.id,
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _as_seen_by(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Blank content like Discord does for a session without the message_content intent."""
        if (
            event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or not self.options.enforce_message_content
            or session.intents & MESSAGE_CONTENT_INTENT
            or "guild_id" not in data
        ):
            return data
        me = self.world.bot_user.id
        if data.get("author", {}).get("id") == me or any(
            u["id"] == me for u in data.get("mentions", [])
        ):
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.sequence += 1
            frame = {"op": 0, "t": event, "s": session.sequence, "d": data}
            if not session.ws.closed:
                await session.ws.send_str(json.dumps(frame))

    async def _send(self, session: Session, frame: dict[str, Any]) -> None:
        async with session.lock:
            if not session.ws.closed:
                await session.ws.send_str(json.dumps({"s": None, "t": None} | frame))
