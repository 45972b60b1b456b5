"""Application command `data` for interactions, typed from the commands the bot synced."""

from __future__ import annotations

from typing import Any

from tests.fake_discord.payloads import channel_payload, member_payload, role_payload, user_payload
from tests.fake_discord.state import Channel, Member, Role, User, World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, NUMBER = 3, 4, 5, 6, 7, 8, 10


def command_data(
    world: World,
    name: str,
    options: dict[str, Any],
    guild_id: str | None,
    focused: str | None = None,
) -> dict[str, Any]:
    """Build interaction `data` for "cmd", "cmd sub" or "cmd group sub" with these option values."""
    root_name, *path = name.split()
    root = world.command_named(root_name, guild_id)
    schema: dict[str, Any] = root or {}
    nesting = []
    for depth, part in enumerate(path):
        found = _option_schema(schema, part)
        default_type = SUB_COMMAND_GROUP if depth < len(path) - 1 else SUB_COMMAND
        nesting.append((part, found["type"] if found else default_type))
        schema = found or {}
    resolved: dict[str, dict[str, Any]] = {}
    values = [
        _option(name, value, _option_schema(schema, name), resolved, focused)
        for name, value in options.items()
    ]
    for part, kind in reversed(nesting):
        values = [{"name": part, "type": kind, "options": values}]
    data: dict[str, Any] = {
        "id": root["id"] if root else world.ids.next(),
        "name": root_name,
        "type": 1,
        "options": values,
    }
    if root and root.get("guild_id"):
        data["guild_id"] = root["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def _option_schema(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((o for o in schema.get("options") or [] if o["name"] == name), None)


def _option(
    name: str,
    value: Any,
    schema: dict[str, Any] | None,
    resolved: dict[str, dict[str, Any]],
    focused: str | None,
) -> dict[str, Any]:
    """One option; users, members, channels and roles go by id with their objects in `resolved`."""
    kind = schema["type"] if schema else _infer_type(value)
    if isinstance(value, Member):
        resolved.setdefault("users", {})[value.id] = user_payload(value.user)
        resolved.setdefault("members", {})[value.id] = member_payload(value, with_user=False) | {
            "permissions": "0"
        }
        value = value.id
    elif isinstance(value, User):
        resolved.setdefault("users", {})[value.id] = user_payload(value)
        value = value.id
    elif isinstance(value, Channel):
        resolved.setdefault("channels", {})[value.id] = channel_payload(value) | {
            "permissions": "0"
        }
        value = value.id
    elif isinstance(value, Role):
        resolved.setdefault("roles", {})[value.id] = role_payload(value)
        value = value.id
    option = {"name": name, "type": kind, "value": value}
    if name == focused:
        option["focused"] = True
    return option


def _infer_type(value: Any) -> int:
    """The option type for a value when the command was never synced."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, Member | User):
        return USER
    if isinstance(value, Channel):
        return CHANNEL
    if isinstance(value, Role):
        return ROLE
    return STRING
