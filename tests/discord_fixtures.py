"""Fixtures for the bot's end-to-end tests: settings, a real service and a started FaqBot.

The knowledge is the small YAML folder ``tests/fixtures/discord_kb``; the database is a real
SQLite file in ``tmp_path``. Every test that starts the bot ends with the check that each message,
response and follow-up sent had ``allowed_mentions`` with nothing to parse.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http
import pytest
import pytest_asyncio

from bot.base.config import DiscordSettings, KnowledgeSettings, Settings, StorageSettings
from bot.core.service import KnowledgeService
from bot.discord.client import FaqBot
from tests.fake_discord import FakeDiscord, RecordedRequest
from tests.fake_discord.fixtures import StandardGuild, running
from tests.fake_discord.state import Channel, Member

KB = Path(__file__).parent / "fixtures" / "discord_kb"
Predicate = Callable[[RecordedRequest], bool]


@dataclass(frozen=True)
class World:
    """The standard guild plus a passive help channel, a quiet channel, a bot and a manager."""

    std: StandardGuild
    help_desk: Channel
    other_bot: Member
    manager: Member

    def __getattr__(self, name: str) -> Any:
        return getattr(self.std, name)


@pytest.fixture
def world(fake_discord: FakeDiscord, standard_guild: StandardGuild) -> World:
    """Extra channels and members, added before any bot connects."""
    guild = standard_guild.guild
    managers = fake_discord.add_role(guild, "Admins", permissions=1 << 5)  # manage_guild
    return World(
        std=standard_guild,
        help_desk=fake_discord.add_channel(guild, "hosting-help"),
        other_bot=fake_discord.add_member(guild, "otherbot", bot=True),
        manager=fake_discord.add_member(guild, "manager", roles=[managers]),
    )


def make_settings(tmp_path: Path, world: World, **discord_options: Any) -> Settings:
    """Settings for the fixture knowledge, a database in tmp_path and the test guild."""
    options: dict[str, Any] = {
        "guilds": (int(world.guild.id),),
        "moderator_roles": (int(world.moderators.id),),
        "passive_channels": (int(world.help_desk.id), int(world.help_forum.id)),
        "cooldown_seconds": 300.0,
        "user_rate_limit": 5,
    } | discord_options
    return Settings(
        knowledge=KnowledgeSettings(paths=(KB,)),
        storage=StorageSettings(database=tmp_path / "faqbot.sqlite3"),
        discord=DiscordSettings(**options),
    )


@pytest.fixture
def settings(tmp_path: Path, world: World) -> Settings:
    """The default test settings."""
    return make_settings(tmp_path, world)


@contextlib.asynccontextmanager
async def started_bot(
    fake: FakeDiscord, settings: Settings, **kwargs: Any
) -> AsyncIterator[FaqBot]:
    """A FaqBot with a fresh service, ready against the fake; the endpoints come from settings."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    endpoints = {"api_base_url": fake.api_base, "gateway_url": fake.gateway_url}
    discord_settings = settings.discord.model_copy(update=endpoints)
    settings = settings.model_copy(update={"discord": discord_settings})
    try:
        async with await KnowledgeService.open(settings) as service:
            bot = FaqBot(settings, service, guild_ready_timeout=0.05, **kwargs)
            async with running(fake, bot):
                yield bot
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def guild_service(bot: FaqBot) -> KnowledgeService:
    """The service of the bot's only server: where its members' questions and edits live."""
    (guild,) = bot.guilds
    return await bot.service.community(str(guild.id))


def assert_quiet(fake: FakeDiscord) -> None:
    """Every message the bot sent (text or embeds) had allowed_mentions with nothing to parse."""
    fake.assert_no_mentions_allowed()
    for request in fake.requests:
        body = request.message_body()
        if not body or not (body.get("content") or body.get("embeds")):
            continue
        allowed = body.get("allowed_mentions")
        assert allowed is not None and allowed.get("parse") == [], request.path
        assert not allowed.get("replied_user"), request.path


@pytest_asyncio.fixture
async def faqbot(fake_discord: FakeDiscord, settings: Settings) -> AsyncIterator[FaqBot]:
    """FaqBot started against the fake; the no-mentions check runs after the test."""
    async with started_bot(fake_discord, settings) as bot:
        yield bot
    assert_quiet(fake_discord)


def since(fake: FakeDiscord) -> Callable[[Predicate], Predicate]:
    """Restrict a predicate to calls made from now on."""
    start = len(fake.requests)

    def restrict(predicate: Predicate) -> Predicate:
        def matches(request: RecordedRequest) -> bool:
            return fake.requests.index(request) >= start and predicate(request)

        return matches

    return restrict


def route(name: str) -> Predicate:
    """Calls to one route."""
    return lambda r: r.route == name


def callback_of(interaction_id: str, kind: int | None = None) -> Predicate:
    """The interaction's callback (optionally of one type)."""
    return lambda r: (
        r.route == "interaction_callback"
        and r.params["interaction_id"] == interaction_id
        and (kind is None or r.json["type"] == kind)
    )


def followup_of(interaction_id: str) -> Predicate:
    """A follow-up to the interaction."""
    return lambda r: r.route == "create_followup" and r.params["token"] == f"itok-{interaction_id}"


def reply_to(message_id: str) -> Predicate:
    """A message the bot sent as a reply to this message."""
    return lambda r: (
        r.route == "create_message"
        and str(((r.json or {}).get("message_reference") or {}).get("message_id")) == message_id
    )


def sent_body(request: RecordedRequest) -> dict[str, Any]:
    """The message body of a call (callback data, or the JSON)."""
    body = request.message_body()
    assert body is not None, request
    return body


def embed_title(request: RecordedRequest) -> str | None:
    """The first embed's title of a sent message."""
    embeds = sent_body(request).get("embeds") or []
    return embeds[0].get("title") if embeds else None


def custom_ids(body: dict[str, Any]) -> list[str]:
    """Every component custom_id in a message body."""
    found = []
    for row in body.get("components") or []:
        for component in row.get("components", []):
            if "custom_id" in component:
                found.append(component["custom_id"])
    return found
