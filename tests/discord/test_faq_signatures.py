"""/faq signature add|remove through the fake Discord, and what a pasted error then gets."""

from __future__ import annotations

from typing import Any

from bot.discord.client import FaqBot
from tests.discord_fixtures import (
    World,
    callback_of,
    embed_title,
    guild_service,
    reply_to,
    sent_body,
)
from tests.fake_discord import FakeDiscord

EPHEMERAL, AUTOCOMPLETE = 64, 8
SIGNATURE = "no live upstreams while connecting to upstream"
PASTED = "hey all, nginx error.log is full of this\n```\n[error] 12#12: *3 no live upstreams while connecting to upstream, client: 198.51.100.7\n```"  # noqa: E501
TITLE_502 = "How do I fix a 502 Bad Gateway error?"


async def command(fake: FakeDiscord, who: Any, name: str, **options: Any) -> dict[str, Any]:
    """Run a slash command in #general and return the body of its first response."""
    iid = await fake.slash_command(name, options, who, fake_general(fake))
    return sent_body(await fake.wait_for_request(callback_of(iid)))


def fake_general(fake: FakeDiscord) -> Any:
    """The #general channel of the only guild."""
    guild = next(iter(fake.world.guilds.values()))
    return next(c for c in guild.channels.values() if c.name == "general")


async def test_signature_add_then_a_pasted_error_is_answered_in_a_passive_channel(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    assert (await guild_service(faqbot)).preview(PASTED).entry_id is None  # words alone: no
    done = await command(
        fake_discord, world.mod, "faq signature add", entry="error-502-bad-gateway", text=SIGNATURE
    )
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith("Added the signature to `error-502-bad-gateway`")
    service = await guild_service(faqbot)
    assert service.get("error-502-bad-gateway").signatures == (SIGNATURE,)
    (record,) = await service.store.audit_log()
    assert record.action == "signature.add"
    post = await fake_discord.send_message(world.help_desk, world.alice, PASTED)
    assert embed_title(await fake_discord.wait_for_request(reply_to(post))) == TITLE_502


async def test_signature_remove_autocompletes_and_removes(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    service = await guild_service(faqbot)
    await service.add_signature("error-502-bad-gateway", SIGNATURE, "test")
    iid = await fake_discord.autocomplete(
        "faq signature remove",
        {"entry": "error-502-bad-gateway", "text": "live upstreams"},
        "text",
        world.mod,
        fake_general(fake_discord),
    )
    answer = await fake_discord.wait_for_request(callback_of(iid, kind=AUTOCOMPLETE))
    (choice,) = answer.json["data"]["choices"]
    done = await command(
        fake_discord,
        world.mod,
        "faq signature remove",
        entry="error-502-bad-gateway",
        text=choice["value"],
    )
    assert done["content"].startswith("Removed the signature from `error-502-bad-gateway`")
    assert service.get("error-502-bad-gateway").signatures == ()


async def test_a_too_generic_signature_is_refused_and_nothing_changes(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    body = await command(
        fake_discord, world.mod, "faq signature add", entry="error-502-bad-gateway", text="err*"
    )
    assert body["flags"] & EPHEMERAL and "too generic" in body["content"]
    assert await (await guild_service(faqbot)).store.audit_log() == []


async def test_signatures_are_shown_with_the_entry(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await (await guild_service(faqbot)).add_signature("error-502-bad-gateway", SIGNATURE, "t")
    shown = await command(fake_discord, world.mod, "faq show", entry="error-502-bad-gateway")
    fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
    assert SIGNATURE in fields["Signatures"]


async def test_non_moderators_cannot_add_or_remove_signatures(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    for name in ("faq signature add", "faq signature remove"):
        body = await command(
            fake_discord, world.alice, name, entry="error-502-bad-gateway", text=SIGNATURE
        )
        assert body["flags"] & EPHEMERAL and "Only moderators" in body["content"]
    service = await guild_service(faqbot)
    assert service.get("error-502-bad-gateway").signatures == ()
    assert await service.store.audit_log() == []
