"""Answering members: /ask, a mention, a mention in a reply, and passive help channels."""

from __future__ import annotations

import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.etiquette import Trigger, has_words, looks_like_question, strip_mentions
from bot.core.logs import log_outcome
from bot.core.matcher import Outcome
from bot.core.service import Asked
from bot.discord.checks import is_moderator
from bot.discord.client import FaqBot
from bot.discord.embeds import NOT_YET, answer_embed, suggestions_embed
from bot.discord.tree import NO_MENTIONS
from bot.discord.views import answer_view, suggest_view
from bot.storage import Origin

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # longer text is cut before matching (a wall of logs is not a question)
EMPTY_MENTION = "Ask me a question after the mention, e.g. “how do I point my domain at my VPS?”"
WORDS_PLEASE = "Please ask in words, e.g. “how do I renew my SSL certificate?”"


class Answers(commands.Cog):
    """Finds the curated answer for a member's question and replies with it."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    # -- /ask ------------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask the hosting FAQ a question")
    @app_commands.describe(question="Your question", private="Only you see the answer")
    @app_commands.guild_only()
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
    ) -> None:
        """Answer publicly (or privately); "not yet" and refusals are always private."""
        if not self.bot.rate_limiter.hit(interaction.user.id):
            wait = self.bot.rate_limiter.retry_after(interaction.user.id)
            await _private(interaction, f"You are asking quickly; try again in {wait:.0f} s.")
            return
        text = strip_mentions(question)
        if not has_words(text):
            await _private(interaction, WORDS_PLEASE)
            return
        origin = Origin.of(interaction.guild_id, interaction.channel_id, None, interaction.user.id)
        started = time.perf_counter()
        asked = await self.bot.service.ask(text, origin=origin)
        log_outcome(log, asked.result, (time.perf_counter() - started) * 1000, "ask")
        result, channel_id = asked.result, interaction.channel_id or 0
        if result.outcome is Outcome.NONE:
            await _private(interaction, NOT_YET)
            return
        if result.outcome is Outcome.SUGGEST:
            entries = [self.bot.service.get(c.entry_id) for c in result.suggestions]
            view = suggest_view(asked.event_id, interaction.user.id, entries, dismiss=not private)
            await interaction.response.send_message(
                embed=suggestions_embed(entries),
                view=view,
                ephemeral=private,
                allowed_mentions=NO_MENTIONS,
            )
            return
        entry = self.bot.service.get(result.entry_id or "")
        recent = self.bot.cooldowns.recent(channel_id, entry.id)
        private = private or recent is not None  # the channel just saw it: answer the asker only
        await interaction.response.send_message(
            embed=answer_embed(entry),
            view=answer_view(asked.event_id, interaction.user.id, dismiss=not private),
            ephemeral=private,
            allowed_mentions=NO_MENTIONS,
        )
        if not private:
            self.bot.cooldowns.note(channel_id, entry.id)

    # -- messages --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions, mentions in replies, and questions in passive channels."""
        trigger = self.trigger_for(message)
        if trigger is None:
            return
        if not self.bot.rate_limiter.hit(message.author.id):
            log.info("rate limit: ignoring %s from user %s", trigger, message.author.id)
            return
        try:
            await self.answer_message(message, trigger)
        except discord.HTTPException as error:
            log.warning(
                "could not answer message %s in channel %s: %s",
                message.id,
                message.channel.id,
                error,
            )

    def trigger_for(self, message: discord.Message) -> Trigger | None:
        """Why the bot should look at this message, or None to ignore it."""
        me = self.bot.user
        author = message.author
        if me is None or message.guild is None or author.bot or message.webhook_id is not None:
            return None
        if author.id == me.id:
            return None
        if f"<@{me.id}>" in message.content or f"<@!{me.id}>" in message.content:
            return Trigger.REPLY if message.reference is not None else Trigger.MENTION
        if not self._in_passive_channel(message) or not looks_like_question(message.content):
            return None
        if self.bot.settings.discord.skip_moderators and is_moderator(
            author, self.bot.settings.discord.moderator_roles
        ):
            return None
        return Trigger.PASSIVE

    def _in_passive_channel(self, message: discord.Message) -> bool:
        if not self.bot.passive_enabled:
            return False
        passive = self.bot.settings.discord.passive_channels
        channel = message.channel
        if isinstance(channel, discord.Thread):
            # Forum posts: only the opening post, whose id is the thread's id.
            forum = isinstance(channel.parent, discord.ForumChannel)
            return forum and channel.parent_id in passive and message.id == channel.id
        return channel.id in passive

    async def answer_message(self, message: discord.Message, trigger: Trigger) -> None:
        """Match the question behind a message and reply (or stay quiet) as the trigger asks."""
        target = message
        if trigger is Trigger.REPLY:
            referenced = await self._referenced(message)
            if referenced is not None and has_words(strip_mentions(referenced.content)):
                target = referenced
        text = strip_mentions(target.content)[:MAX_QUESTION_CHARS]
        if not has_words(text):
            if trigger is not Trigger.PASSIVE:
                await message.reply(EMPTY_MENTION, mention_author=False)
            return
        passive = trigger is Trigger.PASSIVE
        origin = Origin.of(
            target.guild.id if target.guild else None,
            target.channel.id,
            target.id,
            target.author.id,
            target.jump_url,
        )
        started = time.perf_counter()
        asked = await self.bot.service.ask(text, passive=passive, origin=origin)
        log_outcome(log, asked.result, (time.perf_counter() - started) * 1000, str(trigger))
        await self._reply(target, asked, passive=passive)

    async def _reply(self, target: discord.Message, asked: Asked, *, passive: bool) -> None:
        result, channel_id = asked.result, target.channel.id
        if result.outcome is Outcome.NONE:
            if not passive:
                await target.reply(NOT_YET, mention_author=False)
            return
        if result.outcome is Outcome.SUGGEST:
            if passive:
                return  # unasked, a "did you mean" is noise: passive mode answers or stays quiet
            entries = [self.bot.service.get(c.entry_id) for c in result.suggestions]
            key = "suggest:" + ",".join(e.id for e in entries)
            view = suggest_view(asked.event_id, target.author.id, entries)
            sent = await target.reply(
                embed=suggestions_embed(entries), view=view, mention_author=False
            )
            self.bot.cooldowns.note(channel_id, key, sent.jump_url)
            return
        entry = self.bot.service.get(result.entry_id or "")
        recent = self.bot.cooldowns.recent(channel_id, entry.id)
        if recent is not None:
            if not passive:
                where = f": {recent}" if recent else "."
                await target.reply(
                    f"I answered that here a moment ago{where}", mention_author=False
                )
            return
        view = answer_view(asked.event_id, target.author.id)
        sent = await target.reply(embed=answer_embed(entry), view=view, mention_author=False)
        self.bot.cooldowns.note(channel_id, entry.id, sent.jump_url)

    async def _referenced(self, message: discord.Message) -> discord.Message | None:
        """The message a reply points at (from the event, the cache, or the API)."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        try:
            return await message.channel.fetch_message(reference.message_id)
        except discord.HTTPException:
            return None


async def _private(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Answers(bot))
