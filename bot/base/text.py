"""Text safe to keep: what every front end's input passes through before it is stored.

Undecodable input (bytes that are not UTF-8 read with ``surrogateescape``, or broken UTF-16 from
a client) arrives as lone surrogates, which no UTF-8 encoder accepts: SQLite would refuse the
row and end the session. They become U+FFFD, the replacement character, as a decoder with
``errors="replace"`` would have produced.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (unchanged when there is none)."""
    if text.isascii():
        return text
    return _SURROGATES.sub(REPLACEMENT, text)
