"""Member text on its way to a moderator's terminal or spreadsheet, made inert.

Questions are typed by anyone in the server. Printed raw, ``ESC [ 2 J`` clears the moderator's
terminal and ``ESC ] 8 ;;`` plants a link that shows one address and opens another; a right-to-
left override makes ``exe.txt`` read as ``txt.exe``. Opened in a spreadsheet, a cell starting with
``=`` is a formula (``=HYPERLINK(...)``, or worse). Every CLI output of member text goes
through ``printable`` (terminal) or ``cell`` (CSV).
"""

from __future__ import annotations

import re
from typing import Any

# Whole terminal escape sequences, so no half of one ("[2J") is left on the line: CSI (ESC [ or
# its C1 form), the string commands OSC, DCS, SOS, PM and APC up to their terminator (or the
# next escape), and the short ESC sequences. Each alternative scans forward only: linear time.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
# Bidirectional embeddings, overrides and isolates, and the invisible direction marks.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls (ESC and CSI among them), DEL, and the bidi characters above.
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
# Whitespace controls become a space so words stay apart on one line.
_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# A cell a spreadsheet would read as a formula (tab and CR too: some strip them first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """Member text fit for one terminal line: no escape sequences, controls or bidi overrides."""
    return _CONTROL.sub("", _BREAKS.sub(" ", _ESCAPE.sub("", text)))


def cell(value: Any) -> Any:
    """A CSV value that no spreadsheet runs as a formula; text also loses escapes and bidi."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub(lambda m: m[0] if m[0] in "\t\n\r" else "", _ESCAPE.sub("", value))
    return "'" + value if value.startswith(_FORMULA_START) else value
