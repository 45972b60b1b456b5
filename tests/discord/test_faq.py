"""Moderator commands (/faq) through the fake Discord, and their refusal to non-moderators."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.base.config import KnowledgeSettings
from bot.discord.client import FaqBot
from tests.discord_fixtures import (
    KB,
    World,
    assert_quiet,
    callback_of,
    followup_of,
    guild_service,
    make_settings,
    sent_body,
    started_bot,
)
from tests.fake_discord import FakeDiscord

EPHEMERAL, MODAL, AUTOCOMPLETE = 64, 9, 8
NEW_ENTRY = {
    "id": "php-version",
    "question": "How do I change the PHP version of my site?",
    "answer": "Pick it in your control panel. @everyone <@&1> this pings nobody.",
    "alternates": "switch php version\nupgrade php",
    "tags": "php, control-panels",
}


async def command(fake: FakeDiscord, who: Any, name: str, **options: Any) -> dict[str, Any]:
    """Run a slash command in #general and return the body of its first response."""
    iid = await fake.slash_command(name, options, who, who_channel(fake))
    return sent_body(await fake.wait_for_request(callback_of(iid)))


def who_channel(fake: FakeDiscord) -> Any:
    """The #general channel of the only guild."""
    guild = next(iter(fake.world.guilds.values()))
    return next(c for c in guild.channels.values() if c.name == "general")


async def open_modal(fake: FakeDiscord, who: Any, name: str, **options: Any) -> dict[str, Any]:
    """Run a command that opens a modal; return the modal's data."""
    iid = await fake.slash_command(name, options, who, who_channel(fake))
    return (await fake.wait_for_request(callback_of(iid, kind=MODAL))).json["data"]


async def submit(fake: FakeDiscord, who: Any, custom_id: str, values: dict[str, str]) -> Any:
    """Submit a modal and return the bot's response call."""
    iid = await fake.submit_modal(custom_id, values, who)
    return await fake.wait_for_request(callback_of(iid))


def prefilled(modal: dict[str, Any]) -> dict[str, str]:
    """The pre-filled values of a modal's text inputs, by custom_id."""
    values = {}
    for row in modal["components"]:
        inner = row.get("components") or [row.get("component")]
        for item in inner:
            if item and item.get("type") == 4:
                values[item["custom_id"]] = item.get("value") or ""
    return values


async def test_add_opens_a_form_and_saves_the_entry(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    modal = await open_modal(fake_discord, world.mod, "faq add")
    assert modal["custom_id"] == "faq:entry:add"
    done = sent_body(await submit(fake_discord, world.mod, "faq:entry:add", NEW_ENTRY))
    assert done["flags"] & EPHEMERAL and "Added `php-version`" in done["content"]
    entry = (await guild_service(faqbot)).get("php-version")
    assert entry.alternates == ("switch php version", "upgrade php")
    answer = await command(fake_discord, world.alice, "ask", question="switch php version")
    assert answer["embeds"][0]["description"].startswith("Pick it in your control panel. @everyone")
    assert answer["allowed_mentions"]["parse"] == []
    (record,) = await (await guild_service(faqbot)).store.audit_log()
    assert record.action == "entry.add" and record.actor.startswith(f"discord:{world.mod.id}")


async def test_form_fields_over_the_limits_are_refused_with_the_draft_returned(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await open_modal(fake_discord, world.mod, "faq add")
    values = NEW_ENTRY | {"question": "Q" * 300, "answer": "A" * 5000}
    refusal = await submit(fake_discord, world.mod, "faq:entry:add", values)
    body = sent_body(refusal)
    assert body["flags"] & EPHEMERAL and "question" in body["content"]
    assert "Nothing was saved" in body["content"]
    assert refusal.files and b"Q" * 300 in refusal.files[0].data
    assert "php-version" not in {e.id for e in (await guild_service(faqbot)).entries()}
    assert await (await guild_service(faqbot)).store.audit_log() == []


async def test_edit_opens_the_form_pre_filled_and_saves(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    modal = await open_modal(fake_discord, world.mod, "faq edit", entry="mysql-backup")
    values = prefilled(modal)
    assert values["question"] == "How do I back up a MySQL database?"
    assert values["alternates"] == "mysqldump backup\nbackup mysql database"
    values["answer"] = "Use mysqldump, then copy the dump off the server."
    done = await submit(fake_discord, world.mod, modal["custom_id"], values)
    assert "Saved `mysql-backup`" in sent_body(done)["content"]
    assert (
        (await guild_service(faqbot)).get("mysql-backup").answer.startswith("Use mysqldump, then")
    )


async def test_remove_then_restore(faqbot: FaqBot, fake_discord: FakeDiscord, world: World) -> None:
    removed = await command(fake_discord, world.mod, "faq remove", entry="ssh-key-login")
    assert "Removed `ssh-key-login`" in removed["content"]
    assert "ssh-key-login" not in {e.id for e in (await guild_service(faqbot)).entries()}
    restored = await command(fake_discord, world.mod, "faq restore", entry="ssh-key-login")
    assert "Restored" in restored["content"]
    assert (await guild_service(faqbot)).get("ssh-key-login")


async def test_phrasing_add_and_remove(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await command(
        fake_discord, world.mod, "faq phrasing add", entry="ssh-key-login", text="login with a key"
    )
    assert "login with a key" in (await guild_service(faqbot)).get("ssh-key-login").alternates
    await command(
        fake_discord,
        world.mod,
        "faq phrasing remove",
        entry="ssh-key-login",
        text="login with a key",
    )
    assert "login with a key" not in (await guild_service(faqbot)).get("ssh-key-login").alternates


async def test_show_list_test_and_stats(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    shown = await command(fake_discord, world.mod, "faq show", entry="mysql-backup")
    assert shown["embeds"][0]["title"] == "How do I back up a MySQL database?"
    listed = await command(fake_discord, world.mod, "faq list", tag="backups")
    assert "`mysql-backup`" in listed["embeds"][0]["description"]
    assert "ssh-key-login" not in listed["embeds"][0]["description"]
    tested = await command(fake_discord, world.mod, "faq test", text="back up my database")
    assert tested["embeds"][0]["title"] == "Outcome: suggest"
    assert {f["name"].split()[1] for f in tested["embeds"][0]["fields"][:2]} == {
        "mysql-backup",
        "postgres-backup",
    }
    stats = await command(fake_discord, world.mod, "faq stats")
    assert stats["embeds"][0]["title"].startswith("Stats since")


async def test_list_page_past_the_end_is_a_clear_message(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    body = await command(fake_discord, world.mod, "faq list", page=9)
    assert body["flags"] & EPHEMERAL and "only 1 page" in body["content"]


async def test_unknown_entry_id_is_a_clear_private_message(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    for name in ("faq show", "faq edit", "faq remove"):
        body = await command(fake_discord, world.mod, name, entry="no-such-entry")
        assert body["flags"] & EPHEMERAL and "no entry 'no-such-entry'" in body["content"]


async def test_entry_ids_autocomplete(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.autocomplete(
        "faq edit", {"entry": "backup"}, "entry", world.mod, who_channel(fake_discord)
    )
    answer = await fake_discord.wait_for_request(callback_of(iid, kind=AUTOCOMPLETE))
    assert [c["value"] for c in answer.json["data"]["choices"]] == [
        "mysql-backup",
        "postgres-backup",
    ]


async def exported(fake: FakeDiscord, world: World, **options: Any) -> tuple[str, dict]:
    """Run /faq export; the attached file's text and its YAML."""
    iid = await fake.slash_command("faq export", options, world.mod, world.general)
    call = await fake.wait_for_request(callback_of(iid))
    (file,) = call.files
    assert file.filename == "faq-export.yaml"
    text = file.data.decode() if isinstance(file.data, bytes) else file.data
    return text, yaml.safe_load(text)


async def test_export_attaches_everything_this_server_sees_on_request(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await command(fake_discord, world.mod, "faq remove", entry="ssh-key-login")
    _, data = await exported(fake_discord, world, everything=True)
    assert "ssh-key-login" not in {e["id"] for e in data["entries"]}
    assert len(data["entries"]) == 5


async def test_export_by_default_attaches_only_this_servers_changes(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await command(fake_discord, world.mod, "faq remove", entry="ssh-key-login")
    await command(fake_discord, world.mod, "faq phrasing add", entry="mysql-backup", text="dump db")
    text, data = await exported(fake_discord, world)
    assert [e["id"] for e in data["entries"]] == ["mysql-backup"]
    assert "dump db" in data["entries"][0]["alternates"]
    assert "# removed here: ssh-key-login" in text


async def test_reload_keeps_the_knowledge_on_a_bad_file_and_says_why(
    fake_discord: FakeDiscord, world: World, tmp_path: Path
) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    settings = make_settings(tmp_path, world)
    settings = settings.model_copy(update={"knowledge": KnowledgeSettings(paths=(kb,))})
    async with started_bot(fake_discord, settings) as bot:
        (kb / "broken.yaml").write_text("topic: x\nentries:\n  - id: Bad Id\n    question: q\n")
        iid = await fake_discord.slash_command("faq reload", {}, world.mod, world.general)
        said = sent_body(await fake_discord.wait_for_request(followup_of(iid)))
        assert "Reload refused" in said["content"] and "broken.yaml" in said["content"]
        assert len((await guild_service(bot)).entries()) == 6
        (kb / "broken.yaml").unlink()
        iid = await fake_discord.slash_command("faq reload", {}, world.mod, world.general)
        ok = sent_body(await fake_discord.wait_for_request(followup_of(iid)))
        assert ok["content"] == "Reloaded: 6 entries."
    assert_quiet(fake_discord)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("faq add", {}),
        ("faq edit", {"entry": "mysql-backup"}),
        ("faq remove", {"entry": "mysql-backup"}),
        ("faq restore", {"entry": "mysql-backup"}),
        ("faq phrasing add", {"entry": "mysql-backup", "text": "dump mysql"}),
        ("faq phrasing remove", {"entry": "mysql-backup", "text": "mysqldump backup"}),
        ("faq show", {"entry": "mysql-backup"}),
        ("faq list", {}),
        ("faq test", {"text": "dns"}),
        ("faq reload", {}),
        ("faq export", {}),
        ("faq stats", {}),
    ],
)
async def test_non_moderators_are_refused_and_nothing_changes(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World, name: str, options: dict
) -> None:
    before = [e.to_dict() for e in (await guild_service(faqbot)).entries()]
    body = await command(fake_discord, world.alice, name, **options)
    assert body["flags"] & EPHEMERAL and "Only moderators" in body["content"]
    assert [e.to_dict() for e in (await guild_service(faqbot)).entries()] == before
    assert await (await guild_service(faqbot)).store.audit_log() == []


async def test_manage_server_counts_as_moderator(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    body = await command(fake_discord, world.manager, "faq show", entry="mysql-backup")
    assert embed_title_of(body) == "How do I back up a MySQL database?"


async def test_modal_submit_rechecks_the_moderator(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await open_modal(fake_discord, world.mod, "faq add")
    refusal = await submit_as(fake_discord, world.alice, "faq:entry:add", NEW_ENTRY)
    assert "Only moderators" in sent_body(refusal)["content"]
    assert "php-version" not in {e.id for e in (await guild_service(faqbot)).entries()}


def embed_title_of(body: dict[str, Any]) -> str:
    """The first embed's title."""
    return body["embeds"][0]["title"]


async def submit_as(fake: FakeDiscord, who: Any, custom_id: str, values: dict[str, str]) -> Any:
    """Submit a modal someone else opened (a forged or replayed submission)."""
    iid = await fake.submit_modal(custom_id, values, who, who_channel(fake))
    return await fake.wait_for_request(callback_of(iid))
