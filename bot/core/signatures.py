"""Signatures: the error strings members paste, each pointing at the entry that covers it.

A signature is a literal error string (``SSL_ERROR_RX_RECORD_TOO_LONG``,
``Permission denied (publickey)``) or a simple pattern where ``*`` stands for any run of
characters within one line (``bind() to *:80 failed``). It matches anywhere in one line of a
post, ignoring case and runs of whitespace. There is no regular expression: a pattern is its
literal parts, found in order with ``str.find`` (leftmost first, which is exact for ``*``), so
the work is linear in the post and no signature can hang the bot.

``SignatureIndex`` (``bot.core.signature_index``) finds every signature a post contains.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_SIGNATURE = 200  # characters: an error line, not a log
MAX_WILDCARDS = 3
MAX_SIGNATURES = 20  # per entry
MIN_LITERAL = 8  # characters that are not '*' or spaces: shorter is too generic
GRAM = 6  # a signature needs a run this long without '*'; the index looks posts up by it


def fold(text: str) -> str:
    """Text as signatures compare it: NFKC, case-folded, each line's whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def parts_of(signature: str) -> tuple[str, ...]:
    """The literal parts of a signature, folded, in order (empty ones between stars dropped)."""
    folded = " ".join(fold(signature).split())
    return tuple(part for part in (p.strip() for p in folded.split("*")) if part)


def signature_key(signature: str) -> str:
    """What makes two signatures 'the same' (for duplicate checks): the folded parts."""
    return "*".join(parts_of(signature))


def literal_text(signature: str) -> str:
    """The signature as a member would paste it: its parts joined by a space."""
    return " ".join(parts_of(signature))


def signature_problem(signature: str) -> str | None:
    """Why a signature cannot be used (too long, too generic, too many wildcards), or None."""
    if "\n" in signature.strip() or "\r" in signature.strip():
        return "must be one line"
    if len(signature) > MAX_SIGNATURE:
        return f"is {len(signature)} characters long; the limit is {MAX_SIGNATURE}"
    parts = parts_of(signature)
    stars = max(0, len(parts) - 1)
    if stars > MAX_WILDCARDS:
        return f"has {stars} wildcards between its parts; the limit is {MAX_WILDCARDS}"
    literal = sum(len(p.replace(" ", "")) for p in parts)
    if literal < MIN_LITERAL:
        return (
            f"is too generic: it needs at least {MIN_LITERAL} characters besides '*' "
            f"and spaces (it has {literal})"
        )
    if max(map(len, parts)) < GRAM:
        return f"needs a run of at least {GRAM} characters without '*'"
    return None


@dataclass(frozen=True, slots=True)
class Pattern:
    """One signature ready to match: its entry, its text as written, and its folded parts."""

    entry_id: str
    text: str
    parts: tuple[str, ...]

    @property
    def weight(self) -> int:
        """How specific the signature is: its literal characters (longer wins a tie)."""
        return sum(map(len, self.parts))

    def found_in(self, folded: str) -> bool:
        """Whether the folded post holds the parts in order within one line."""
        first, rest = self.parts[0], self.parts[1:]
        start = folded.find(first)
        while start >= 0:
            end = folded.find("\n", start)
            end = len(folded) if end < 0 else end
            at = start + len(first)
            for part in rest:
                at = folded.find(part, at, end)
                if at < 0:
                    break
                at += len(part)
            else:
                return True
            # The leftmost first part of a line leaves the most room for the rest: if the rest
            # is not after it, it is after no later one on that line. Try the next line.
            start = folded.find(first, end + 1)
        return False


def grams_of(parts: tuple[str, ...]) -> list[str]:
    """Every run of ``GRAM`` characters of the parts (where the index may file a pattern)."""
    return [part[i : i + GRAM] for part in parts for i in range(len(part) - GRAM + 1)]
