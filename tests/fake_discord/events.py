"""Events the fake pushes into the bot: messages, forum posts, and interactions."""

from __future__ import annotations

from typing import Any

from tests.fake_discord.gateway import Gateway
from tests.fake_discord.options import command_data
from tests.fake_discord.payloads import (
    channel_payload,
    guild_create_payload,
    interaction_payload,
    message_payload,
)
from tests.fake_discord.state import (
    FORUM_CHANNEL,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Interaction,
    Member,
    User,
    World,
)

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
BUTTON, STRING_SELECT, ACTION_ROW, TEXT_INPUT, LABEL = 2, 3, 1, 4, 18


class Events:
    """Mixed into FakeDiscord: builds realistic payloads and dispatches them over the gateway."""

    world: World
    gateway: Gateway

    async def send_message(
        self,
        channel: Channel,
        author: Member | User,
        content: str,
        *,
        mentions: list[Member | User] | None = None,
        reference: str | None = None,
        webhook_id: str | None = None,
    ) -> str:
        """Someone posts in a channel (MESSAGE_CREATE); returns the message id."""
        message = message_payload(
            self.world,
            message_id=self.world.ids.next(),
            channel=channel,
            author=_user(author),
            content=content,
            mentions=[_user(m) for m in mentions or []],
            reference=reference,
            webhook_id=webhook_id,
        )
        self.world.messages[message["id"]] = message
        await self.gateway.dispatch("MESSAGE_CREATE", message, channel.guild_id)
        return message["id"]

    async def join_guild(self, guild: Guild) -> None:
        """The bot is invited to a guild added after it connected (GUILD_CREATE).

        Discord sends a joined guild without ``unavailable`` (only guilds coming back from an
        outage carry ``unavailable: false``), which is how discord.py tells a join apart.
        """
        payload = guild_create_payload(guild)
        payload.pop("unavailable", None)
        await self.gateway.dispatch("GUILD_CREATE", payload, guild.id)

    async def create_thread(
        self, forum: Channel, author: Member, title: str, content: str
    ) -> Channel:
        """A forum post: THREAD_CREATE, then its starter MESSAGE_CREATE (same id as the thread)."""
        assert forum.type == FORUM_CHANNEL and forum.guild_id is not None
        thread = Channel(
            id=self.world.ids.next(),
            guild_id=forum.guild_id,
            name=title,
            type=PUBLIC_THREAD,
            parent_id=forum.id,
            owner_id=author.id,
        )
        self.world.guilds[forum.guild_id].channels[thread.id] = thread
        payload = channel_payload(thread) | {
            "newly_created": True,
            "message_count": 1,
            "last_message_id": thread.id,
            "member": {
                "id": thread.id,
                "user_id": author.id,
                "join_timestamp": author.joined_at,
                "flags": 1,
            },
        }
        await self.gateway.dispatch("THREAD_CREATE", payload, forum.guild_id)
        message = message_payload(
            self.world,
            message_id=thread.id,
            channel=thread,
            author=author.user,
            content=content,
            extra={"position": 0},
        )
        self.world.messages[thread.id] = message
        await self.gateway.dispatch("MESSAGE_CREATE", message, forum.guild_id)
        return thread

    async def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None,
        user: Member,
        channel: Channel,
    ) -> str:
        """Invoke "cmd", "cmd sub" or "cmd group sub" with options; returns the interaction id."""
        data = command_data(self.world, name, options or {}, user.guild_id)
        return await self._interact(APPLICATION_COMMAND, user, channel, data)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        user: Member,
        channel: Channel,
    ) -> str:
        """Ask for choices while `focused` is being typed; returns the interaction id."""
        data = command_data(self.world, name, options, user.guild_id, focused=focused)
        return await self._interact(AUTOCOMPLETE, user, channel, data)

    async def click_button(self, message_id: str, custom_id: str, user: Member) -> str:
        """Click a button on a message; returns the interaction id."""
        data = {"custom_id": custom_id, "component_type": BUTTON}
        return await self._interact_with_message(message_id, user, data)

    async def select(self, message_id: str, custom_id: str, values: list[str], user: Member) -> str:
        """Pick options in a string select on a message; returns the interaction id."""
        data = {"custom_id": custom_id, "component_type": STRING_SELECT, "values": values}
        return await self._interact_with_message(message_id, user, data)

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        user: Member,
        channel: Channel | None = None,
    ) -> str:
        """Submit the modal the bot opened (same layout) with these text values; returns the id."""
        if channel is None:
            channel = self._channel_of_last_modal(user)
        layout = self.world.modals.get(custom_id, {}).get("components")
        if layout is None:
            layout = [
                {"type": ACTION_ROW, "components": [{"type": TEXT_INPUT, "custom_id": k}]}
                for k in values
            ]
        data = {"custom_id": custom_id, "components": _fill(layout, values)}
        return await self._interact(MODAL_SUBMIT, user, channel, data)

    async def _interact_with_message(
        self, message_id: str, user: Member, data: dict[str, Any]
    ) -> str:
        message = self.world.messages[message_id]
        channel = self.world.find_channel(message["channel_id"])
        assert channel is not None
        return await self._interact(COMPONENT, user, channel, data, message)

    async def _interact(
        self,
        kind: int,
        user: Member,
        channel: Channel,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> str:
        interaction_id = self.world.ids.next()
        token = f"itok-{interaction_id}"
        self.world.interactions[interaction_id] = Interaction(
            id=interaction_id,
            token=token,
            type=kind,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            user_id=user.id,
            message_id=message["id"] if message else None,
        )
        payload = interaction_payload(
            self.world,
            interaction_id=interaction_id,
            type=kind,
            token=token,
            channel=channel,
            member=user,
            data=data,
            message=message,
        )
        await self.gateway.dispatch("INTERACTION_CREATE", payload, channel.guild_id)
        return interaction_id

    def _channel_of_last_modal(self, user: Member) -> Channel:
        opened = [
            i
            for i in self.world.interactions.values()
            if i.user_id == user.id and i.responded_with == 9
        ]
        assert opened, f"the bot opened no modal for {user.user.username}; pass channel="
        channel = self.world.find_channel(opened[-1].channel_id)
        assert channel is not None
        return channel


def _user(who: Member | User) -> User:
    return who.user if isinstance(who, Member) else who


def _fill(layout: list[dict[str, Any]], values: dict[str, str]) -> list[dict[str, Any]]:
    """Mirror the modal's layout as a submission: rows and labels around filled-in inputs."""
    submitted = []
    for component in layout:
        if component["type"] == ACTION_ROW:
            submitted.append(
                {"type": ACTION_ROW, "components": _fill(component["components"], values)}
            )
        elif component["type"] == LABEL:
            inner = _fill([component["component"]], values)
            if inner:
                submitted.append({"type": LABEL, "component": inner[0]})
        elif component["type"] == TEXT_INPUT:
            custom_id = component["custom_id"]
            value = values.get(custom_id, "")
            submitted.append({"type": TEXT_INPUT, "custom_id": custom_id, "value": value})
    return submitted
