"""Parsed YAML kept between starts: a knowledge file's data by the sha256 of its text.

Parsing is most of what loading a large knowledge base costs (libyaml composes about 3 MB a
second here: 10,000 entries take over a second), and between two starts the files rarely
change. A file's parsed data is kept as JSON in a folder beside the database, named by the
sha256 of the file's exact text (and of this format's version and PyYAML's), so an edited
file is simply another name: nothing is ever stale, and a file is parsed again only when its
text is new. The bounded parse of ``bot.base.safeyaml`` still decides what a text may be; only
what it accepted is kept, and only when it reads back exactly the same value. A date (every
entry's ``updated``) is kept as a one-key object JSON cannot otherwise hold; a timestamp, a
number as a mapping key or NaN are not kept: those texts are parsed each time.

The files are kept as ``bot.base.keptfiles`` keeps them (whole, pruned when unused).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import yaml

from bot.base.keptfiles import KeptFiles
from bot.base.safeyaml import load_bounded

FORMAT = "faqbot-parsed-yaml-2"  # changes whenever what is kept, or how, changes
KEEP_FROM = 32_768  # characters: a smaller file parses in a few milliseconds, keep none


DATE = "\0date"  # the one key of the object a date is kept as (no YAML key of ours)


def is_plain(value: Any) -> bool:
    """Whether a kept ``value`` reads back exactly: text-keyed mappings, lists, text, finite
    numbers, booleans, null and dates (a timestamp, a number key or NaN would not)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, (str, bool, int)) or type(item) is dt.date:
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if DATE in item or not all(type(key) is str for key in item):
                return False
            stack.extend(item.values())
        else:
            return False
    return True


def _date_object(value: Any) -> dict[str, str]:
    if type(value) is dt.date:
        return {DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept")


def _read_date(item: dict[str, Any]) -> Any:
    if len(item) == 1 and DATE in item:
        return dt.date.fromisoformat(item[DATE])
    return item


def _encode(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_date_object)
    return text.encode("utf-8")


def _decode(data: bytes) -> Any:
    return json.loads(data, object_hook=_read_date)


class ParseCache:
    """Parsed YAML by text digest, as JSON files in ``folder`` (created on first write)."""

    def __init__(self, folder: Path, keep_from: int | None = None) -> None:
        self.files = KeptFiles(folder, ".json", _encode, _decode)
        # Read here, not as the default's value: that is bound once, at import.
        self.keep_from = KEEP_FROM if keep_from is None else keep_from

    @staticmethod
    def digest(text: str) -> str:
        """The name a text's parsed data is kept under."""
        header = f"{FORMAT}\0{yaml.__version__}\0".encode()
        return hashlib.sha256(header + text.encode("utf-8")).hexdigest()

    def parse(self, text: str) -> Any:
        """The text's YAML data: kept from an earlier parse, else parsed (``load_bounded``, so
        yaml.YAMLError as it raises) and kept."""
        if len(text) < self.keep_from:
            return load_bounded(text)
        name = self.digest(text)
        found = self.files.get(name)
        if found is not None:
            return found[0]
        data = load_bounded(text)
        if is_plain(data):
            self.files.put(name, data)
        return data

    def prune(self) -> int:
        """Remove what no start used for a week; how many."""
        return self.files.prune()
