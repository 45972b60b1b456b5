"""Shard ranges: which of the bot's gateway shards this process runs (``discord.shard_ids``).

A bot in many servers splits them over ``discord.shard_count`` shards (Discord routes server
``g`` to shard ``(g >> 22) % shard_count``); several processes can each run a range of them.
``discord.shard_ids`` is written ``0-7``, ``0,2,5``, ``3`` or a mix (``0-2,5``), in the file
or as ``FAQBOT_DISCORD__SHARD_IDS``; a YAML list of numbers works too. Unset, one process runs
every shard (Discord's recommended count, or ``shard_count`` when that alone is set).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator
from pydantic_settings import NoDecode

from bot.base.errors import ConfigError

if TYPE_CHECKING:
    from bot.base.config import DiscordSettings
    from bot.base.config_sources import Origins

# Far above any real bot (Discord's largest run a few thousand shards), and low enough that a
# typo such as 0-99999999 is refused before a list of that size is built.
MAX_SHARDS = 100_000
_PART = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_FORM = "shard ids such as 0-7, 0,2,5 or 3"


def _expand(part: Any) -> range:
    """One item (``3``, ``"3"``, ``"0-7"``) as the range of ids it names."""
    if isinstance(part, bool) or not isinstance(part, int | str):
        raise ValueError(f"must be {_FORM}")
    if isinstance(part, int):
        if part < 0:
            raise ValueError(f"must be {_FORM} (no negative shard {part})")
        first = last = part
    else:
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"must be {_FORM}")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
    if last < first:
        raise ValueError(f"has the range {first}-{last}, which runs backwards")
    if last >= MAX_SHARDS:
        raise ValueError(f"names shard {last}; at most {MAX_SHARDS} shards are supported")
    return range(first, last + 1)


def parse_shard_ids(value: Any) -> tuple[int, ...] | None:
    """``"0-2,5"``, ``[0, 1]`` or ``3`` as sorted shard ids; None stays None (every shard)."""
    if value is None:
        return None
    parts: Iterable[Any]
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"must be {_FORM} (or null for every shard)")
        parts = value.split(",")
    elif isinstance(value, list | tuple):
        parts = value
    else:
        parts = [value]
    seen: set[int] = set()
    for part in parts:
        for shard in _expand(part):
            if shard in seen:
                raise ValueError(f"lists shard {shard} twice")
            seen.add(shard)
    if not seen:
        raise ValueError(f"must be {_FORM} (or null for every shard)")
    return tuple(sorted(seen))


# NoDecode: pydantic-settings would read the variable as JSON; "0-7" is not JSON.
ShardIds = Annotated[tuple[int, ...] | None, NoDecode, BeforeValidator(parse_shard_ids)]


def check_shards(discord: DiscordSettings, origins: Origins) -> None:
    """``shard_ids`` needs ``shard_count``, and every id must be below it."""
    ids, count = discord.shard_ids, discord.shard_count
    if ids is None:
        return
    ids_from = origins.of(("discord", "shard_ids"))
    if count is None:
        raise ConfigError(
            f"{ids_from}: discord.shard_ids ({describe_ids(ids)}) needs discord.shard_count, "
            "the total number of shards across every process (set both, or neither)"
        )
    outside = [shard for shard in ids if shard >= count]
    if outside:
        count_from = origins.of(("discord", "shard_count"))
        raise ConfigError(
            f"{ids_from}: discord.shard_ids lists shard {outside[0]}, but discord.shard_count "
            f"is {count} ({count_from}): shards are numbered 0 to {count - 1}"
        )


def describe_ids(ids: Iterable[int]) -> str:
    """Shard ids written compactly: ``0-3,7``."""
    runs: list[list[int]] = []
    for shard in sorted(ids):
        if runs and shard == runs[-1][1] + 1:
            runs[-1][1] = shard
        else:
            runs.append([shard, shard])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def describe_shards(ids: tuple[int, ...] | None, count: int | None) -> str:
    """This process's share of the shards, for ``doctor`` and the logs."""
    if ids is None and count is None:
        return "every shard, as many as Discord recommends (discord.shard_ids unset)"
    if ids is None:
        return f"every shard of {count} (discord.shard_count; discord.shard_ids unset)"
    return (
        f"shards {describe_ids(ids)} of {count} ({len(ids)} in this process; other processes "
        "must run the rest)"
    )
