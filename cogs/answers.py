"""Answering members: /ask, a mention, a mention in a reply, and passive help channels.

The rules (rate limits, cooldowns, what passive mode may say) are the responder's; this cog
only turns Discord events into requests and renders the plan it gets back.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.etiquette import Trigger, has_words, strip_mentions
from bot.core.plans import AlreadyAnswered, Answer, NotYet, NoWords, RateLimited, Request, Suggest
from bot.discord.checks import is_moderator
from bot.discord.client import FaqBot
from bot.discord.embeds import NOT_YET, answer_embed, suggestions_embed
from bot.discord.tree import NO_MENTIONS
from bot.discord.views import PERSISTENT_ITEMS, answer_view, suggest_view
from bot.storage import OPERATOR_SCOPE

log = logging.getLogger(__name__)

QUIET = {"allowed_mentions": NO_MENTIONS}
EMPTY_MENTION = "Ask me a question after the mention, e.g. “how do I point my domain at my VPS?”"
WORDS_PLEASE = "Please ask in words, e.g. “how do I renew my SSL certificate?”"
# Discord's limit for a string option: a member can paste a story and a log into /ask. The
# responder reads the post up to its own bound and scores bounded parts of it (bot.core.posts);
# what is recorded stays one line of 1,000 characters.
ASK_MAX_CHARS = 6000


class Answers(commands.Cog):
    """Turns /ask and messages into requests for the responder, and renders its plans."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    # -- /ask ------------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask the hosting FAQ a question")
    @app_commands.describe(question="Your question", private="Only you see the answer")
    @app_commands.guild_only()
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, ASK_MAX_CHARS],
        private: bool = False,
    ) -> None:
        """Answer publicly (or privately); "not yet" and refusals are always private."""
        request = Request(
            text=question,
            trigger=Trigger.ASK,
            channel=str(interaction.channel_id or 0),
            author=str(interaction.user.id),
            scope=_key(interaction.guild_id) or OPERATOR_SCOPE,
            guild=_key(interaction.guild_id),
            private=private,
        )
        plan = await self.bot.responder.respond(request)
        owner = interaction.user.id
        send = interaction.response.send_message
        match plan:
            case Answer(entry=entry, event_id=event_id, private=hidden):
                view = answer_view(event_id, owner, dismiss=not hidden)
                await send(embed=answer_embed(entry), view=view, ephemeral=hidden, **QUIET)
            case Suggest(entries=entries, event_id=event_id, private=hidden):
                view = suggest_view(event_id, owner, list(entries), dismiss=not hidden)
                await send(
                    embed=suggestions_embed(list(entries)), view=view, ephemeral=hidden, **QUIET
                )
            case RateLimited(wait=wait):
                await send(
                    f"You are asking quickly; try again in {wait:.0f} s.", ephemeral=True, **QUIET
                )
            case NoWords():
                await send(WORDS_PLEASE, ephemeral=True, **QUIET)
            case _:
                await send(NOT_YET, ephemeral=True, **QUIET)

    # -- messages --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions, mentions in replies, and questions in passive channels."""
        trigger = self.trigger_for(message)
        if trigger is None:
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
        """How this message addresses the bot, or None when it is none of our business."""
        me = self.bot.user
        author = message.author
        if me is None or message.guild is None or author.bot or message.webhook_id is not None:
            return None
        if not self.bot.allows(message.guild.id):
            return None  # about to leave it: say nothing there
        if author.id == me.id:
            return None
        if f"<@{me.id}>" in message.content or f"<@!{me.id}>" in message.content:
            return Trigger.REPLY if message.reference is not None else Trigger.MENTION
        if not self._in_passive_channel(message):
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
        """Ask the responder about a message (or the one it replies to) and render the plan."""
        target = message
        if trigger is Trigger.REPLY:
            referenced = await self._referenced(message)
            if referenced is not None and has_words(strip_mentions(referenced.content)):
                target = referenced
        author = target.author
        request = Request(
            text=target.content,
            trigger=trigger,
            channel=str(target.channel.id),
            author=str(author.id),
            scope=str(message.guild.id) if message.guild else OPERATOR_SCOPE,
            guild=_key(target.guild.id if target.guild else None),
            message=str(target.id),
            link=target.jump_url,
            from_moderator=trigger is Trigger.PASSIVE
            and is_moderator(author, self.bot.settings.discord.moderator_roles),
        )
        plan = await self.bot.responder.respond(request)
        reply = target.reply
        match plan:
            case Answer(entry=entry, event_id=event_id):
                view = answer_view(event_id, author.id)
                sent = await reply(embed=answer_embed(entry), view=view, mention_author=False)
                self.bot.responder.delivered(plan, sent.jump_url)
            case Suggest(entries=entries, event_id=event_id):
                view = suggest_view(event_id, author.id, list(entries))
                await reply(embed=suggestions_embed(list(entries)), view=view, mention_author=False)
            case AlreadyAnswered(link=link):
                where = f": {link}" if link else "."
                await reply(f"I answered that here a moment ago{where}", mention_author=False)
            case NotYet():
                await reply(NOT_YET, mention_author=False)
            case NoWords():
                await message.reply(EMPTY_MENTION, mention_author=False)
            case _:
                return  # Silent, or rate-limited: a message gets no reply

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


def _key(snowflake: int | None) -> str | None:
    return None if snowflake is None else str(snowflake)


async def setup(bot: FaqBot) -> None:
    """Extension entry point."""
    bot.add_dynamic_items(*PERSISTENT_ITEMS)  # answer and "did you mean" buttons survive restarts
    await bot.add_cog(Answers(bot))
