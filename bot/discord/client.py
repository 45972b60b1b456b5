"""FaqBot: the discord.py Bot that carries the settings and the knowledge service to the cogs.

Everything is built by the caller (``faqbot run``, the tests, the benchmark) and injected here;
``setup_hook`` loads the extensions (failing fast; each registers its persistent buttons) and syncs
the slash commands to the configured guilds. Global sync is only ``faqbot sync``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
import discord.gateway
import discord.http
import yarl
from discord.ext import commands

from bot.base.config import DISCORD_API, DISCORD_GATEWAY, DiscordSettings, Settings
from bot.base.errors import UserError
from bot.core.responder import Responder
from bot.discord.tree import NO_MENTIONS, FaqTree

if TYPE_CHECKING:
    from bot.core.service import KnowledgeService

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.answers", "cogs.faq", "cogs.review")
IDENTIFY_PERIOD = 5.0  # Discord: one IDENTIFY per rate-limit bucket every 5 seconds


class IdentifyPacer:
    """Paces IDENTIFYs as Discord allows: shard k is in bucket ``k % max_concurrency``, and each
    bucket may identify once every ``IDENTIFY_PERIOD`` seconds. discord.py's default waits 5 s
    before every identify after the first, which makes a 100-shard start take 8 minutes.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self._clock = clock
        self._sleep = sleep
        self._last: dict[int, float] = {}  # bucket -> when it last identified

    async def wait(self, shard_id: int | None) -> None:
        """Return when ``shard_id`` may identify, and count it as identifying now."""
        bucket = (shard_id or 0) % self.max_concurrency
        last = self._last.get(bucket)
        if last is not None:
            delay = last + IDENTIFY_PERIOD - self._clock()
            if delay > 0:
                await self._sleep(delay)
        self._last[bucket] = self._clock()


def apply_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at a REST or gateway proxy when the settings name one."""
    if settings.api_base_url.rstrip("/") != DISCORD_API:
        log.info("using the REST API at %s", settings.api_base_url)
        discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    if settings.gateway_url.rstrip("/") != DISCORD_GATEWAY.rstrip("/"):
        log.info("using the gateway at %s", settings.gateway_url)
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def choose_intents(*, message_content: bool) -> discord.Intents:
    """Guilds and guild messages; message content only when asked for (no members, no DMs)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


class FaqBot(commands.AutoShardedBot):
    """The faqbot Discord client, sharded as Discord recommends (one shard below 2,500 guilds).

    ``discord.shard_ids`` and ``discord.shard_count`` make it run only those shards of that many,
    so that several processes share one bot (each server's events reach only its shard's
    process); unset, it runs them all.
    """

    def __init__(
        self,
        settings: Settings,
        service: KnowledgeService,
        *,
        guild_ready_timeout: float = 2.0,
        message_content: bool = True,
        responder: Responder | None = None,
    ) -> None:
        apply_endpoints(settings.discord)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=choose_intents(message_content=message_content),
            allowed_mentions=NO_MENTIONS,
            tree_cls=FaqTree,
            guild_ready_timeout=guild_ready_timeout,
            max_messages=1000,
            shard_ids=list(settings.discord.shard_ids) if settings.discord.shard_ids else None,
            shard_count=settings.discord.shard_count,
        )
        self.settings = settings
        self.service = service
        self.message_content = message_content
        self._pacer: IdentifyPacer | None = None
        self.responder = responder or Responder.configured(service, settings)
        if not message_content:
            log.warning(
                "message content intent is off: passive answering is disabled and replies "
                "are only read when they mention the bot (enable 'Message Content Intent' "
                "in the Developer Portal to answer in help channels)"
            )

    async def community_of(self, interaction: discord.Interaction) -> KnowledgeService:
        """The service of the community (server) an interaction comes from."""
        if interaction.guild_id is None:
            raise UserError("This works only in a server.")
        return await self.service.community(str(interaction.guild_id))

    def allows(self, guild_id: int | None) -> bool:
        """Whether the operator lets this server use the bot (no allow-list: every server)."""
        allowed = self.settings.discord.allowed_guilds
        return not allowed or guild_id in allowed

    async def leave_unlisted(self) -> list[int]:
        """Leave every server not on ``discord.allowed_guilds``; the ids left.

        Leaving cannot be undone: when the list names none of the servers the bot is in, it is
        taken for a typo, nothing is left, and the error says why.
        """
        allowed = set(self.settings.discord.allowed_guilds)
        if not allowed or not self.guilds:
            return []
        if not allowed & {guild.id for guild in self.guilds}:
            log.error(
                "discord.allowed_guilds names none of the %d servers the bot is in; leaving "
                "none (a typo must not empty the bot): check the list",
                len(self.guilds),
            )
            return []
        left = []
        for guild in list(self.guilds):
            if guild.id not in allowed:
                log.warning(
                    "leaving server %s (%s): not in discord.allowed_guilds", guild.id, guild
                )
                await guild.leave()
                left.append(guild.id)
        return left

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server: stay only if the operator allows it."""
        if not self.allows(guild.id):
            await self.leave_unlisted()

    @property
    def passive_enabled(self) -> bool:
        """Whether passive answering can run (channels configured and content readable)."""
        return self.message_content and bool(self.settings.discord.passive_channels)

    async def setup_hook(self) -> None:
        """Load the extensions (any failure stops start-up) and sync the commands."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_guilds()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify each shard as soon as Discord's ``max_concurrency`` allows."""
        if self._pacer is None:
            _, _, limit = await self.http.get_bot_gateway()
            self._pacer = IdentifyPacer(int(limit.get("max_concurrency", 1)))
        await self._pacer.wait(shard_id)

    async def sync_guilds(self) -> None:
        """Copy the commands to each configured guild and sync them there (instant updates)."""
        for guild_id in self.settings.discord.guilds:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)

    async def sync_global(self) -> int:
        """Sync the commands globally (``faqbot sync``; Discord may take an hour to show them)."""
        synced = await self.tree.sync()
        log.info("synced %d commands globally", len(synced))
        return len(synced)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: answering lives in the answers cog's listener."""

    async def on_ready(self) -> None:
        """Log who we are and where, and leave the servers the operator does not allow."""
        user = self.user
        log.info("ready as %s (%s) in %d guilds", user, user.id if user else "?", len(self.guilds))
        await self.leave_unlisted()
