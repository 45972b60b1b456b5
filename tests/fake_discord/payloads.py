"""JSON payloads shaped like Discord's, built from the fake's state objects."""

from __future__ import annotations

from typing import Any

from tests.fake_discord.state import (
    FORUM_CHANNEL,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Role,
    User,
    World,
    iso_now,
)

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def user_payload(user: User) -> dict[str, Any]:
    """A user object."""
    return {
        "id": user.id,
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
    }


def member_payload(member: Member, *, with_user: bool = True) -> dict[str, Any]:
    """A guild member object; `flags` is required by discord.py."""
    data: dict[str, Any] = {
        "roles": list(member.role_ids),
        "nick": member.nick,
        "joined_at": member.joined_at,
        "flags": member.flags,
        "deaf": False,
        "mute": False,
        "avatar": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    return data


def role_payload(role: Role) -> dict[str, Any]:
    """A role object."""
    return {
        "id": role.id,
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def channel_payload(channel: Channel) -> dict[str, Any]:
    """A channel object; threads get their metadata, forums their (empty) tags."""
    data: dict[str, Any] = {
        "id": channel.id,
        "type": channel.type,
        "name": channel.name,
        "position": channel.position,
        "parent_id": channel.parent_id,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": channel.topic,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if channel.guild_id is not None:
        data["guild_id"] = channel.guild_id
    if channel.type == FORUM_CHANNEL:
        data["available_tags"] = []
    if channel.type == PUBLIC_THREAD:
        data |= {
            "owner_id": channel.owner_id,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": False,
                "create_timestamp": iso_now(),
            },
        }
    return data


def guild_create_payload(guild: Guild) -> dict[str, Any]:
    """The GUILD_CREATE payload; member_count matches the members sent, so no chunking waits."""
    threads = [c for c in guild.channels.values() if c.type == PUBLIC_THREAD]
    channels = [c for c in guild.channels.values() if c.type != PUBLIC_THREAD]
    return {
        "id": guild.id,
        "name": guild.name,
        "owner_id": guild.owner_id,
        "unavailable": False,
        "member_count": len(guild.members),
        "large": False,
        "icon": None,
        "features": [],
        "preferred_locale": "en-US",
        "roles": [role_payload(r) for r in guild.roles.values()],
        "members": [member_payload(m) for m in guild.members.values()],
        "channels": [channel_payload(c) for c in channels],
        "threads": [channel_payload(t) for t in threads],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "joined_at": iso_now(),
    }


def message_payload(
    world: World,
    *,
    message_id: str,
    channel: Channel,
    author: User,
    content: str,
    mentions: list[User] | None = None,
    reference: str | None = None,
    webhook_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message object as MESSAGE_CREATE and the REST API return it."""
    guild = world.guilds.get(channel.guild_id or "")
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel.id,
        "type": 19 if reference else 0,
        "content": content,
        "author": user_payload(author),
        "mentions": [_mention_payload(guild, user) for user in mentions or []],
        "mention_roles": [],
        "mention_everyone": False,
        "attachments": [],
        "embeds": [],
        "components": [],
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "pinned": False,
        "flags": 0,
    }
    if guild is not None:
        data["guild_id"] = guild.id
        if author.id in guild.members and webhook_id is None:
            data["member"] = member_payload(guild.members[author.id], with_user=False)
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if reference is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": reference,
            "channel_id": channel.id,
            "guild_id": channel.guild_id,
        }
        data["referenced_message"] = world.messages.get(reference)
    return data | (extra or {})


def _mention_payload(guild: Guild | None, user: User) -> dict[str, Any]:
    data = user_payload(user)
    if guild is not None and user.id in guild.members:
        data["member"] = member_payload(guild.members[user.id], with_user=False)
    return data


def application_payload(bot_user: User) -> dict[str, Any]:
    """The application object returned by GET /oauth2/applications/@me."""
    return {
        "id": bot_user.id,
        "name": bot_user.username,
        "icon": None,
        "description": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(User(id="1", username="owner")),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "bot": user_payload(bot_user),
    }


def interaction_payload(
    world: World,
    *,
    interaction_id: str,
    type: int,
    token: str,
    channel: Channel,
    member: Member,
    data: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload with every field discord.py 2.7 reads."""
    guild = world.guilds[member.guild_id]
    bot_member = guild.members[world.bot_user.id]
    member_data = member_payload(member) | {"permissions": str(guild.permissions_of(member))}
    payload: dict[str, Any] = {
        "id": interaction_id,
        "application_id": world.bot_user.id,
        "type": type,
        "token": token,
        "version": 1,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "guild_id": guild.id,
        "guild": {"id": guild.id, "locale": "en-US", "features": []},
        "channel_id": channel.id,
        "channel": channel_payload(channel),
        "member": member_data,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": str(guild.permissions_of(bot_member)),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "context": 0,
        "authorizing_integration_owners": {"0": guild.id},
    }
    if data is not None:
        payload["data"] = data
    if message is not None:
        payload["message"] = message
    return payload
