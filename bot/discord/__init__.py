"""The Discord front end: the bot client, the command tree's error handling, checks, embeds,
views and modals.

It turns Discord events into requests for the core and renders the plans the core returns. It may
import discord, ``bot.base``, ``bot.storage`` models and ``bot.core``; it never imports ``bot.cli``.
The cogs (top-level ``cogs/``) build on it.
"""
