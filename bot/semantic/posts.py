"""Views of a member's post for matching: the post without code, and its question sentences.

A post is often a greeting, some context, the question, and a pasted error or log. The encoder
reads prose: code blocks and log-like lines are removed from its input (they are for the
``signatures:`` of entries). The matcher then scores the whole post and each question-bearing
sentence and keeps the best, so that context does not dilute the question.

Pure standard library; no regular expression here can backtrack badly (no nested quantifiers).
"""

from __future__ import annotations

import re

FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
WORD = re.compile(r"[a-z']+")
QUESTION_WORDS = frozenset(
    "how what why where when which who whom whose can could should would will is are am do "
    "does did was were has have any anyone anybody shall may might".split()
)
LEAD_WORDS = frozenset("so and but also btw ok okay well hey hi hello then or".split())
ASKING = ("need help", "help me", "i want to know", "wondering", "i'd like to know", "please help",
          "any idea", "any tips", "how to", "how do")  # fmt: skip
# An aside ("also, ...", "btw ...", "(unrelated: ...)") is by its own words not what the post is
# for; it is not scored on its own (the whole post still is).
ASIDE_WORDS = frozenset("also btw ps unrelated additionally".split())
ASIDE_PHRASES = ("by the way", "side question", "on another note", "one more thing", "p.s.")
MIN_WORDS = 3
MAX_VIEWS = 4


def _log_like(line: str) -> bool:
    """A pasted log or shell line rather than prose."""
    stripped = line.strip()
    if not stripped:
        return False
    if line[:1] in (" ", "\t") or stripped[0] in "$#>|[{<" or stripped[0].isdigit():
        return True
    letters = sum(ch.isalpha() or ch == " " for ch in stripped)
    return letters / len(stripped) < 0.75


def semantic_text(post: str) -> str:
    """The post without fenced code blocks and log-like lines, inline code unquoted."""
    text = FENCE.sub("\n", post)
    lines = [line for line in text.splitlines() if not _log_like(line)]
    return " ".join(" ".join(lines).replace("`", " ").split())


def sentences(post: str) -> list[str]:
    """The prose sentences of a post (code removed), split at line breaks and . ? !."""
    text = FENCE.sub("\n", post)
    out: list[str] = []
    for line in text.splitlines():
        if _log_like(line):
            continue
        for part in SENTENCE_END.split(line.replace("`", " ")):
            part = " ".join(part.split())
            if part:
                out.append(part)
    return out


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something: a question mark, a question word first, or a plea."""
    if "?" in sentence:
        return True
    words = WORD.findall(sentence.lower())
    while words and words[0] in LEAD_WORDS:
        words = words[1:]
    if words and words[0] in QUESTION_WORDS:
        return True
    low = sentence.lower()
    return any(phrase in low for phrase in ASKING)


def is_aside(sentence: str) -> bool:
    """A sentence that announces itself as secondary: in parentheses, or opening with "also",
    "btw", "unrelated", "by the way"..."""
    text = sentence.strip()
    if text.startswith("("):
        return True
    low = text.lower()
    words = WORD.findall(low)
    while words and words[0] in ("and", "oh", "ok", "okay", "so"):
        words = words[1:]
    if words and words[0] in ASIDE_WORDS:
        return True
    return any(low.lstrip("(- ").startswith(p) or f" {p}" in low[:30] for p in ASIDE_PHRASES)


def question_views(post: str) -> list[str]:
    """The question-bearing sentences of a post worth scoring on their own (asides left out; at
    most ``MAX_VIEWS``, the last ones: the question usually closes the post). Empty when the
    post is a single sentence (the whole post already is that view)."""
    parts = sentences(post)
    if len(parts) < 2:
        return []
    asked = [
        s
        for s in parts
        if is_question(s) and not is_aside(s) and len(WORD.findall(s.lower())) >= MIN_WORDS
    ]
    return asked[-MAX_VIEWS:]
