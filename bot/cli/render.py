"""Plain-text rendering of match results for the terminal (the CLI and the console)."""

from __future__ import annotations

import textwrap

from bot.core.matcher import Matcher, MatchResult, Outcome


def describe_result(
    result: MatchResult, matcher: Matcher, *, explain: bool = False, noted: bool = False
) -> str:
    """The outcome and answer (or choices) as a terminal would show them."""
    lines: list[str] = []
    if result.outcome is Outcome.ANSWER:
        entry = matcher.get(result.entry_id or "")
        assert entry is not None  # the matcher only answers with indexed entries
        lines.append(f"[answer] {entry.question}  ({entry.id}, score {result.score:.2f})")
        lines.append("")
        lines.extend(entry.answer.rstrip().splitlines())
        for link in entry.links:
            lines.append(f"  - {link.title}: {link.url}")
    elif result.outcome is Outcome.SUGGEST:
        lines.append("[suggest] Did you mean:")
        for n, candidate in enumerate(result.suggestions, 1):
            entry = matcher.get(candidate.entry_id)
            title = entry.question if entry else candidate.entry_id
            lines.append(f"  {n}. {title}  ({candidate.entry_id}, score {candidate.score:.2f})")
    else:
        # Only say the moderators will see it when it was logged ("hi" has nothing to log).
        note = " The question has been noted for the moderators." if noted else ""
        lines.append(f"[none] No answer yet.{note}")
    if explain:
        lines.append("")
        lines.append(f"why: {result.explanation}")
        for candidate in result.candidates:
            signals = candidate.signals
            both = ""
            if "semantic" in signals:  # hybrid: each signal on its own, then the reasons
                both = (
                    f"  (lexical {signals.get('lexical', 0.0):.3f}, semantic "
                    f"{signals['semantic']:.3f}: nearest {signals.get('nearest', 0.0):.3f}, "
                    f"centroid {signals.get('centroid', 0.0):.3f})"
                )
            if "signature" in signals:  # the why names the signature that matched
                both += "  [signature]"
            lines.append(f"  {candidate.score:.3f}  {candidate.entry_id}{both}")
            lines.extend(
                textwrap.wrap(
                    candidate.why, 96, initial_indent="         ", subsequent_indent="         "
                )
            )
    return "\n".join(lines)
