"""Long questions: only the first MAX_TEXT_CHARS characters count, long words are not typos."""

from __future__ import annotations

import random
import string

from bot.core.entries import Entry
from bot.core.matcher import Matcher
from bot.core.text import MAX_TEXT_CHARS, Normaliser
from bot.core.typos import MAX_LENGTH, TypoIndex
from tests.bounded import run_capped

PADDING = "lorem " * (MAX_TEXT_CHARS // 6 + 1)  # a filler word per six characters, past the cap


def test_the_question_cap_is_the_documented_4000_characters() -> None:
    assert MAX_TEXT_CHARS == 4000


def test_words_past_the_cap_are_not_read() -> None:
    normaliser = Normaliser()

    tokens = normaliser.tokens(PADDING + "nginx")

    assert "nginx" not in tokens
    assert normaliser.tokens("nginx " + PADDING)[0] == "nginx"


def test_the_matcher_ignores_a_question_hidden_after_a_wall_of_text() -> None:
    entry = Entry("reload-nginx", "How do I reload nginx?", "nginx -s reload", ("restart nginx",))
    matcher = Matcher([entry])

    assert matcher.match("how do I reload nginx").entry_id == "reload-nginx"
    assert matcher.match(PADDING + " how do I reload nginx").entry_id is None


def test_a_word_one_letter_off_is_still_found() -> None:
    word = "abcdefghij" * 4  # exactly MAX_LENGTH letters
    index = TypoIndex({word: 1})
    index.add(word)

    assert len(word) == MAX_LENGTH
    assert index.near(word[:-1] + "z") == [word]


def test_a_word_longer_than_max_length_is_not_guessed() -> None:
    word = "abcdefghij" * 4 + "k"
    index = TypoIndex({word: 1})
    index.add(word)

    assert index.near(word[:-1] + "z") == []


def test_a_40000_letter_word_is_looked_up_in_bounded_memory() -> None:
    letters = "".join(random.Random(13).choices(string.ascii_lowercase, k=40_000))
    result = run_capped(f"""
        from bot.core.typos import TypoIndex
        print(TypoIndex({{}}).near({letters!r}))
    """)

    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr[-500:]
