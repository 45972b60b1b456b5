"""The operator's totals: several communities' stats over one period summed into one."""

from __future__ import annotations

from collections import Counter

from bot.storage import EntryCount, Stats


def sum_stats(parts: list[Stats], top: int) -> Stats:
    """Several scopes' stats over the same period as one."""
    answered: Counter[str] = Counter()
    helpful: Counter[str] = Counter()
    not_helpful: Counter[str] = Counter()
    for part in parts:
        for count in part.top_entries:
            answered[count.entry_id] += count.answered
        for count in part.helpfulness:
            helpful[count.entry_id] += count.helpful
            not_helpful[count.entry_id] += count.not_helpful
    voted = sorted(helpful.keys() | not_helpful.keys(), key=lambda e: -helpful[e] - not_helpful[e])
    groups = sorted((g for p in parts for g in p.largest_groups), key=lambda g: -g.size)
    return Stats(
        since=parts[0].since,
        until=parts[0].until,
        answered=sum(p.answered for p in parts),
        suggested=sum(p.suggested for p in parts),
        unanswered=sum(p.unanswered for p in parts),
        top_entries=tuple(EntryCount(e, answered=n) for e, n in answered.most_common(top)),
        helpfulness=tuple(
            EntryCount(e, helpful=helpful[e], not_helpful=not_helpful[e]) for e in voted[:top]
        ),
        largest_groups=tuple(groups[:top]),
    )
