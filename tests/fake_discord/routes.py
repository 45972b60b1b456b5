"""What each REST route does to the fake's world, and what it answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.fake_discord.payloads import (
    application_payload,
    channel_payload,
    message_payload,
    user_payload,
)
from tests.fake_discord.recording import RecordedRequest
from tests.fake_discord.state import Channel, Interaction, World, iso_now

Reply = tuple[int, Any]
Dispatch = Callable[[str, dict[str, Any], str | None], Awaitable[None]]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Callback types: reply, deferred reply, deferred update, update, autocomplete, modal.
REPLY, DEFERRED_REPLY, DEFERRED_UPDATE, UPDATE = 4, 5, 6, 7
_EDITABLE_FIELDS = ("content", "embeds", "components", "flags", "poll")


def _error(status: int, message: str, code: int) -> Reply:
    return status, {"message": message, "code": code}


UNKNOWN_MESSAGE = _error(404, "Unknown Message", 10008)
UNKNOWN_CHANNEL = _error(404, "Unknown Channel", 10003)
UNKNOWN_INTERACTION = _error(404, "Unknown interaction", 10062)
UNKNOWN_WEBHOOK = _error(404, "Unknown Webhook", 10015)
ALREADY_ACKNOWLEDGED = _error(400, "Interaction has already been acknowledged.", 40060)
NO_CONTENT: Reply = (204, None)


class RestHandlers:
    """Route handlers; each takes the recorded call and returns (status, JSON body or None)."""

    def __init__(
        self,
        world: World,
        dispatch: Dispatch,
        gateway_url: Callable[[], str],
        *,
        recommended_shards: int = 1,
        identify_concurrency: int = 1,
    ) -> None:
        self._world = world
        self._dispatch = dispatch
        self._gateway_url = gateway_url
        self._recommended_shards = recommended_shards
        self._identify_concurrency = identify_concurrency

    async def get_me(self, call: RecordedRequest) -> Reply:
        """GET /users/@me."""
        return 200, user_payload(self._world.bot_user)

    async def leave_guild(self, call: RecordedRequest) -> Reply:
        """DELETE /users/@me/guilds/{guild_id}: the bot leaves; GUILD_DELETE follows."""
        guild_id = call.params["guild_id"]
        if guild_id not in self._world.guilds:
            return _error(404, "Unknown Guild", 10004)
        await self._dispatch("GUILD_DELETE", {"id": guild_id}, guild_id)
        del self._world.guilds[guild_id]
        return NO_CONTENT

    async def get_application(self, call: RecordedRequest) -> Reply:
        """GET /oauth2/applications/@me."""
        return 200, application_payload(self._world.bot_user)

    async def get_gateway(self, call: RecordedRequest) -> Reply:
        """GET /gateway."""
        return 200, {"url": self._gateway_url()}

    async def get_gateway_bot(self, call: RecordedRequest) -> Reply:
        """GET /gateway/bot, as AutoShardedClient asks."""
        limit = {
            "total": 1000,
            "remaining": 1000,
            "reset_after": 0,
            "max_concurrency": self._identify_concurrency,
        }
        body = {"url": self._gateway_url(), "shards": self._recommended_shards}
        return 200, body | {"session_start_limit": limit}

    async def no_content(self, call: RecordedRequest) -> Reply:
        """Typing and reactions: Discord answers 204."""
        return NO_CONTENT

    async def get_channel(self, call: RecordedRequest) -> Reply:
        """GET /channels/{id}."""
        channel = self._world.find_channel(call.params["channel_id"])
        return UNKNOWN_CHANNEL if channel is None else (200, channel_payload(channel))

    async def create_message(self, call: RecordedRequest) -> Reply:
        """POST /channels/{id}/messages."""
        channel = self._world.find_channel(call.params["channel_id"])
        if channel is None:
            return UNKNOWN_CHANNEL
        return 200, await self._new_message(channel, call)

    async def get_message(self, call: RecordedRequest) -> Reply:
        """GET /channels/{id}/messages/{id}."""
        message = self._world.messages.get(call.params["message_id"])
        return UNKNOWN_MESSAGE if message is None else (200, message)

    async def edit_message(self, call: RecordedRequest) -> Reply:
        """PATCH /channels/{id}/messages/{id}."""
        message = self._world.messages.get(call.params["message_id"])
        return UNKNOWN_MESSAGE if message is None else (200, self._apply_edit(message, call))

    async def delete_message(self, call: RecordedRequest) -> Reply:
        """DELETE /channels/{id}/messages/{id}."""
        message = self._world.messages.pop(call.params["message_id"], None)
        return UNKNOWN_MESSAGE if message is None else NO_CONTENT

    async def interaction_callback(self, call: RecordedRequest) -> Reply:
        """POST /interactions/{id}/{token}/callback; answers with `interaction` and `resource`."""
        interaction = self._world.interactions.get(call.params["interaction_id"])
        if interaction is None or interaction.token != call.params["token"]:
            return UNKNOWN_INTERACTION
        if interaction.responded_with is not None:
            return ALREADY_ACKNOWLEDGED
        kind = call.json["type"]
        data = call.json.get("data") or {}
        interaction.responded_with = kind
        resource: dict[str, Any] = {"type": kind}
        if kind in (REPLY, DEFERRED_REPLY):
            if kind == DEFERRED_REPLY:
                data = {"content": "", "flags": (data.get("flags") or 0) | LOADING}
            message = await self._new_message(
                self._channel_of(interaction), call, data, interaction
            )
            interaction.original_message_id = message["id"]
            resource["message"] = message
        elif kind in (DEFERRED_UPDATE, UPDATE) and interaction.message_id:
            interaction.original_message_id = interaction.message_id
            stored = self._world.messages.get(interaction.message_id)
            if kind == UPDATE and stored is not None:
                resource["message"] = self._apply_edit(stored, call, data)
        elif kind == 9:
            self._world.modals[data["custom_id"]] = data
        flags = data.get("flags") or 0
        return 200, {
            "interaction": {
                "id": interaction.id,
                "type": interaction.type,
                "response_message_id": interaction.original_message_id,
                "response_message_loading": kind == DEFERRED_REPLY,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": resource,
        }

    async def followup(self, call: RecordedRequest) -> Reply:
        """POST /webhooks/{app}/{token}; the first one after a deferral fills the loading reply."""
        interaction = self._world.interaction_by_token(call.params["token"])
        if interaction is None:
            return UNKNOWN_WEBHOOK
        original = self._world.messages.get(interaction.original_message_id or "")
        if original is not None and original["flags"] & LOADING:
            original["flags"] &= ~LOADING
            return 200, self._apply_edit(original, call)
        channel = self._channel_of(interaction)
        return 200, await self._new_message(channel, call, call.json or {}, interaction)

    async def get_webhook_message(self, call: RecordedRequest) -> Reply:
        """GET /webhooks/{app}/{token}/messages/{id or @original}."""
        message = self._webhook_message(call)
        return UNKNOWN_MESSAGE if message is None else (200, message)

    async def edit_webhook_message(self, call: RecordedRequest) -> Reply:
        """PATCH /webhooks/{app}/{token}/messages/{id or @original}."""
        message = self._webhook_message(call)
        if message is None:
            return UNKNOWN_MESSAGE
        message["flags"] &= ~LOADING
        return 200, self._apply_edit(message, call)

    async def delete_webhook_message(self, call: RecordedRequest) -> Reply:
        """DELETE /webhooks/{app}/{token}/messages/{id or @original}."""
        message = self._webhook_message(call)
        if message is None:
            return UNKNOWN_MESSAGE
        del self._world.messages[message["id"]]
        return NO_CONTENT

    async def sync_commands(self, call: RecordedRequest) -> Reply:
        """PUT global or guild commands: store them and echo them back with ids."""
        guild_id = call.params.get("guild_id")
        previous = self._commands(guild_id)
        synced = []
        for command in call.json:
            old = next((c for c in previous if c["name"] == command["name"]), None)
            synced.append(
                {"type": 1, "description": "", "options": [], "nsfw": False}
                | command
                | {
                    "id": old["id"] if old else self._world.ids.next(),
                    "application_id": call.params["application_id"],
                    "version": self._world.ids.next(),
                    "guild_id": guild_id,
                }
            )
        if guild_id is None:
            self._world.global_commands = synced
        else:
            self._world.guild_commands[guild_id] = synced
        return 200, synced

    async def get_commands(self, call: RecordedRequest) -> Reply:
        """GET global or guild commands."""
        return 200, self._commands(call.params.get("guild_id"))

    def _commands(self, guild_id: str | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self._world.global_commands
        return self._world.guild_commands.get(guild_id, [])

    def _channel_of(self, interaction: Interaction) -> Channel:
        channel = self._world.find_channel(interaction.channel_id)
        assert channel is not None, f"interaction {interaction.id} in unknown channel"
        return channel

    def _webhook_message(self, call: RecordedRequest) -> dict[str, Any] | None:
        interaction = self._world.interaction_by_token(call.params["token"])
        message_id = call.params["message_id"]
        if message_id == "@original":
            if interaction is None:
                return None
            message_id = interaction.original_message_id or ""
        return self._world.messages.get(message_id)

    async def _new_message(
        self,
        channel: Channel,
        call: RecordedRequest,
        body: dict[str, Any] | None = None,
        interaction: Interaction | None = None,
    ) -> dict[str, Any]:
        """Store a message the bot sent and, unless ephemeral, dispatch its MESSAGE_CREATE."""
        body = (call.json or {}) if body is None else body
        reference = (body.get("message_reference") or {}).get("message_id")
        extra: dict[str, Any] = {
            key: body[key] for key in _EDITABLE_FIELDS if body.get(key) is not None
        }
        extra["attachments"] = [self._attachment(f.filename, len(f.data)) for f in call.files]
        if interaction is not None:
            extra["interaction_metadata"] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": user_payload(self._world.users[interaction.user_id]),
                "authorizing_integration_owners": {},
            }
        message = message_payload(
            self._world,
            message_id=self._world.ids.next(),
            channel=channel,
            author=self._world.bot_user,
            content=body.get("content") or "",
            reference=str(reference) if reference else None,
            webhook_id=self._world.bot_user.id if interaction else None,
            extra=extra,
        )
        self._world.messages[message["id"]] = message
        if not message["flags"] & EPHEMERAL:
            await self._dispatch("MESSAGE_CREATE", message, channel.guild_id)
        return message

    def _apply_edit(
        self, message: dict[str, Any], call: RecordedRequest, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Change a stored message in place the way an edit does, and return it."""
        body = (call.json or {}) if body is None else body
        for key in _EDITABLE_FIELDS:
            if body.get(key) is not None:
                message[key] = body[key]
        if body.get("attachments") is not None:
            kept = {str(a.get("id")) for a in body["attachments"]}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
        message["attachments"] += [self._attachment(f.filename, len(f.data)) for f in call.files]
        message["edited_timestamp"] = iso_now()
        return message

    def _attachment(self, filename: str, size: int) -> dict[str, Any]:
        attachment_id = self._world.ids.next()
        url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": size,
            "url": url,
            "proxy_url": url,
        }
