"""The two class attributes that point discord.py at another Discord."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import discord.gateway
import discord.http
import yarl


@contextlib.contextmanager
def patch_discord(api_base: str, gateway_url: str) -> Iterator[None]:
    """Set Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY, restoring them afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
