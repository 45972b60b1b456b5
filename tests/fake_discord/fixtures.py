"""pytest fixtures: a started FakeDiscord, a standard guild in it, and a way to run a bot on it.

Register with `pytest_plugins = ["tests.fake_discord.fixtures"]` in a conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import discord
import pytest_asyncio

from tests.fake_discord.server import FakeDiscord
from tests.fake_discord.state import FORUM_CHANNEL, Channel, Guild, Member, Role

ClientT = TypeVar("ClientT", bound=discord.Client)
READY_TIMEOUT = 5.0


@dataclass(frozen=True)
class StandardGuild:
    """A small guild: #general, a #help forum, a Moderators role, and two people."""

    guild: Guild
    general: Channel
    help_forum: Channel
    moderators: Role
    alice: Member
    mod: Member


def build_standard_guild(fake: FakeDiscord) -> StandardGuild:
    """Add the standard guild to `fake` (before any bot connects)."""
    guild = fake.add_guild("Hosting Help")
    moderators = fake.add_role(guild, "Moderators", permissions=1 << 13)  # manage_messages
    return StandardGuild(
        guild=guild,
        general=fake.add_channel(guild, "general"),
        help_forum=fake.add_channel(guild, "help", type=FORUM_CHANNEL),
        moderators=moderators,
        alice=fake.add_member(guild, "alice"),
        mod=fake.add_member(guild, "mod", roles=[moderators]),
    )


@contextlib.asynccontextmanager
async def running(
    fake: FakeDiscord, client: ClientT, token: str | None = None
) -> AsyncIterator[ClientT]:
    """Run `client` against `fake` until ready; close it and unpatch discord.py on exit."""
    with fake.patched():
        async with client:
            await client.login(fake.token if token is None else token)
            connection = asyncio.create_task(client.connect(), name="fake-connect")
            try:
                await _until_ready(client, connection)
                yield client
            finally:
                await client.close()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(connection, READY_TIMEOUT)


async def _until_ready(client: discord.Client, connection: asyncio.Task[None]) -> None:
    """Wait for on_ready, surfacing a connect() failure (e.g. 4014) instead of hanging."""
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait(
        {ready, connection}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if ready not in done:
        ready.cancel()
        if connection in done:
            connection.result()  # raises what connect() raised
        raise TimeoutError("the bot did not become ready against the fake Discord")


class BotStarter(Protocol):
    """The `start_bot` fixture's type: start a client against the fake and return it."""

    async def __call__(self, client: ClientT, token: str | None = None) -> ClientT:
        """Log in, connect and wait for ready."""
        ...


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with no guilds yet; stopped after the test."""
    async with FakeDiscord() as fake:
        yield fake


@pytest_asyncio.fixture
async def standard_guild(fake_discord: FakeDiscord) -> StandardGuild:
    """The standard guild, added to `fake_discord`."""
    return build_standard_guild(fake_discord)


@pytest_asyncio.fixture
async def start_bot(fake_discord: FakeDiscord) -> AsyncIterator[BotStarter]:
    """`await start_bot(client)` logs in, connects and waits for ready; closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(client: ClientT, token: str | None = None) -> ClientT:
            return await stack.enter_async_context(running(fake_discord, client, token))

        yield start
