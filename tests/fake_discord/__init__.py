"""A fake Discord (REST API + gateway on 127.0.0.1) that the real discord.py client runs against."""

from tests.fake_discord.patching import patch_discord
from tests.fake_discord.recording import RecordedFile, RecordedRequest
from tests.fake_discord.server import DEFAULT_TOKEN, FakeDiscord
from tests.fake_discord.state import Channel, Guild, Member, Role, User

__all__ = [
    "DEFAULT_TOKEN",
    "Channel",
    "FakeDiscord",
    "Guild",
    "Member",
    "RecordedFile",
    "RecordedRequest",
    "Role",
    "User",
    "patch_discord",
]
