"""Long posts: the whole post and its question sentences, and which of them may answer."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.base.config import SHIPPED_KNOWLEDGE, MatcherSettings
from bot.core.knowledge import load_knowledge
from bot.core.matcher import Candidate, Matcher, MatchResult, Outcome
from bot.core.posts import SCORED_CHARS, VIEW_CHARS, gathered, match_post, sentence_answer
from bot.semantic.posts import MAX_VIEWS

SSL_POST = "How do I renew my SSL certificate? It expires next week."


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    knowledge = load_knowledge([SHIPPED_KNOWLEDGE])
    return Matcher(knowledge.entries, knowledge.synonyms)


def whole_only(matcher: Matcher, text: str) -> MatchResult:
    return matcher.match_text(text, lambda part: matcher.ranked(part, matcher.pool))


def test_the_issue_ssl_example_is_answered_in_lexical_mode(shipped: Matcher) -> None:
    diluted = whole_only(shipped, SSL_POST)
    assert diluted.outcome is not Outcome.ANSWER  # the second sentence dilutes the whole post
    result = shipped.match(SSL_POST)
    assert result.outcome is Outcome.ANSWER
    assert result.entry_id == "certbot-renewal"
    assert result.score >= shipped.bars.answer > shipped.bars.suggest
    assert "How do I renew my SSL certificate?" in result.explanation


def test_a_passive_sentence_answer_needs_the_passive_bar(shipped: Matcher) -> None:
    result = shipped.match(SSL_POST, passive=True)
    assert result.outcome is Outcome.ANSWER
    assert f"reaches {shipped.bars.passive_answer:.2f}" in result.explanation


def test_a_one_sentence_question_is_decided_as_a_whole(shipped: Matcher) -> None:
    text = "how do I renew my ssl certificate"
    assert shipped.match(text) == whole_only(shipped, text)


def cand(entry_id: str, score: float) -> Candidate:
    return Candidate(entry_id, score, entry_id, f"about {entry_id}")


def result(
    outcome: Outcome, *ranked: Candidate, offered: tuple[Candidate, ...] = ()
) -> MatchResult:
    return MatchResult(outcome, "text", tuple(ranked), f"{outcome.value} here", offered)


def test_a_sentence_answers_only_where_the_whole_post_ranks_its_entry_first() -> None:
    whole = result(Outcome.SUGGEST, cand("flagged", 0.35), cand("hacked", 0.33))
    hacked = ("my site is hacked?", result(Outcome.ANSWER, cand("hacked", 0.84)))
    flagged = ("why does chrome flag it?", result(Outcome.ANSWER, cand("flagged", 0.62)))
    assert sentence_answer(whole, [hacked]) is None
    agreed = sentence_answer(whole, [hacked, flagged])
    assert agreed is not None and agreed.entry_id == "flagged"
    assert agreed.query == whole.query and "why does chrome flag it?" in agreed.explanation


def test_the_best_agreeing_sentence_answers() -> None:
    whole = result(Outcome.NONE, cand("a", 0.2))
    low = ("first?", result(Outcome.ANSWER, cand("a", 0.6)))
    high = ("second?", result(Outcome.ANSWER, cand("a", 0.9)))
    agreed = sentence_answer(whole, [low, high])
    assert agreed is not None and agreed.score == 0.9


def test_sentences_that_may_not_answer_are_offered_with_the_whole_posts_suggestions() -> None:
    whole = result(Outcome.SUGGEST, cand("b", 0.4), cand("c", 0.2), offered=(cand("b", 0.4),))
    parts = [
        ("one?", result(Outcome.ANSWER, cand("a", 0.8))),
        ("two?", result(Outcome.SUGGEST, cand("d", 0.35), offered=(cand("d", 0.35),))),
        ("three?", result(Outcome.NONE, cand("e", 0.1))),
    ]
    merged = gathered("post", whole, parts, limit=3)
    assert merged.outcome is Outcome.SUGGEST
    assert [c.entry_id for c in merged.suggestions] == ["a", "b", "d"]  # best first
    assert merged.candidates == whole.candidates  # the ranking stays the whole post's
    assert gathered("post", whole, parts, limit=2).suggestions[-1].entry_id == "b"


def test_nothing_to_offer_keeps_the_whole_posts_outcome() -> None:
    whole = result(Outcome.NONE, cand("b", 0.1))
    parts = [("one?", result(Outcome.NONE, cand("a", 0.2)))]
    assert gathered("post", whole, parts, limit=3) is whole


@dataclass
class Scripted:
    """A matcher stand-in whose outcome for each text is given (the rule above it is tested)."""

    hybrid: bool
    outcomes: dict[str, MatchResult]
    settings: MatcherSettings = field(default_factory=MatcherSettings)

    def match_text(self, text: str, ranking: object, *, passive: bool = False) -> MatchResult:
        return self.outcomes[text]


POST = "hi all, my site got flagged. is it hacked? how do I clean it up?"
OUTCOMES = {
    POST: result(Outcome.SUGGEST, cand("hacked", 0.55), offered=(cand("hacked", 0.55),)),
    "is it hacked?": result(Outcome.ANSWER, cand("hacked", 0.9)),
    "how do I clean it up?": result(Outcome.NONE, cand("cleanup", 0.2)),
}


@pytest.mark.parametrize(("hybrid", "expected"), [(False, Outcome.ANSWER), (True, Outcome.SUGGEST)])
def test_in_hybrid_mode_a_sentence_never_answers(hybrid: bool, expected: Outcome) -> None:
    matcher = Scripted(hybrid, OUTCOMES)
    decided = match_post(matcher, POST, ranking=lambda text: ([], False), passive=False)  # type: ignore[arg-type]
    assert decided.outcome is expected
    assert decided.best is not None and decided.best.entry_id == "hacked"


def test_the_whole_posts_answer_stands() -> None:
    answered = result(Outcome.ANSWER, cand("cleanup", 0.8))
    matcher = Scripted(False, {**OUTCOMES, POST: answered})
    decided = match_post(matcher, POST, ranking=lambda text: ([], False), passive=False)  # type: ignore[arg-type]
    assert decided is answered


STORY = (
    "I run a small forum for our village football club on a cheap box at home, with a few "
    "hundred members who post match reports and photos every weekend. "
) * 8  # about 1,200 characters of context before the question


def test_a_question_after_a_long_story_is_still_offered(shipped: Matcher) -> None:
    post = STORY + "\nHow do I renew my SSL certificate?"
    assert len(STORY) > SCORED_CHARS
    assert "certbot-renewal" not in {c.entry_id for c in whole_only(shipped, STORY).offered}
    result = shipped.match(post)
    assert result.outcome is not Outcome.NONE
    assert "certbot-renewal" in {c.entry_id for c in result.suggestions}


@dataclass
class Recording:
    """A matcher stand-in that notes every text it is asked to score, and finds nothing."""

    hybrid: bool = False
    scored: list[str] = field(default_factory=list)
    settings: MatcherSettings = field(default_factory=MatcherSettings)

    def match_text(self, text: str, ranking: object, *, passive: bool = False) -> MatchResult:
        self.scored.append(text)
        return result(Outcome.NONE)


def test_what_is_scored_of_a_huge_post_is_bounded() -> None:
    sentence = "how do I " + "really " * 100 + "fix my site? "
    post = ("lorem ipsum " * 2000 + "\n") + sentence * 100
    matcher = Recording()
    match_post(matcher, post, ranking=lambda text: ([], False), passive=False)  # type: ignore[arg-type]
    whole, *views = matcher.scored
    assert whole == post[:SCORED_CHARS]
    assert len(views) == MAX_VIEWS
    assert all(len(view) == VIEW_CHARS for view in views)
    assert len(whole) + sum(map(len, views)) <= 2 * SCORED_CHARS
