"""The group index finds exactly what a scan of every group would, without scanning."""

from __future__ import annotations

import random

import pytest

from bot.storage.grouping import GroupIndex, dice


def brute_force(groups: dict[int, frozenset[str]], query: frozenset[str], t: float):
    scored = [(dice(query, tokens), -gid) for gid, tokens in groups.items()]
    score, neg_id = max(scored, default=(0.0, 0))
    return (-neg_id, score) if score >= t - 1e-9 and score > 0 else (0, 0.0)


@pytest.mark.parametrize("threshold", [0.4, 0.6, 0.8, 1.0])
def test_index_agrees_with_a_full_scan(threshold: float) -> None:
    rng = random.Random(threshold)
    words = [f"w{n}" for n in range(60)]
    index = GroupIndex(threshold)
    groups: dict[int, frozenset[str]] = {}
    for group_id in range(1, 400):
        tokens = frozenset(rng.sample(words, rng.randint(1, 7)))
        groups[group_id] = tokens
        index.add(group_id, tokens)
    for group_id in rng.sample(sorted(groups), 50):
        index.remove(group_id)
        del groups[group_id]
    for _ in range(300):
        query = frozenset(rng.sample(words, rng.randint(1, 8)))
        expected_id, expected_score = brute_force(groups, query, threshold)
        found_id, found_score = index.best(query)
        assert found_score == pytest.approx(expected_score)
        if expected_id:
            assert found_id == expected_id


def test_empty_question_matches_no_group() -> None:
    index = GroupIndex(0.6)
    index.add(1, ["nginx"])
    assert index.best([]) == (0, 0.0)


def test_excluded_groups_are_skipped() -> None:
    index = GroupIndex(0.6)
    index.add(1, ["nginx", "502"])
    index.add(2, ["nginx", "502", "deploy"])
    assert index.best(["nginx", "502"]) == (1, 1.0)
    assert index.best(["nginx", "502"], exclude={1})[0] == 2


def test_resync_keeps_exactly_the_open_groups_it_has_read_up_to() -> None:
    index = GroupIndex(0.5)
    index.add(1, ["nginx", "502"])
    index.add(2, ["mail", "spam"])
    index.add(4, ["disk", "full"])
    index.remove(4)  # closed here; reopened elsewhere meanwhile

    index.resync({1: ["nginx", "502"], 4: ["disk", "full"], 9: ["dns", "slow"]})

    assert (1 in index, 2 in index, 4 in index, 9 in index) == (True, False, True, False)
    assert index.best(["disk", "full"]) == (4, 1.0)
    assert index.max_id == 4  # group 9 is past what was read: the next refresh reads it
