"""``faqbot run`` and ``faqbot sync``: the only commands that talk to Discord.

The discord layer is imported inside the handlers, so the rest of the command line (and the
core) never loads discord.py. Shutdown on SIGTERM or SIGINT:

1. stop reading the gateway (every shard), so no new event is dispatched;
2. wait (up to ``DRAIN_SECONDS``) for the event handlers, slash commands, buttons and modals
   already running, so every member who was answered has their answer recorded;
3. close the Discord connection, stop following other processes' changes, close the store;
   remove the heartbeat; exit 0.

While it runs, a ``ChangeFeed`` applies the knowledge changes other processes make to the same
database (``faqbot entries ...``, another bot process) within ``storage.poll_seconds``.

A failure ends with one line on stderr and an exit code a supervisor can act on:
``EXIT_RETRY`` (75) when Discord cannot be reached, where a restart later may help, and
``EXIT_DO_NOT_RESTART`` (78) for a missing or rejected token, a refused intent, or a bad
configuration, knowledge or database, which no restart fixes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from bot.base.config import Settings
from bot.base.errors import ConfigError, FaqbotError
from bot.base.shards import describe_shards
from bot.cli.arguments import EXIT_DO_NOT_RESTART, EXIT_RETRY, failure_line
from bot.cli.drain import drain
from bot.cli.health import Heartbeat, gateway_state, heartbeat_path
from bot.core.changes import ChangeFeed
from bot.core.logs import add_secret
from bot.core.retention import DailyExpiry, Sleep
from bot.semantic.encoder import ModelError

if TYPE_CHECKING:
    from bot.core.service import KnowledgeService
    from bot.discord.client import FaqBot

log = logging.getLogger(__name__)

TOKEN_VARIABLE = "DISCORD_TOKEN"
DRAIN_SECONDS = 7.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class TokenMissing(Exception):
    """DISCORD_TOKEN is not set."""


def read_token(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """The bot token from the environment (TokenMissing when absent or blank)."""
    token = (os.environ if environ is None else environ).get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise TokenMissing(
            f"{TOKEN_VARIABLE} is not set: copy the bot token from the Discord developer portal "
            f"(Applications > your app > Bot > Reset Token) and export {TOKEN_VARIABLE}=..."
        )
    return token


def _gateway_connected(bot: FaqBot) -> bool:
    """Ready, and every shard's gateway connection is open."""
    shards = bot.shards.values()
    return (
        bot.is_ready()
        and not bot.is_closed()
        and bool(shards)
        and not any(shard.is_closed() for shard in shards)
    )


async def _stop_reading(bot: FaqBot, connection: asyncio.Task[None]) -> None:
    """No new events: stop the shard supervisor and close every shard's gateway connection.

    Replies to work in flight go over REST, so they still get through while it drains.
    """
    connection.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await connection
    for shard in bot.shards.values():
        with contextlib.suppress(Exception):
            await shard.disconnect()


def start_retention(
    service: KnowledgeService, *, sleep: Sleep = asyncio.sleep
) -> asyncio.Task[None]:
    """The task that expires old question text once a day, by the store's clock."""
    daily = DailyExpiry(service.expire_old_text, clock=service.store.clock, sleep=sleep)
    return asyncio.create_task(daily.run(), name="faqbot-retention")


async def serve(settings: Settings, token: str) -> int:
    """Run the bot until SIGTERM/SIGINT or a fatal gateway error; the exit status."""
    from bot.core.service import KnowledgeService
    from bot.discord.client import FaqBot

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    # Installed first, so a `docker stop` during start-up also ends cleanly.
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, _on_signal, stop, signum)
    try:
        service = await KnowledgeService.open(settings, background=True)
        retention = start_retention(service)
        changes = ChangeFeed(service.library)
        changes.start()
        try:
            async with FaqBot(settings, service) as bot:
                await bot.login(token)  # discord.LoginFailure when the token is rejected
                if stop.is_set():
                    return 0
                return await _connected(bot, settings, stop)
        finally:
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            await changes.stop()
            await service.close()
            log.info("store closed")
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def _connected(bot: FaqBot, settings: Settings, stop: asyncio.Event) -> int:
    """Connect, beat, and wait for ``stop``; then shut down in order."""
    import discord

    heartbeat = Heartbeat(
        heartbeat_path(settings),
        lambda: _gateway_connected(bot),
        gateway=lambda: gateway_state(bot),
        status=lambda: f"matching: {bot.service.library.progress().line()}",
    )
    log.info(
        "running %s", describe_shards(settings.discord.shard_ids, settings.discord.shard_count)
    )
    connection = asyncio.create_task(bot.connect(reconnect=True), name="faqbot-gateway")
    stopping = asyncio.create_task(stop.wait(), name="faqbot-stop")
    heartbeat.start()
    try:
        await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connection.done():
            error = connection.exception()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                log.error(
                    "Discord refused the message content intent: enable 'Message Content "
                    "Intent' under Bot in the developer portal"
                )
                return EXIT_DO_NOT_RESTART
            if error is not None:
                log.error("the gateway connection failed: %s", error, exc_info=error)
            return EXIT_RETRY
        log.info("shutting down: no new events; finishing work in flight")
        await _stop_reading(bot, connection)
        left = await drain(DRAIN_SECONDS)
        log.info("in-flight work done (%d cancelled); closing the connection", left)
        return 0
    finally:
        stopping.cancel()
        await heartbeat.stop()
        await bot.close()


def _on_signal(stop: asyncio.Event, signum: int) -> None:
    if stop.is_set():
        return
    log.info("received %s", signal.Signals(signum).name)
    stop.set()


REJECTED = (
    f"faqbot: Discord rejected the token in {TOKEN_VARIABLE}: reset it in the developer "
    "portal (Bot > Reset Token) and export the new one"
)
RETRY_HINT = f"a restart may help once Discord is reachable (exit {EXIT_RETRY})"
FIX_HINT = f"fix this first: a restart will not help (exit {EXIT_DO_NOT_RESTART})"


def _reason(error: BaseException) -> str:
    """The cause of a connection failure in a few words (the OS's, when there is one)."""
    cause = getattr(error, "os_error", None) or error
    return getattr(cause, "strerror", None) or str(cause) or type(cause).__name__


def _with_token(settings: Settings, work: Callable[[str], Coroutine[object, object, int]]) -> int:
    """Read the token and run ``work(token)``; a failure is one line and a telling exit code."""
    import aiohttp
    import discord

    try:
        token = read_token()
    except TokenMissing as exc:
        print(f"faqbot: {exc}; {FIX_HINT}", file=sys.stderr)
        return EXIT_DO_NOT_RESTART
    add_secret(token)
    url = settings.discord.api_base_url
    try:
        return asyncio.run(work(token))
    except discord.LoginFailure:
        print(f"{REJECTED}; {FIX_HINT}", file=sys.stderr)
        return EXIT_DO_NOT_RESTART
    except aiohttp.InvalidURL as exc:
        print(f"faqbot: discord.api_base_url {url!r} is not usable: {exc}; {FIX_HINT}",
              file=sys.stderr)  # fmt: skip
        return EXIT_DO_NOT_RESTART
    except (aiohttp.ClientError, TimeoutError, discord.DiscordServerError) as exc:
        print(f"faqbot: cannot reach Discord at {url}: {_reason(exc)}; {RETRY_HINT}",
              file=sys.stderr)  # fmt: skip
        return EXIT_RETRY
    except discord.HTTPException as exc:
        print(f"faqbot: Discord at {url} answered {exc.status}: {exc.text or exc}; {FIX_HINT}",
              file=sys.stderr)  # fmt: skip
        return EXIT_DO_NOT_RESTART
    except (FaqbotError, OSError) as exc:
        line = failure_line(exc, settings.storage)
        print(f"faqbot: {line}; {FIX_HINT}", file=sys.stderr)
        return EXIT_DO_NOT_RESTART
    except ModelError as exc:  # the operator asked for hybrid matching: never silently less
        print(f"faqbot: {exc} ({FIX_HINT})", file=sys.stderr)
        return EXIT_DO_NOT_RESTART


def do_not_restart(args: argparse.Namespace, error: ConfigError) -> int:
    """``run``/``sync`` with a configuration that cannot load: one line, exit 78."""
    print(f"faqbot: configuration error: {error}; {FIX_HINT}", file=sys.stderr)
    return EXIT_DO_NOT_RESTART


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return _with_token(settings, lambda token: serve(settings, token))


async def sync_commands(settings: Settings, token: str) -> int:
    """Log in (no gateway), sync the slash commands globally; the number synced."""
    from bot.core.service import KnowledgeService
    from bot.discord.client import FaqBot

    async with await KnowledgeService.open(settings) as service, FaqBot(settings, service) as bot:
        await bot.login(token)
        return await bot.sync_global()


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    async def sync(token: str) -> int:
        count = await sync_commands(settings, token)
        print(f"synced {count} commands globally (Discord may take up to an hour to show them)")
        return 0

    return _with_token(settings, sync)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``run`` and ``sync`` to the ``faqbot`` parser."""
    run = sub.add_parser("run", help="connect to Discord and answer (needs DISCORD_TOKEN)")
    run.set_defaults(handler=_run, on_config_error=do_not_restart)
    sync = sub.add_parser("sync", help="register the slash commands globally (needs DISCORD_TOKEN)")
    sync.set_defaults(handler=_sync, on_config_error=do_not_restart)
