"""An in-memory index that finds the open group closest to a new question in a few lookups.

Similarity is the Dice coefficient of token sets, 2|A∩B| / (|A| + |B|), between the question and
the group's seed (its first question). A group of b tokens can only reach the threshold t if b lies
in [a·t/(2−t), a·(2−t)/t] and it shares at least k = ⌈t·(a+b)/2⌉ of the question's a tokens, so it
must appear in one of the a−k+1 shortest posting lists of the question's tokens for size b (prefix
filtering). Candidates therefore come from a few short lists, never from a scan of every group.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

_EMPTY: frozenset[int] = frozenset()


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """The Dice similarity of two token sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


class GroupIndex:
    """Token sets of open groups, with posting lists keyed by (token, set size)."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._tokens: dict[int, frozenset[str]] = {}
        self._postings: dict[tuple[str, int], set[int]] = defaultdict(set)
        self.max_id = 0

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, group_id: object) -> bool:
        return group_id in self._tokens

    def add(self, group_id: int, tokens: Iterable[str]) -> None:
        """Index one open group by its seed tokens."""
        self.remove(group_id)
        token_set = frozenset(tokens)
        self.max_id = max(self.max_id, group_id)
        if not token_set:
            return
        self._tokens[group_id] = token_set
        size = len(token_set)
        for token in token_set:
            self._postings[(token, size)].add(group_id)

    def reopen(self, group_id: int, tokens: Iterable[str]) -> None:
        """Index a group that is open again (an undone review), without moving ``max_id``.

        ``max_id`` says every open group up to it has been read; groups of other processes
        between it and this id may not have been. One past it is left to the next refresh,
        which reads it with them.
        """
        if group_id <= self.max_id:
            self.add(group_id, tokens)

    def resync(self, open_groups: Mapping[int, Iterable[str]]) -> None:
        """Hold exactly the open groups given, up to ``max_id`` (after notes were missed):
        groups closed meanwhile go, groups reopened meanwhile come back. Later ones are left
        to the next refresh, as in ``reopen``."""
        for group_id in [g for g in self._tokens if g not in open_groups]:
            self.remove(group_id)
        for group_id, tokens in open_groups.items():
            if group_id not in self._tokens:
                self.reopen(group_id, tokens)

    def remove(self, group_id: int) -> None:
        """Forget a group (resolved, dismissed, or about to be re-added)."""
        token_set = self._tokens.pop(group_id, None)
        if token_set is None:
            return
        size = len(token_set)
        for token in token_set:
            key = (token, size)
            members = self._postings[key]
            members.discard(group_id)
            if not members:
                del self._postings[key]

    def best(self, tokens: Iterable[str], *, exclude: set[int] | None = None) -> tuple[int, float]:
        """The closest group at or above the threshold as (id, similarity); (0, 0.0) if none."""
        query = frozenset(tokens)
        a = len(query)
        if not a:
            return 0, 0.0
        t = self.threshold
        smallest = max(1, math.ceil(a * t / (2 - t) - 1e-9))
        largest = math.floor(a * (2 - t) / t + 1e-9)
        best_id, best_score = 0, 0.0
        for size in range(smallest, largest + 1):
            # Shared tokens a group of this size needs: 2o / (a + size) >= t.
            need = math.ceil(t * (a + size) / 2 - 1e-9)
            if need > min(a, size):
                continue
            lists = sorted((self._postings.get((tok, size), _EMPTY) for tok in query), key=len)
            candidates = set().union(*lists[: a - need + 1])
            if exclude:
                candidates -= exclude
            if not candidates:
                continue
            # Count shared tokens with set operations (C speed), not candidate by candidate.
            shared: Counter[int] = Counter()
            for members in lists:
                if members:
                    shared.update(candidates & members)
            top = max(shared.values())
            score = 2 * top / (a + size)
            if top < need or score < best_score:
                continue
            group_id = min(g for g, n in shared.items() if n == top)
            if score > best_score or group_id < best_id:
                best_id, best_score = group_id, score
        if best_score + 1e-9 < t:
            return 0, 0.0
        return best_id, best_score
