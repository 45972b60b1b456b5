"""The curation checks of signatures: one owner each, and each resolving to its own entry.

``faqbot validate`` holds the YAML to the same rules (``bot.core.knowledge`` for duplicates,
``bot.core.collisions`` for clashes); these run on every moderator's change, against what the
moderator's community sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.base.errors import UserError
from bot.core.entries import Entry
from bot.core.signature_index import SignatureHit
from bot.core.signatures import Pattern, literal_text


class SignedLayer(Protocol):
    """What the checks read of a layer of knowledge (``bot.core.layers``)."""

    def signature_owner(self, signature: str) -> str | None:
        """The entry that lists a signature."""
        ...

    def signature_hits(self, text: str) -> list[SignatureHit]:
        """The entries whose signatures a text contains."""
        ...


def check_signatures(layer: SignedLayer, entry: Entry, others: Iterable[Entry]) -> None:
    """UserError when one of the entry's signatures belongs to, or would hit, another entry.

    ``others`` are the other entries seen (their signatures are read only when the entry has
    some): a new pattern such as ``ssl_error_*`` must not swallow another entry's error.
    """
    if not entry.signatures:
        return
    mine = [Pattern.of(entry.id, text) for text in entry.signatures]
    for pattern in mine:
        owner = layer.signature_owner(pattern.text)
        if owner is not None and owner != entry.id:
            raise UserError(f"the signature {pattern.text!r} already belongs to entry {owner!r}")
        for hit in layer.signature_hits(literal_text(pattern.text)):
            if hit.entry_id != entry.id:
                raise UserError(
                    f"the signature {pattern.text!r} would also match entry {hit.entry_id!r} "
                    f"(its signature {hit.signature!r}); make it more specific"
                )
    for other in others:
        if other.id == entry.id:
            continue
        for text in other.signatures:
            pasted = literal_text(text)
            for pattern in mine:
                if pattern.found_in(pasted):
                    raise UserError(
                        f"the signature {pattern.text!r} would also match {text!r}, a signature "
                        f"of entry {other.id!r}; make it more specific"
                    )
