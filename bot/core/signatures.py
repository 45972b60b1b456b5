"""Signatures: the error strings members paste, each pointing at the entry that covers it.

A signature is a literal error string (``SSL_ERROR_RX_RECORD_TOO_LONG``,
``Permission denied (publickey)``) or a simple pattern where ``*`` stands for any run of
characters within one line (``bind() to *:80 failed``). It matches within one line of a post,
ignoring case and runs of whitespace, and on word boundaries: ``ERROR 1045`` is not in
``ERROR 10452`` (a ``*`` at either end lifts that end's boundary). There is no regular
expression over the pattern: it is its literal parts, found in order with ``str.find``
(leftmost first, which is exact for ``*``), so no signature can hang the bot.

``SignatureIndex`` (``bot.core.signature_index``) finds every signature a post contains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_SIGNATURE = 200  # characters: an error line, not a log
MAX_WILDCARDS = 3
MAX_SIGNATURES = 20  # per entry
MIN_LITERAL = 8  # characters that are not '*' or spaces: shorter is too generic
MIN_ANCHOR = 3  # a signature needs a whole word this long: the index looks posts up by it
WORD = re.compile(r"[^\W_]+")  # letters and digits: what a word boundary separates


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
    if not parts:
        return "is only wildcards: it would match every post"
    stars = max(0, len(parts) - 1)
    if stars > MAX_WILDCARDS:
        return f"has {stars} wildcards between its parts; the limit is {MAX_WILDCARDS}"
    literal = sum(len(p.replace(" ", "")) for p in parts)
    if literal < MIN_LITERAL:
        return (
            f"is too generic: it needs at least {MIN_LITERAL} characters besides '*' "
            f"and spaces (it has {literal})"
        )
    if not anchors(signature):
        return f"needs a whole word of at least {MIN_ANCHOR} letters or digits that no '*' touches"
    return None


def anchors(signature: str) -> list[str]:
    """The words of a signature that any post holding it holds as whole words (its words of
    at least ``MIN_ANCHOR`` characters, except where a ``*`` touches one)."""
    folded = " ".join(fold(signature).split())
    pieces = folded.split("*")
    found = []
    for n, piece in enumerate(pieces):
        part = piece.strip()  # parts are stripped: a word next to a '*' may be glued to more
        open_start, open_end = n > 0, n < len(pieces) - 1
        for word in WORD.finditer(part):
            if (word.start() == 0 and open_start) or (word.end() == len(part) and open_end):
                continue
            if len(word.group()) >= MIN_ANCHOR:
                found.append(word.group())
    return found


def _glued(text: str, at: int) -> bool:
    """Whether position ``at`` is inside a word (letters or digits on both sides)."""
    return 0 < at < len(text) and bool(WORD.match(text, at - 1, at)) and bool(WORD.match(text, at))


@dataclass(frozen=True, slots=True)
class Pattern:
    """One signature ready to match: its entry, its text as written, and its folded parts."""

    entry_id: str
    text: str
    parts: tuple[str, ...]
    open_start: bool = False  # written with a leading '*': no word boundary needed there
    open_end: bool = False

    @classmethod
    def of(cls, entry_id: str, text: str) -> Pattern:
        """The pattern of a signature as written."""
        stripped = text.strip()
        return cls(entry_id, text, parts_of(text), stripped.startswith("*"), stripped.endswith("*"))

    @property
    def weight(self) -> int:
        """How specific the signature is: its literal characters (longer wins a tie)."""
        return sum(map(len, self.parts))

    def _find(self, text: str, part: str, lo: int, hi: int, first: bool, last: bool) -> int:
        """The first place of ``part`` in ``text[lo:hi]`` whose outer ends are on boundaries."""
        at = text.find(part, lo, hi)
        while at >= 0:
            if (not first or self.open_start or not _glued(text, at)) and (
                not last or self.open_end or not _glued(text, at + len(part))
            ):
                return at
            at = text.find(part, at + 1, hi)
        return -1

    def found_in(self, folded: str) -> bool:
        """Whether the folded post holds the parts in order within one line."""
        parts, size = self.parts, len(folded)
        pos = 0
        while (start := self._find(folded, parts[0], pos, size, True, len(parts) == 1)) >= 0:
            end = folded.find("\n", start)
            end = size if end < 0 else end
            at = start + len(parts[0])
            for n, part in enumerate(parts[1:], 2):
                found = self._find(folded, part, at, end, False, n == len(parts))
                if found < 0:
                    break
                at = found + len(part)
            else:
                return True
            # The leftmost first part of a line leaves the most room for the rest: if the rest
            # is not after it, it is after no later one on that line. Try the next line.
            pos = end + 1
        return False
