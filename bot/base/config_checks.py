"""Checks across keys, run once settings are built: each error blames the key that was set.

A single key's range is checked by its field; these rules tie keys together (thresholds that
must stay in order, role ids that must not be a server's @everyone role, one database and no
database password in the config file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.base.config_sources import DEFAULT, Origins
from bot.base.dburl import url_has_password
from bot.base.errors import ConfigError

if TYPE_CHECKING:
    from bot.base.config import DiscordSettings, MatcherSettings, StorageSettings

_PASSWORD_FROM = (
    "the password comes from FAQBOT_STORAGE__PASSWORD, PGPASSWORD, storage.password_file, "
    "or a whole FAQBOT_STORAGE__URL variable"
)


def check_thresholds_agree(matcher: MatcherSettings, origins: Origins) -> None:
    """suggest <= answer <= passive answer in the configured mode, blaming whichever of a pair
    was not the default (a null key stands for its mode's default)."""
    bars = matcher.bars()
    pairs = [("answer_threshold", "passive_answer_threshold")]
    if bars.mode == "lexical":
        # In hybrid mode the answer bars are probabilities and the suggest bar a fused score:
        # two scales that need not be in order.
        pairs.insert(0, ("suggest_threshold", "answer_threshold"))
    for low, high in pairs:
        low_value, high_value = bars.value(low), bars.value(high)
        if low_value <= high_value:
            continue
        low_from, high_from = origins.of(("matcher", low)), origins.of(("matcher", high))
        if low_from == DEFAULT and high_from != DEFAULT:
            raise ConfigError(
                f"{high_from}: matcher.{high} ({high_value}) must be at least "
                f"matcher.{low} ({low_value}, {low_from}) in {bars.mode} mode"
            )
        raise ConfigError(
            f"{low_from}: matcher.{low} ({low_value}) must not exceed "
            f"matcher.{high} ({high_value}, {high_from}) in {bars.mode} mode"
        )


def check_roles_are_not_guilds(discord: DiscordSettings, origins: Origins) -> None:
    """A role id equal to a guild id is that server's @everyone: every member a moderator."""
    everyone = set(discord.moderator_roles) & (set(discord.guilds) | set(discord.allowed_guilds))
    if everyone:
        where = origins.of(("discord", "moderator_roles"))
        raise ConfigError(
            f"{where}: discord.moderator_roles lists {min(everyone)}, which is a server's id: "
            "that is its @everyone role and would make every member a moderator"
        )


def _from_file(where: str) -> bool:
    return not where.startswith("environment variable") and where != DEFAULT


def check_storage(storage: StorageSettings, origins: Origins) -> None:
    """One database (the SQLite file or a URL, not both), and no password in the config file."""
    url_from = origins.of(("storage", "url"))
    database_from = origins.of(("storage", "database"))
    if storage.url is not None and database_from != DEFAULT:
        raise ConfigError(
            f"storage.database ({database_from}) and storage.url ({url_from}) are both set: "
            "set storage.url for PostgreSQL, or storage.database for the SQLite file, not both"
        )
    if storage.url is not None and _from_file(url_from) and url_has_password(storage.url):
        raise ConfigError(f"{url_from}: storage.url must not hold a password; {_PASSWORD_FROM}")
    password_from = origins.of(("storage", "password"))
    if storage.password is not None and _from_file(password_from):
        raise ConfigError(
            f"{password_from}: storage.password is never read from the config file; "
            f"{_PASSWORD_FROM}"
        )
    if storage.password is not None and storage.password_file is not None:
        raise ConfigError(
            f"storage.password ({password_from}) and storage.password_file "
            f"({origins.of(('storage', 'password_file'))}) are both set: keep one"
        )
