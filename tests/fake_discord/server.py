"""FakeDiscord: an aiohttp server on 127.0.0.1 playing Discord's REST API and gateway."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Self

from aiohttp import web

from tests.fake_discord.events import Events
from tests.fake_discord.gateway import PRIVILEGED_INTENTS, Gateway, GatewayOptions
from tests.fake_discord.patching import patch_discord
from tests.fake_discord.recording import (
    Failure,
    RecordedRequest,
    Recorder,
    RequestPredicate,
    make_failure,
)
from tests.fake_discord.rest import API_PREFIX, RestApi
from tests.fake_discord.routes import RestHandlers
from tests.fake_discord.state import (
    DEFAULT_EVERYONE_PERMISSIONS,
    TEXT_CHANNEL,
    Channel,
    Guild,
    Member,
    Role,
    Snowflakes,
    User,
    World,
)

DEFAULT_TOKEN = "fake-bot-token"


class FakeDiscord(Events):
    """A fake Discord for one test: build the world, start it, point discord.py at it."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "FaqBot",
        granted_intents: int = PRIVILEGED_INTENTS,
        enforce_message_content: bool = False,
        recommended_shards: int = 1,
        identify_concurrency: int = 1,
    ) -> None:
        ids = Snowflakes()
        bot_user = User(id=ids.next(), username=bot_name, bot=True)
        self.token = token
        self.world = World(ids=ids, bot_user=bot_user, users={bot_user.id: bot_user})
        self.recorder = Recorder()
        self.gateway = Gateway(
            self.world, GatewayOptions(token, granted_intents, enforce_message_content)
        )
        handlers = RestHandlers(
            self.world,
            self.gateway.dispatch,
            lambda: self.gateway.url,
            recommended_shards=recommended_shards,
            identify_concurrency=identify_concurrency,
        )
        self._rest = RestApi(handlers, self.recorder, token)
        self._runner: web.AppRunner | None = None
        self.api_base = ""
        self.gateway_url = ""

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a random port of 127.0.0.1 and set `api_base` and `gateway_url`."""
        app = web.Application()
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest.handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_base = f"http://127.0.0.1:{port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway/"
        self.gateway.url = self.gateway_url

    async def stop(self) -> None:
        """Close gateway connections and the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and gateway URL here for the duration of the block."""
        with patch_discord(self.api_base, self.gateway_url):
            yield

    # -- building the world ----------------------------------------------------------------------

    @property
    def bot_user(self) -> User:
        """The application's bot user."""
        return self.world.bot_user

    def add_guild(
        self,
        name: str,
        *,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild with @everyone, an owner, and the bot as a member.

        ``shard=(k, n)`` gives it an id that Discord routes to shard k of n.
        """
        ids = self.world.ids
        guild_id = ids.next()
        while shard is not None and (int(guild_id) >> 22) % shard[1] != shard[0]:
            guild_id = ids.next()
        owner = self._new_user(f"{name}-owner", bot=False)
        guild = Guild(id=guild_id, name=name, owner_id=owner.id)
        guild.roles[guild_id] = Role(guild_id, guild_id, "@everyone", everyone_permissions)
        self.world.guilds[guild_id] = guild
        guild.members[owner.id] = Member(owner, guild_id)
        guild.members[self.bot_user.id] = Member(self.bot_user, guild_id)
        return guild

    def add_role(self, guild: Guild, name: str, *, permissions: int = 0) -> Role:
        """Add a role above the existing ones."""
        role = Role(self.world.ids.next(), guild.id, name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Guild,
        name: str,
        *,
        roles: list[Role] | None = None,
        bot: bool = False,
        flags: int = 0,
    ) -> Member:
        """Add a new user to the guild with these roles."""
        member = Member(self._new_user(name, bot=bot), guild.id, [r.id for r in roles or []], flags)
        guild.members[member.id] = member
        return member

    def add_channel(
        self, guild: Guild, name: str, *, type: int = TEXT_CHANNEL, parent: Channel | None = None
    ) -> Channel:
        """Add a channel (0 text, 4 category, 15 forum) at the next position."""
        position = len(guild.channels)
        channel_id = self.world.ids.next()
        parent_id = parent.id if parent else None
        channel = Channel(channel_id, guild.id, name, type, position, parent_id=parent_id)
        guild.channels[channel.id] = channel
        return channel

    def message(self, message_id: str) -> dict[str, Any]:
        """The stored message (as the REST API would return it)."""
        return self.world.messages[message_id]

    def response_message_id(self, interaction_id: str) -> str | None:
        """The id of the message the bot's response to this interaction created or updated."""
        return self.world.interactions[interaction_id].original_message_id

    def _new_user(self, name: str, *, bot: bool) -> User:
        user = User(self.world.ids.next(), name, bot=bot)
        self.world.users[user.id] = user
        return user

    # -- recording and failures ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST call so far, in order."""
        return self.recorder.requests

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """The calls made to one route name (e.g. "create_message")."""
        return [r for r in self.requests if r.route == route]

    async def wait_for_request(
        self,
        predicate: RequestPredicate | str,
        timeout: float = 5,  # noqa: ASYNC109 - one line per wait in tests
    ) -> RecordedRequest:
        """Wait until an answered call matches (a predicate or a route name) and return it."""
        matches = predicate if callable(predicate) else (lambda r: r.route == predicate)
        return await self.recorder.wait_for(matches, timeout)

    def messages_sent(self) -> list[dict[str, Any]]:
        """Bodies of every message the bot sent or edited (channel, callback, followup, edit)."""
        return self.recorder.messages_sent()

    def assert_no_mentions_allowed(self) -> None:
        """Assert every call carrying content had AllowedMentions.none()."""
        self.recorder.assert_no_mentions_allowed()

    def fail_next(
        self,
        route: RequestPredicate | str,
        status: int = 429,
        *,
        retry_after: float = 0.05,
        times: int = 1,
        code: int | None = None,
        message: str | None = None,
    ) -> Failure:
        """Answer the next `times` matching calls with this error, shaped like Discord's."""
        failure = make_failure(route, status, retry_after, times, code, message)
        self.recorder.add_failure(failure)
        return failure

    async def request_reconnect(self) -> None:
        """Ask connected clients to reconnect (op 7); they come back with RESUME."""
        await self.gateway.request_reconnect()

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """Every IDENTIFY payload received (intents, shard, token...)."""
        return self.gateway.identifies
