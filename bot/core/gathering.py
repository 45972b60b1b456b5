"""Candidate gathering: the phrasings a query reaches through the index's postings, with their Dice.

Rare words, heaviest first, bring in phrasings through their postings. A phrasing first reached
through a word lacks every heavier word, which bounds its Dice; once that bound falls below a
share of the best found (or a word would overrun the budget), words only add to phrasings already
found. Stop words and common words, whose postings are long, only ever add. This keeps a query
fast on 100,000 entries; ``exhaustive`` turns all of it off (for measuring what pruning costs).

A view (``visible``) of the knowledge is applied to the postings as they are read, so an entry a
community does not see never takes a place in the budget or sets the bar for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.core.query import Query

Visible = Callable[[str], bool]  # entry id -> whether this view of the knowledge shows it

CANDIDATE_BUDGET = 1500  # phrasings gathered before common words stop adding more
COMMON_FLOOR = 200  # a word in fewer phrasings than this always brings them in
COMMON_SHARE = 0.02  # ... and so does one in less than this share of all phrasings
PRUNE_SHARE = 0.7  # new phrasings come in only while their bound reaches this share of the best
# With more phrasings than KEEP_ABOVE gathered, those sharing less than KEEP_SHARE of the best
# one's rare-word weight are dropped before stop words are counted: they cannot lead.
KEEP_ABOVE = 300
KEEP_SHARE = 0.5


def gather_phrasings(
    query: Query,
    *,
    postings: Mapping[str, list[int]],
    tokens: Sequence[tuple[str, ...]],
    owner: Sequence[str],
    norms: Sequence[float | None],
    norm: Callable[[int], float],
    phrasing_count: int,
    visible: Visible | None = None,
    exhaustive: bool = False,
) -> dict[int, float]:
    """The Dice of every phrasing reached from the query's content words (phrasing id -> Dice)."""
    gains, total = query.gains, query.total

    def reach(token: str) -> list[int]:
        found = postings[token]
        return found if visible is None else [pid for pid in found if visible(owner[pid])]

    if exhaustive:
        reached = {pid for token in query.content for pid in reach(token)}
        return {
            pid: 2.0 * sum(gains[t][1] for t in tokens[pid] if t in gains) / (total + norm(pid))
            for pid in sorted(reached)
        }
    common = max(COMMON_FLOOR, phrasing_count * COMMON_SHARE)
    later = {word: gain for word, (_, gain) in gains.items()}
    rest = sum(later.values())
    shared: dict[int, float] = {}
    top, top_pid = 0.0, -1
    for token in sorted(query.content, key=lambda t: (-gains[t][1], t)):
        found = reach(token)
        if shared and len(found) > common:
            continue
        gain = later.pop(token)
        bound = 2.0 * rest / (total + rest)
        rest -= gain
        best = 2.0 * top / (total + norm(top_pid)) if shared else 0.0
        room = not shared or len(shared) + len(found) <= CANDIDATE_BUDGET
        if room and bound >= PRUNE_SHARE * best:
            get = shared.get
            for pid in found:
                value = shared[pid] = get(pid, 0.0) + gain
                if value > top:
                    top, top_pid = value, pid
        else:
            for pid in found:
                if pid in shared:
                    value = shared[pid] = shared[pid] + gain
                    if value > top:
                        top, top_pid = value, pid
    floor = KEEP_SHARE * top
    if len(shared) > KEEP_ABOVE:
        shared = {pid: w for pid, w in shared.items() if w >= floor}
    if later:
        for pid in shared:
            found = [later[word] for word in tokens[pid] if word in later]
            if found:
                shared[pid] += sum(found)
    return {
        pid: 2.0 * weight / (total + (norms[pid] or norm(pid))) for pid, weight in shared.items()
    }
