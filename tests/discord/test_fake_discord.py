"""The fake Discord against the real discord.py client, driven by a tiny bot defined here."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord, RecordedRequest
from tests.fake_discord.fixtures import BotStarter, StandardGuild, build_standard_guild, running

NO_MENTIONS = discord.AllowedMentions.none()


class PanelView(discord.ui.View):
    """A button that edits its message and a select that answers with the choice."""

    @discord.ui.button(label="OK", custom_id="panel:ok")
    async def ok(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Edit the panel message."""
        await interaction.response.edit_message(content="clicked", view=None)

    @discord.ui.select(
        custom_id="panel:pick",
        options=[
            discord.SelectOption(label="A", value="a"),
            discord.SelectOption(label="B", value="b"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        """Say what was picked."""
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """One text field, thanked for on submit."""

    text = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the user, quoting them."""
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class TinyBot(commands.Bot):
    """Echo, panel and feedback commands; records the events it sees in a queue."""

    def __init__(self, guild_id: str | None = None, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.members = True
        intents.message_content = message_content
        super().__init__(
            command_prefix="!",
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=0.05,
        )
        self.guild_id = guild_id
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def setup_hook(self) -> None:
        """Register the commands and sync them to the test guild."""
        self.tree.add_command(echo)
        self.tree.add_command(panel)
        self.tree.add_command(feedback)
        self.tree.add_command(slow)
        if self.guild_id is not None:
            guild = discord.Object(int(self.guild_id))
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        """Answer "ping" and "file"; note every message seen."""
        await self.events.put(("message", message))
        if message.author.bot:
            return
        if message.content == "ping":
            await message.reply(f"pong {message.author.mention}")
        elif message.content == "file":
            await message.channel.send("here", file=discord.File(io.BytesIO(b"hello"), "hello.txt"))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """Note new threads."""
        await self.events.put(("thread", thread))

    async def on_resumed(self) -> None:
        """Note a resumed session."""
        await self.events.put(("resumed", None))

    async def next_event(self, kind: str) -> Any:
        """The next recorded event of this kind (others are skipped)."""
        while True:
            seen, value = await asyncio.wait_for(self.events.get(), 5)
            if seen == kind:
                return value


@app_commands.command()
async def echo(interaction: discord.Interaction, text: str) -> None:
    """Repeat the text, then follow up."""
    await interaction.response.send_message(f"you said {text}", allowed_mentions=NO_MENTIONS)
    await interaction.followup.send("and again", allowed_mentions=NO_MENTIONS)


@echo.autocomplete("text")
async def echo_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer two completions of what was typed."""
    return [
        app_commands.Choice(name=current + suffix, value=current + suffix) for suffix in ("1", "2")
    ]


@app_commands.command()
async def panel(interaction: discord.Interaction) -> None:
    """Show the panel view."""
    await interaction.response.send_message("panel", view=PanelView())


@app_commands.command()
async def feedback(interaction: discord.Interaction) -> None:
    """Open the feedback modal."""
    await interaction.response.send_modal(FeedbackModal(custom_id="feedback:modal"))


@app_commands.command()
async def slow(interaction: discord.Interaction) -> None:
    """Defer, then fill in the answer."""
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(content="done")


def callback_of(interaction_id: str, kind: int | None = None) -> Any:
    """A predicate for the response to one interaction (optionally of one callback type)."""

    def matches(request: RecordedRequest) -> bool:
        return (
            request.route == "interaction_callback"
            and request.params["interaction_id"] == interaction_id
            and (kind is None or request.json["type"] == kind)
        )

    return matches


@pytest.fixture
async def bot(start_bot: BotStarter, standard_guild: StandardGuild) -> TinyBot:
    """TinyBot, ready, in the standard guild."""
    return await start_bot(TinyBot(standard_guild.guild.id))


async def test_ready_bot_sees_guild_channels_forum_and_members(
    bot: TinyBot, standard_guild: StandardGuild
) -> None:
    guild = bot.get_guild(int(standard_guild.guild.id))
    assert guild is not None and guild.name == "Hosting Help"
    assert isinstance(guild.get_channel(int(standard_guild.general.id)), discord.TextChannel)
    assert isinstance(guild.get_channel(int(standard_guild.help_forum.id)), discord.ForumChannel)
    mod = guild.get_member(int(standard_guild.mod.id))
    assert mod is not None and mod.guild_permissions.manage_messages
    assert guild.me is not None


async def test_plain_client_never_asks_for_gateway_bot(
    bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    assert fake_discord.requests_to("get_gateway_bot") == []
    assert fake_discord.identifies[0]["intents"] == bot.intents.value


async def test_bot_replies_to_a_message_without_allowing_mentions(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    ping = await fake_discord.send_message(standard_guild.general, standard_guild.alice, "ping")
    reply = await fake_discord.wait_for_request("create_message")
    assert reply.json["content"] == f"pong <@{standard_guild.alice.id}>"
    assert str(reply.json["message_reference"]["message_id"]) == ping
    fake_discord.assert_no_mentions_allowed()


async def test_slash_command_is_synced_answered_and_followed_up(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    synced = fake_discord.requests_to("sync_guild_commands")[0]
    assert {c["name"] for c in synced.json} == {"echo", "panel", "feedback", "slow"}
    await fake_discord.slash_command(
        "echo", {"text": "hi"}, standard_guild.alice, standard_guild.general
    )
    await fake_discord.wait_for_request("create_followup")
    assert [m["content"] for m in fake_discord.messages_sent()] == ["you said hi", "and again"]
    fake_discord.assert_no_mentions_allowed()


async def test_deferred_reply_is_filled_by_editing_the_original(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    command = await fake_discord.slash_command(
        "slow", {}, standard_guild.alice, standard_guild.general
    )
    await fake_discord.wait_for_request("edit_webhook_message")
    reply_id = fake_discord.response_message_id(command)
    assert reply_id is not None and fake_discord.message(reply_id)["content"] == "done"
    fake_discord.assert_no_mentions_allowed()


async def test_button_click_edits_the_panel_message(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    finished = bot.wait_for("app_command_completion", timeout=5)  # the view is stored by then
    command = await fake_discord.slash_command(
        "panel", {}, standard_guild.alice, standard_guild.general
    )
    await finished
    panel_id = fake_discord.response_message_id(command)
    assert panel_id is not None
    click = await fake_discord.click_button(panel_id, "panel:ok", standard_guild.alice)
    await fake_discord.wait_for_request(callback_of(click, kind=7))
    assert fake_discord.message(panel_id)["content"] == "clicked"


async def test_select_choice_reaches_the_view(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    finished = bot.wait_for("app_command_completion", timeout=5)  # the view is stored by then
    command = await fake_discord.slash_command(
        "panel", {}, standard_guild.alice, standard_guild.general
    )
    await finished
    panel_id = fake_discord.response_message_id(command)
    assert panel_id is not None
    pick = await fake_discord.select(panel_id, "panel:pick", ["b"], standard_guild.alice)
    answer = await fake_discord.wait_for_request(callback_of(pick))
    assert answer.json["data"]["content"] == "picked b"


async def test_modal_submit_reaches_on_submit(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    finished = bot.wait_for("app_command_completion", timeout=5)  # the modal is stored by then
    await fake_discord.slash_command("feedback", {}, standard_guild.alice, standard_guild.general)
    await finished
    submit = await fake_discord.submit_modal(
        "feedback:modal", {"feedback:text": "great"}, standard_guild.alice
    )
    answer = await fake_discord.wait_for_request(callback_of(submit))
    assert answer.json["data"]["content"] == "thanks: great"


async def test_autocomplete_returns_choices(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    typing = await fake_discord.autocomplete(
        "echo", {"text": "ab"}, "text", standard_guild.alice, standard_guild.general
    )
    answer = await fake_discord.wait_for_request(callback_of(typing, kind=8))
    assert [c["value"] for c in answer.json["data"]["choices"]] == ["ab1", "ab2"]


async def test_file_upload_is_recorded_with_its_content(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    await fake_discord.send_message(standard_guild.general, standard_guild.alice, "file")
    upload = await fake_discord.wait_for_request("create_message")
    assert upload.json["content"] == "here"
    assert [(f.filename, f.data) for f in upload.files] == [("hello.txt", b"hello")]


async def test_rate_limited_send_succeeds_after_retry(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    fake_discord.fail_next("create_message", 429, retry_after=0.05)
    channel = bot.get_channel(int(standard_guild.general.id))
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after the limit")
    assert [r.status for r in fake_discord.requests_to("create_message")] == [429, 200]


async def test_missing_permissions_surface_as_forbidden(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    fake_discord.fail_next("create_message", 403)
    channel = bot.get_channel(int(standard_guild.general.id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as raised:
        await channel.send("not allowed")
    assert raised.value.code == 50013


async def test_forum_post_reaches_thread_create_and_on_message(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    thread = await fake_discord.create_thread(
        standard_guild.help_forum, standard_guild.alice, "DNS help", "my domain is down"
    )
    created = await bot.next_event("thread")
    starter = await bot.next_event("message")
    assert created.id == int(thread.id) and created.parent_id == int(standard_guild.help_forum.id)
    assert starter.id == created.id and starter.content == "my domain is down"
    assert starter.channel == created


async def test_bad_token_is_a_login_failure(
    start_bot: BotStarter, standard_guild: StandardGuild
) -> None:
    with pytest.raises(discord.LoginFailure):
        await start_bot(TinyBot(standard_guild.guild.id), token="wrong-token")


async def test_missing_message_content_intent_blanks_content_unless_mentioned() -> None:
    async with FakeDiscord(enforce_message_content=True) as fake:
        world = build_standard_guild(fake)
        async with running(fake, TinyBot(message_content=False)) as bot:
            await fake.send_message(world.general, world.alice, "hello")
            await fake.send_message(world.general, world.alice, "hi bot", mentions=[fake.bot_user])
            assert (await bot.next_event("message")).content == ""
            assert (await bot.next_event("message")).content == "hi bot"


async def test_ungranted_privileged_intent_closes_with_4014() -> None:
    async with FakeDiscord(granted_intents=0) as fake:
        build_standard_guild(fake)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(fake, TinyBot()):
                pass


async def test_reconnect_request_resumes_the_session(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    await fake_discord.request_reconnect()
    await bot.next_event("resumed")
    await fake_discord.send_message(standard_guild.general, standard_guild.alice, "still here")
    assert (await bot.next_event("message")).content == "still here"


async def test_auto_sharded_client_uses_gateway_bot_and_shards(
    fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running(fake_discord, client):
        assert fake_discord.requests_to("get_gateway_bot")
        assert fake_discord.identifies[0]["shard"] == [0, 1]
        assert client.get_guild(int(standard_guild.guild.id)) is not None


async def test_unknown_route_is_a_recorded_404(bot: TinyBot, fake_discord: FakeDiscord) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/no/such/route"))
    assert fake_discord.requests_to("unknown")[0].path == "/no/such/route"


async def test_member_query_is_answered_with_a_chunk(
    bot: TinyBot, standard_guild: StandardGuild
) -> None:
    guild = bot.get_guild(int(standard_guild.guild.id))
    assert guild is not None
    members = await guild.query_members("al")
    assert [m.name for m in members] == ["alice"]


async def test_mention_check_catches_a_send_that_allows_mentions(
    bot: TinyBot, fake_discord: FakeDiscord, standard_guild: StandardGuild
) -> None:
    channel = bot.get_channel(int(standard_guild.general.id))
    assert isinstance(channel, discord.TextChannel)
    await channel.send("@everyone", allowed_mentions=discord.AllowedMentions.all())
    with pytest.raises(AssertionError, match="parse"):
        fake_discord.assert_no_mentions_allowed()
