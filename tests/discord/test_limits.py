"""Limits a member or moderator can hit (issue 13, items 2 to 4), through the fake Discord.

The fake refuses what Discord refuses (``tests/fake_discord/limits.py``), so each test fails the
way the real server made the bot fail: a 400, then a false "Nothing was changed".
"""

from __future__ import annotations

from typing import Any

from bot.discord.client import FaqBot
from tests.discord.test_faq import MODAL, command, open_modal, prefilled, who_channel
from tests.discord_fixtures import World, callback_of, custom_ids, guild_service, sent_body
from tests.fake_discord import FakeDiscord, RecordedRequest

AUTOCOMPLETE = 8
ANSWER = "Use mysqldump. " * 266  # 3,990 characters, as in the report
PHRASINGS = [f"phrasing {n} " + "about dumping a mysql database " * 9 for n in range(13)]
TAGS = [f"tag-{n}-" + "x" * 30 for n in range(30)]


async def answered(fake: FakeDiscord, iid: str) -> RecordedRequest:
    """The interaction's successful response (a refused one is skipped)."""
    return await fake.wait_for_request(lambda r: callback_of(iid)(r) and r.status == 200)


async def submit(fake: FakeDiscord, who: Any, custom_id: str, values: dict[str, str]) -> str:
    """Submit a modal; the bot's successful response's content."""
    iid = await fake.submit_modal(custom_id, values, who)
    return str(sent_body(await answered(fake, iid)).get("content"))


def refused(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every call the fake refused for a Discord limit."""
    return [r for r in fake.requests if r.status == 400]


async def make_huge(bot: FaqBot) -> None:
    """mysql-backup with a 3,990-character answer, 13 long phrasings and 30 tags."""
    changes = {"answer": ANSWER, "alternates": PHRASINGS, "tags": TAGS}
    await (await guild_service(bot)).edit_entry("mysql-backup", changes, "test")


async def test_edit_with_a_long_answer_is_confirmed_with_the_entry(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    modal = await open_modal(fake_discord, world.mod, "faq edit", entry="mysql-backup")
    values = prefilled(modal) | {
        "answer": ANSWER,
        "alternates": "\n".join(PHRASINGS),
        "tags": ", ".join(TAGS),
    }
    iid = await fake_discord.submit_modal(modal["custom_id"], values, world.mod)
    body = sent_body(await answered(fake_discord, iid))
    assert body["content"].startswith("Saved `mysql-backup` (action #")
    assert body["embeds"][0]["description"].startswith("Use mysqldump.")
    assert refused(fake_discord) == []
    assert (await guild_service(faqbot)).get("mysql-backup").answer == ANSWER.strip()


async def test_show_of_the_longest_entry_fits(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    await make_huge(faqbot)
    iid = await fake_discord.slash_command(
        "faq show", {"entry": "mysql-backup"}, world.mod, who_channel(fake_discord)
    )
    (embed,) = sent_body(await answered(fake_discord, iid))["embeds"]
    assert embed["title"] == "How do I back up a MySQL database?"
    assert "more not shown" in embed["footer"]["text"]
    assert refused(fake_discord) == []


async def test_a_failure_after_the_edit_says_saved_with_the_action_number(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    modal = await open_modal(fake_discord, world.mod, "faq edit", entry="mysql-backup")
    values = prefilled(modal) | {"answer": "Use mysqldump --single-transaction."}
    fake_discord.fail_next("interaction_callback", 400)  # Discord refuses the confirmation
    content = await submit(fake_discord, world.mod, modal["custom_id"], values)
    (record,) = await (await guild_service(faqbot)).store.audit_log()
    assert content.startswith(f"Saved, but could not be shown (action #{record.id})")
    assert "Nothing was" not in content
    assert (await guild_service(faqbot)).get(
        "mysql-backup"
    ).answer == "Use mysqldump --single-transaction."


async def test_a_failure_after_a_removal_says_saved_with_the_action_number(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    fake_discord.fail_next("interaction_callback", 400)
    iid = await fake_discord.slash_command(
        "faq remove", {"entry": "ssh-key-login"}, world.mod, who_channel(fake_discord)
    )
    content = sent_body(await answered(fake_discord, iid))["content"]
    (record,) = await (await guild_service(faqbot)).store.audit_log()
    assert content.startswith(f"Saved, but could not be shown (action #{record.id})")


async def test_edit_form_pre_fills_tags_longer_than_200_characters(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    tags = [f"tag-{n}-" + "y" * 32 for n in range(12)]  # 478 characters joined, as reported
    await (await guild_service(faqbot)).edit_entry("mysql-backup", {"tags": tags}, "test")
    iid = await fake_discord.slash_command(
        "faq edit", {"entry": "mysql-backup"}, world.mod, who_channel(fake_discord)
    )
    reply = await answered(fake_discord, iid)
    assert reply.json["type"] == MODAL
    assert prefilled(reply.json["data"])["tags"] == ", ".join(tags)


async def test_tags_too_long_for_the_form_are_kept_when_left_empty(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    tags = [f"tag-{n}-" + "z" * 290 for n in range(20)]  # about 6,000 characters
    await (await guild_service(faqbot)).edit_entry("mysql-backup", {"tags": tags}, "test")
    modal = await open_modal(fake_discord, world.mod, "faq edit", entry="mysql-backup")
    values = prefilled(modal)
    assert values["tags"] == ""
    content = await submit(
        fake_discord, world.mod, modal["custom_id"], values | {"answer": "New answer."}
    )
    assert content.startswith("Saved `mysql-backup`")
    entry = (await guild_service(faqbot)).get("mysql-backup")
    assert entry.tags == tuple(tags) and entry.answer == "New answer."


async def test_list_by_a_long_tag_keeps_the_title_within_256(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    (embed,) = (await command(fake_discord, world.mod, "faq list", tag="t" * 300))["embeds"]
    assert len(embed["title"]) <= 256 and embed["title"].endswith("… (0)")


async def test_a_phrasing_over_100_characters_can_be_removed_through_autocomplete(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    long = "how do I back up a mysql database " * 8 + "every night"  # 283 characters
    await (await guild_service(faqbot)).add_phrasing("mysql-backup", long, "test")
    iid = await fake_discord.autocomplete(
        "faq phrasing remove",
        {"entry": "mysql-backup", "text": "every night"},
        "text",
        world.mod,
        who_channel(fake_discord),
    )
    (choice,) = (await answered(fake_discord, iid)).json["data"]["choices"]
    assert len(choice["value"]) <= 100 and choice["name"].endswith("…")
    done = await command(
        fake_discord,
        world.mod,
        "faq phrasing remove",
        entry="mysql-backup",
        text=choice["value"],
    )
    assert done["content"].startswith("Removed the phrasing from `mysql-backup`")
    assert long not in (await guild_service(faqbot)).get("mysql-backup").alternates


async def test_clicking_a_pick_again_shows_the_answer_but_counts_one_choice(
    faqbot: FaqBot, fake_discord: FakeDiscord, world: World
) -> None:
    iid = await fake_discord.slash_command(
        "ask", {"question": "how do I back up my database"}, world.alice, world.general
    )
    offer = sent_body(await answered(fake_discord, iid))
    pick = next(c for c in custom_ids(offer) if c.endswith("mysql-backup"))
    message_id = fake_discord.response_message_id(iid) or ""
    votes_under = set()
    for _ in range(5):  # another member clicks again and again: each time the answer, privately
        click = await fake_discord.click_button(message_id, pick, world.mod)
        shown = sent_body(await answered(fake_discord, click))
        assert shown["embeds"][0]["title"] == "How do I back up a MySQL database?"
        votes_under |= {c for c in custom_ids(shown) if c.startswith("faq:vote:")}
    assert len(votes_under) == 2  # helpful / not helpful of the one chosen event
    assert (await (await guild_service(faqbot)).stats()).answered == 1
    click = await fake_discord.click_button(message_id, pick, world.alice)
    await answered(fake_discord, click)
    assert (
        await (await guild_service(faqbot)).stats()
    ).answered == 2  # the asker's own pick counts once
