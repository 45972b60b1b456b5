"""The figures of faqbot eval: helped and wrong answers counted over real matching."""

from __future__ import annotations

from bot.base.config import MatcherSettings
from bot.core.evaluation import LabelledQuery, evaluate
from bot.core.knowledge import Entry
from bot.core.matcher import Matcher

ENTRIES = [
    Entry(id="ssl", question="how do i renew my ssl certificate", answer="a",
          alternates=("renew ssl certificate", "certificate renewal")),
    Entry(id="dns", question="point my domain at the vps", answer="b",
          alternates=("dns a record", "domain to server")),
]  # fmt: skip


def test_helped_counts_right_answers_and_offered_gold_and_wrong_counts_every_miss() -> None:
    # Answer from 0.9 (an exact phrasing), suggest from 0.1.
    settings = MatcherSettings(answer_threshold=0.9, margin=0.0, suggest_threshold=0.1)
    matcher = Matcher(ENTRIES, settings=settings)
    queries = [
        LabelledQuery("renew ssl certificate", "ssl"),  # answered right
        LabelledQuery("renew ssl certificate", "dns"),  # answered, wrong entry
        LabelledQuery("renew ssl certificate", None),  # answered, no entry fits
        LabelledQuery("my domain", "dns"),  # suggested
    ]
    assert [c.entry_id for c in matcher.match("my domain").suggestions][:1] == ["dns"]
    figures = evaluate(matcher, queries)
    assert figures["wrong_answers"] == 2
    assert figures["false_answer_rate"] == 1.0
    assert figures["helped"] == round(2 / 3, 4)  # of 3 with an entry: 1 answered, 1 offered
