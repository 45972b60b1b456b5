"""Reading a question against the phrasing index: which indexed words it reaches, and how much.

A query word the index knows matches itself at its full weight. An unknown word (not a stop
word) matches the known words one edit away, at a discount: a misspelt word is good evidence,
not as good as the word itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.text import STOP_MARK

if TYPE_CHECKING:
    from bot.core.index import PhrasingIndex

TYPO_DISCOUNT = 0.8  # a misspelt word is good evidence, not as good as the word itself
MAX_QUERY_TOKENS = 128


@dataclass(frozen=True)
class Query:
    """A query's tokens: weight of each, indexed words they match and with what gain."""

    weights: dict[str, float]  # query token -> weight
    gains: dict[str, tuple[str, float]]  # indexed word -> (query token, gain)
    factors: dict[str, float]  # indexed word -> 1.0, or the typo discount
    total: float  # the weight of the whole query
    content: tuple[str, ...]  # the indexed content words (not stop words) it reaches
    as_typed: bool  # whether some content word matched as typed (not only as a typo)


def read_query(index: PhrasingIndex, text: str) -> Query:
    """The weight of each query token, and each indexed token it matches with its gain."""
    weights: dict[str, float] = {}
    gains: dict[str, tuple[str, float]] = {}
    for token in index.terms(text):
        if token in weights:
            continue
        if len(weights) >= MAX_QUERY_TOKENS:
            break
        if index.knows(token):
            weights[token] = index.weight(token)
            gains[token] = (token, weights[token])
            continue
        near = [] if token[0] == STOP_MARK else index.near(token)
        weights[token] = max(map(index.weight, near), default=index.weight(token))
        for word in near:
            gain = index.weight(word) * TYPO_DISCOUNT
            if gain > gains.get(word, ("", 0.0))[1]:
                gains[word] = (token, gain)
    content = tuple(t for t in gains if t[0] != STOP_MARK)
    return Query(
        weights=weights,
        gains=gains,
        factors={word: gain / index.weight(word) for word, (_, gain) in gains.items()},
        total=sum(weights.values()),
        content=content,
        as_typed=any(word == gains[word][0] for word in content),
    )
