"""Redaction of personal data and secrets from a question before it is stored.

What goes: e-mail addresses, IPv4 and IPv6 addresses, the credentials in URLs, tokens and keys
(Discord bot tokens, ``sk-...`` and other vendor keys, JWTs, private key blocks, long
random-looking strings) and whatever follows ``password``/``passwd``/``pwd`` on its line. What
stays: hosting words, domain names, error codes, version numbers and ports, so a moderator can
still read the question.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable

EMAIL = "[email]"
IP = "[ip]"
TOKEN = "[token]"
SECRET = "[secret]"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)
_URL_CREDENTIALS = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/@]+@", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DISCORD_TOKEN = re.compile(r"\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}\b")
_JWT = re.compile(r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{10,}")
_VENDOR_KEY = re.compile(
    r"\b(?:sk|pk|rk)-[\w-]{16,}"  # OpenAI / Stripe style
    r"|\b(?:sk|pk|rk)_(?:live|test)_\w{16,}"
    r"|\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_\w{20,}"
    r"|\bxox[abposr]-[\w-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAIza[\w-]{35}\b"
)
_PASSWORD = re.compile(r"\b(pass(?:word|wd)?s?|pwd)\b([^\n]*)", re.I)
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
    r"(?:%[\w.]+)?(?![\w:])"
)
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
_LONG_STRING = re.compile(r"(?<![\w/+=-])[A-Za-z0-9_+/=-]{20,}(?![\w/+=-])")


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return text
    return IP


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_random(text: str) -> bool:
    """Whether a long word looks like a key rather than a word: letters, digits, high entropy."""
    has_digit = any(ch.isdigit() for ch in text)
    has_alpha = any(ch.isalpha() for ch in text)
    return has_digit and has_alpha and _entropy(text) >= 3.5


def _long_string(match: re.Match[str]) -> str:
    return TOKEN if looks_random(match.group(0)) else match.group(0)


def _password(match: re.Match[str]) -> str:
    keyword, rest = match.group(1), match.group(2)
    if not any(ch.isalnum() for ch in rest):
        return match.group(0)
    return f"{keyword} {SECRET}"


_STEPS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_PRIVATE_KEY, SECRET),
    (_URL_CREDENTIALS, r"\1" + SECRET + "@"),
    (_EMAIL, EMAIL),
    (_JWT, TOKEN),
    (_DISCORD_TOKEN, TOKEN),
    (_VENDOR_KEY, TOKEN),
    (_PASSWORD, _password),
    (_IPV6_CANDIDATE, _ipv6),
    (_IPV4, IP),
    (_LONG_STRING, _long_string),
)


def redact(text: str) -> str:
    """The text with personal data and secrets replaced by placeholders like ``[email]``."""
    for pattern, replacement in _STEPS:
        text = pattern.sub(replacement, text)
    return text
