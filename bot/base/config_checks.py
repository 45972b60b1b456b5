"""Checks across keys, run once settings are built: each error blames the key that was set.

A single key's range is checked by its field; these rules tie keys together (thresholds that
must stay in order, role ids that must not be a server's @everyone role).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.base.config_sources import DEFAULT, Origins
from bot.base.errors import ConfigError

if TYPE_CHECKING:
    from bot.base.config import DiscordSettings, MatcherSettings


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
