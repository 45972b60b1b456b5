"""The matcher: ranks entries for a question and decides answer, suggest or none.

It holds the phrasing index (``bot.core.index``) and scores through the scorer seam
(``bot.core.scoring``); today the lexical scorer (``bot.core.lexical``) is the only one. The
outcome is an answer when the top score reaches the bar and leads the runner-up by the margin, a
"did you mean" when entries are plausible but none clearly, and none otherwise (filler such as
"hi" is always none). Before any score, a text holding an entry's signature (a pasted error
string, ``bot.core.signature_index``) gets that entry as the answer, or several as suggestions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.base.config import MatcherSettings
from bot.base.keptfiles import KeptFiles
from bot.base.thresholds import Bars
from bot.core.gathering import Visible
from bot.core.index_state import built_index
from bot.core.knowledge import Entry
from bot.core.lexical import LexicalScorer
from bot.core.results import Candidate, MatchResult, Outcome
from bot.core.signature_index import SignatureIndex, signature_result
from bot.core.text import Normaliser

__all__ = ["RERANK", "Candidate", "MatchResult", "Matcher", "Outcome", "decide"]

if TYPE_CHECKING:
    from bot.core.semantic import SemanticScorer, VectorCache

RERANK = 20  # entries fully scored after the first pass


class Matcher:
    """Ranks entries for a question and decides between answer, suggest and none."""

    def __init__(
        self,
        entries: Iterable[Entry] = (),
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
        settings: MatcherSettings | None = None,
        *,
        vectors: VectorCache | None = None,
        defer_semantic: bool = False,
        kept: KeptFiles | None = None,
    ) -> None:
        self.settings = settings or MatcherSettings()
        self.synonyms: Mapping[str, tuple[str, ...]] = synonyms or {}
        # ``kept``: a large base's index is read back from the start before (index_state).
        self.index = built_index(list(entries), synonyms, kept)
        self.lexical = LexicalScorer(self.index)
        self.signatures = SignatureIndex(self.index.entries())
        # With a vector cache (an encoder is configured) the matcher is hybrid; deferred, it
        # matches lexically until ``attach_semantic`` (vectors are computed in the background).
        self.vectors = vectors
        self.semantic: SemanticScorer | None = None
        self._changed: set[str] = set()  # ids edited since the deferred scorer's snapshot
        if vectors is not None and not defer_semantic:
            from bot.core.semantic import SemanticScorer

            self.semantic = SemanticScorer(vectors, self.index.entries())

    @property
    def hybrid(self) -> bool:
        """Whether the sentence encoder is fused with the lexical scorer."""
        return self.semantic is not None

    # The knowledge being matched: the index's, so curation edits reach the next query.

    @property
    def normaliser(self) -> Normaliser:
        """How questions are cut into words (shared with the index)."""
        return self.index.normaliser

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.index

    def get(self, entry_id: str) -> Entry | None:
        """The indexed entry with this id, if any."""
        return self.index.get(entry_id)

    def entries(self) -> list[Entry]:
        """Every indexed entry, in the order they were first added."""
        return self.index.entries()

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with the same id."""
        self.index.upsert(entry)
        self.signatures.upsert(entry)
        if self.semantic is not None:
            self.semantic.upsert(entry)
        elif self.vectors is not None:
            self._changed.add(entry.id)

    def remove(self, entry_id: str) -> None:
        """Drop an entry (no error if it is not there)."""
        self.index.remove(entry_id)
        self.signatures.remove(entry_id)
        if self.semantic is not None:
            self.semantic.remove(entry_id)
        elif self.vectors is not None:
            self._changed.add(entry_id)

    def semantic_snapshot(self) -> list[Entry]:
        """The entries a deferred semantic scorer is built from (event loop; edits from now on
        are replayed by ``attach_semantic``)."""
        self._changed = set()
        return self.index.entries()

    def attach_semantic(self, scorer: SemanticScorer) -> None:
        """Switch to hybrid in one step with a scorer built from ``semantic_snapshot``."""
        for entry_id in self._changed:
            entry = self.index.get(entry_id)
            if entry is None:
                scorer.remove(entry_id)
            else:
                scorer.upsert(entry)
        self._changed = set()
        self.semantic = scorer

    # Ranking and the outcome rule.

    def rank(self, text: str, limit: int = 5, visible: Visible | None = None) -> list[Candidate]:
        """The best visible entries for a text, best first, without deciding anything."""
        return self._ranked(text, limit, visible)[0]

    def ranked(
        self, text: str, limit: int, visible: Visible | None = None
    ) -> tuple[list[Candidate], bool]:
        """The ranking of the visible entries, and whether a content word matched as typed."""
        return self._ranked(text, limit, visible)

    def _ranked(
        self, text: str, limit: int, visible: Visible | None
    ) -> tuple[list[Candidate], bool]:
        """The ranking, and whether any content word matched as typed (not only as a typo)."""
        if self.semantic is not None:
            from bot.core import hybrid

            return hybrid.ranked(self, text, limit, visible)
        scorer = self.lexical
        query = scorer.prepare(text)
        if query is None:
            return [], False
        signals = scorer.score(query, scorer.propose(query, RERANK, visible))
        order = self.index.order
        ranked = sorted(signals.items(), key=lambda item: (-item[1].score, order[item[0]]))
        candidates = [
            Candidate(
                entry_id,
                signal.score,
                signal.phrasing,
                signal.why,
                signal.coverage,
                {scorer.name: signal.score},
            )
            for entry_id, signal in ranked[:limit]
        ]
        return candidates, query.as_typed

    def match(
        self, text: str, *, passive: bool = False, visible: Visible | None = None
    ) -> MatchResult:
        """Rank the visible entries for a text and decide between answer, suggest and none
        (a listed error string decides first; then a long post: the whole of it and its
        question sentences, ``bot.core.posts``)."""
        from bot.core.posts import match_post

        hits = self.signatures.hits(text, visible)
        if hits:  # a pasted error the curators listed decides before any score
            return signature_result(
                text, hits, self._ranked(text, self.pool, visible)[0], self.settings
            )
        return match_post(self, text, lambda part: self._ranked(part, self.pool, visible), passive)

    def match_text(
        self,
        text: str,
        ranking: Callable[[str], tuple[list[Candidate], bool]],
        *,
        passive: bool = False,
    ) -> MatchResult:
        """The outcome for one text as a whole (no sentence views), ranked by ``ranking``."""
        if not self.hybrid and self.normaliser.is_filler(text):
            return decide(text, [], False, self.settings, passive=passive, filler=True)
        ranked, as_typed = ranking(text)
        return self.outcome(text, ranked, as_typed, passive=passive)

    @property
    def bars(self) -> Bars:
        """The thresholds in effect in this matcher's mode (null keys: the mode's defaults)."""
        return self.settings.bars("hybrid" if self.hybrid else "lexical")

    @property
    def pool(self) -> int:
        """How many ranked candidates the outcome rule reads."""
        if self.hybrid:
            from bot.core.hybrid import POOL

            return POOL
        return max(5, self.settings.max_suggestions)

    def outcome(
        self, text: str, ranked: Sequence[Candidate], as_typed: bool, *, passive: bool = False
    ) -> MatchResult:
        """The outcome rule of this matcher's mode over a ranking (best first)."""
        if self.hybrid:
            from bot.core.hybrid import decide_hybrid

            return decide_hybrid(text, ranked, self.settings, passive=passive)
        return decide(text, ranked, as_typed, self.settings, passive=passive)


def decide(
    text: str,
    ranked: Sequence[Candidate],
    as_typed: bool,
    s: MatcherSettings,
    *,
    passive: bool = False,
    filler: bool = False,
) -> MatchResult:
    """The outcome rule over a ranking (best first): answer, suggest or none, and why."""
    if filler:
        return MatchResult(Outcome.NONE, text, (), "only filler words: nothing to match")
    candidates = tuple(ranked)
    if not candidates:
        return MatchResult(Outcome.NONE, text, (), "no entry shares a word with the question")
    b = s.bars("lexical")
    top = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    bar = b.passive_answer if passive else b.answer
    lead = top - runner_up
    if top >= bar and lead >= b.margin:
        why = f"score {top:.2f} reaches {bar:.2f} and leads the runner-up by {lead:.2f}"
        return MatchResult(Outcome.ANSWER, text, candidates, why)
    offered = [c for c in candidates if c.score >= b.suggest]
    if offered and not as_typed:
        # A "did you mean" resting only on guessed spellings ("what is love" -> "move")
        # pointed at the right entry in 2 of 16 such cases over the evaluation sets.
        why = "no word of the question matches as typed; only guessed spellings do"
        return MatchResult(Outcome.NONE, text, candidates, why)
    if offered:
        if top < bar:
            why = f"score {top:.2f} is below the answer bar {bar:.2f}"
        else:
            why = f"score {top:.2f} leads the runner-up by only {lead:.2f} (< {b.margin:.2f})"
        return MatchResult(
            Outcome.SUGGEST, text, candidates, why, tuple(offered[: s.max_suggestions])
        )
    why = f"best score {top:.2f} is below the suggest bar {b.suggest:.2f}"
    return MatchResult(Outcome.NONE, text, candidates, why)
