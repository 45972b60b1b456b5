"""``phrasing_key``'s ASCII fast path gives the keys of the general rule."""

from __future__ import annotations

import random
import string
import unicodedata

import pytest

from bot.core.entries import phrasing_key


def reference_key(text: str) -> str:
    """The general rule: NFKC, casefold, every non-alphanumeric character a space, spaces
    collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@pytest.mark.parametrize("code", range(128))
def test_every_ascii_character_keys_as_the_general_rule(code: int) -> None:
    char = chr(code)
    for text in (char, f"a{char}b", f"{char}{char} Z9 {char}"):
        assert phrasing_key(text) == reference_key(text), repr(text)


def test_random_ascii_strings_key_as_the_general_rule() -> None:
    rng = random.Random(20261129)
    alphabet = [chr(code) for code in range(128)]
    texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(2_000)]
    words = string.ascii_letters + string.digits + " \t\n-_.,?!'"
    texts += ["".join(rng.choices(words, k=rng.randint(0, 60))) for _ in range(2_000)]

    for text in texts:
        assert phrasing_key(text) == reference_key(text), repr(text)


def test_non_ascii_text_still_takes_the_general_rule() -> None:
    assert phrasing_key("Straße  ﬁle—Ⅻ") == "strasse file xii"
    assert phrasing_key("How do I renew my SSL-certificate?") == "how do i renew my ssl certificate"
