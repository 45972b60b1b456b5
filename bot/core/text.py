"""Text normalisation: what makes "VMs or containers??" and "vm vs docker" look alike.

Steps, in order: Unicode NFKC and case folding; accents and other combining marks dropped
(which also flattens zalgo text); contractions expanded; words split on anything that is not a
letter or digit; Snowball (Porter 2) stemming, then synonym phrases (matched on stems, so plurals
match too) replaced by their canonical form and stop words dropped. Filler is text with no
content word left ("hi", "help?"). Only the first MAX_TEXT_CHARS characters of a text are read:
a question is a few lines, and a pasted log must not cost more than one.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from operator import itemgetter

import snowballstemmer

WORD = re.compile(r"[^\W_]+")
CONTRACTIONS = (
    (re.compile(r"\b(can)'?t\b"), r"\1 not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\b(do|does|did|is|are|was|were|has|have|should|could|would)nt\b"), r"\1 not"),
    (re.compile(r"\b(what|how|where|who|that|there)s\b"), r"\1 is"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), ""),
)
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})

# Function words and chat filler. Words that carry hosting meaning ("down", "not", "up",
# "off", "www") are deliberately absent.
STOP_WORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor now of once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until very was we were what when where which
    while who whom why will with would you your yours yourself yourselves also get got im ive
    id u ur pls plz please hi hii hiii hello helo hey heya yo sup thanks thank thx ty help
    anyone someone somebody guys guy bro dude sir mam maam ok okay yes yeah yep hmm hm lol
    one need know tell like really actually still even ever much many way let lets
    us dear kindly sorry question vs versus make
    """.split()
)

STOP_MARK = "~"
_STEM, _TOKEN = itemgetter(0), itemgetter(1)  # fields of a memoised word (see Normaliser._word)
MAX_MEMO = 50_000  # memoised words and texts; bounded so memory stays flat
MAX_TEXT_CHARS = 4000  # the rest of a longer text is ignored (Discord's own cap for a message)

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one folded word (digits and short words are kept as they are)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return _stemmer.stemWord(word)


def fold(text: str) -> str:
    """NFKC, case folding and accent stripping: the form every comparison starts from."""
    if text.isascii():  # the common case: nothing to compose, decompose or strip
        text = text.lower()
        return text.replace("`", "'") if "`" in text else text  # the one ASCII apostrophe
    text = unicodedata.normalize("NFKC", text).casefold().translate(APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text)
    # Every mark (category M*), not only those with a combining class: zalgo generators also
    # use enclosing marks such as U+0489, whose combining class is 0.
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))


def words(text: str) -> list[str]:
    """Folded words of a text, contractions expanded, before synonyms and stop words."""
    text = fold(text)
    if "'" in text or "nt" in text or "s " in text or text.endswith("s"):
        for pattern, replacement in CONTRACTIONS:
            text = pattern.sub(replacement, text)
    return WORD.findall(text)


class Normaliser:
    """Turns text into the content tokens the matcher indexes."""

    def __init__(self, synonyms: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self._longest = 1
        for canonical, variants in (synonyms or {}).items():
            target = "_".join(stem(w) for w in words(canonical))
            if not target:
                continue
            for variant in (canonical, *variants):
                key = tuple(stem(w) for w in words(variant))
                if key:
                    self._phrases[key] = target
                    self._longest = max(self._longest, len(key))
        self._starts = frozenset(key[0] for key in self._phrases)
        self._words: dict[str, tuple[str, str, bool]] = {}
        self._cache: dict[tuple[str, bool], tuple[str, ...]] = {}

    def _word(self, word: str) -> tuple[str, str, bool]:
        """A word's stem, its token and whether it is a stop word (memoised)."""
        info = self._words.get(word)
        if info is None:
            stemmed = stem(word)
            is_stop = word in STOP_WORDS
            info = (stemmed, sys.intern(STOP_MARK + word) if is_stop else stemmed, is_stop)
            if len(self._words) < MAX_MEMO:
                self._words[word] = info
        return info

    def _phrase(self, raw: list[str], i: int) -> tuple[str, int] | None:
        """The synonym phrase starting at ``raw[i]``, longest first, and its length."""
        stems = tuple(self._word(w)[0] for w in raw[i : i + self._longest])
        for size in range(len(stems), 0, -1):
            target = self._phrases.get(stems[:size])
            if target is not None:
                return target, size
        return None

    def _content(self, raw: list[str], keep_stop: bool) -> list[str]:
        """Stems with synonym phrases replaced; stop words dropped or marked with ``~``."""
        infos = list(map(self._words.get, raw))  # C-speed lookups: this runs per phrasing
        if None in infos:
            infos = [info or self._word(w) for info, w in zip(infos, raw, strict=True)]
        starts = self._starts
        if not starts or starts.isdisjoint(map(_STEM, infos)):  # no synonym phrase here
            if keep_stop:
                return list(map(_TOKEN, infos))
            return [info[1] for info in infos if not info[2]]
        out: list[str] = []
        i, count = 0, len(raw)
        while i < count:
            stemmed, token, is_stop = infos[i]
            if stemmed in starts and (found := self._phrase(raw, i)) is not None:
                out.append(found[0])
                i += found[1]
                continue
            if keep_stop or not is_stop:
                out.append(token)
            i += 1
        return out

    def tokens(self, text: str, *, keep_stop: bool = False, memo: bool = True) -> list[str]:
        """Normalised content tokens of a text, in order, duplicates kept.

        With ``keep_stop`` the stop words stay too, marked with a leading ``~``: they tell
        "how do I say" from "what do I say", but must never count as much as a content word.
        ``memo=False`` skips the cache of recent texts (for one-off texts such as phrasings).
        Text past MAX_TEXT_CHARS is ignored, before any work (and before it becomes a cache key).
        """
        text = text[:MAX_TEXT_CHARS]
        if not memo:
            return self._content(words(text), keep_stop)
        key = (text, keep_stop)
        cached = self._cache.get(key)
        if cached is not None:
            return list(cached)
        result = tuple(self._content(words(text), keep_stop))
        if len(self._cache) > MAX_MEMO:
            self._cache.clear()
        self._cache[key] = result
        return list(result)

    def is_filler(self, text: str) -> bool:
        """True when nothing but stop words and greetings is left ("hi", "help?")."""
        return not self.tokens(text)
