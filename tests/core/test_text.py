"""Text normalisation: folding, words, stemming, synonyms, stop words and filler."""

from __future__ import annotations

import pytest

from bot.core.text import STOP_MARK, Normaliser, fold, words
from tests.shipped import shipped_knowledge


@pytest.fixture(scope="module")
def shipped() -> Normaliser:
    """A normaliser with the shipped synonyms."""
    return Normaliser(shipped_knowledge().synonyms)


@pytest.fixture
def plain() -> Normaliser:
    """A normaliser without synonyms."""
    return Normaliser()


def test_fold_applies_nfkc_to_fullwidth_letters():
    assert fold("ＶＰＳ ＮＧＩＮＸ") == "vps nginx"


def test_fold_lowercases_ascii():
    assert fold("NGINX Reverse Proxy") == "nginx reverse proxy"


def test_fold_casefolds_beyond_lowercase():
    assert fold("STRAẞE Straße") == "strasse strasse"


def test_fold_strips_accents():
    assert fold("café résumé naïve") == "cafe resume naive"


def test_fold_flattens_zalgo_text():
    zalgo = "".join(ch + "\u0336\u0317\u0353\u0321" for ch in "nginx")

    assert words(zalgo) == ["nginx"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can't", ["can", "not"]),
        ("cant", ["can", "not"]),
        ("what's", ["what"]),
        ("dont", ["do", "not"]),
        ("don\u2019t", ["do", "not"]),
        ("I won't", ["i", "will", "not"]),
        ("doesnt work", ["does", "not", "work"]),
        ("it isn't", ["it", "is", "not"]),
    ],
)
def test_contractions_are_expanded(text, expected):
    assert words(text) == expected


def test_punctuation_splits_words_and_disappears():
    assert words("ssl?!... not-working (www)") == ["ssl", "not", "working", "www"]


def test_underscores_split_words():
    assert words("client_max_body_size") == ["client", "max", "body", "size"]


def test_plural_and_singular_give_the_same_token(plain):
    assert plain.tokens("backups") == plain.tokens("backup")
    assert plain.tokens("containers") == plain.tokens("container")


def test_verb_forms_share_a_stem(plain):
    assert plain.tokens("restarting") == plain.tokens("restarts") == plain.tokens("restart")


def test_multi_word_synonym_becomes_the_canonical_token(shipped):
    assert shipped.tokens("virtual machines") == shipped.tokens("vm") == ["vm"]


def test_synonym_phrase_matches_in_the_middle_of_a_sentence(shipped):
    assert shipped.tokens("reboot my virtual private server") == shipped.tokens("reboot my vps")


def test_misspelling_listed_as_synonym_maps_to_canonical(shipped):
    assert shipped.tokens("ngnix") == shipped.tokens("nginx")


def test_without_synonyms_variants_stay_apart(plain):
    assert plain.tokens("virtual machines") != plain.tokens("vm")


def test_stop_words_are_dropped(plain):
    assert plain.tokens("how do I fix the firewall?") == plain.tokens("fix firewall")


def test_words_with_hosting_meaning_are_not_stop_words(plain):
    assert plain.tokens("site not working") == ["site", "not", "work"]
    assert plain.tokens("www down") == ["www", "down"]


def test_keep_stop_marks_stop_words_and_keeps_their_order(plain):
    assert plain.tokens("how do i open a port", keep_stop=True) == [
        f"{STOP_MARK}how",
        f"{STOP_MARK}do",
        f"{STOP_MARK}i",
        "open",
        f"{STOP_MARK}a",
        "port",
    ]


def test_keep_stop_leaves_content_words_unmarked(plain):
    assert plain.tokens("open port", keep_stop=True) == plain.tokens("open port")


def test_tokens_keep_duplicates_in_order(plain):
    assert plain.tokens("port port dns") == ["port", "port", "dns"]


def test_memoised_tokens_are_not_shared_between_calls(plain):
    first = plain.tokens("open port")
    first.append("tampered")

    assert plain.tokens("open port") == ["open", "port"]


@pytest.mark.parametrize(
    "text",
    ["hi", "help?", "hello there!!", "", "   ", "\U0001f642\U0001f44d", "thanks guys", "ok"],
    ids=["hi", "help", "hello-there", "empty", "spaces", "emoji", "thanks", "ok"],
)
def test_filler_has_no_content_word(shipped, text):
    assert shipped.is_filler(text)


@pytest.mark.parametrize("text", ["dns", "502", "VM or container?", "ssl not working on www"])
def test_questions_with_a_content_word_are_not_filler(shipped, text):
    assert not shipped.is_filler(text)
