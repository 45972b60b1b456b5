"""Redaction of personal data and secrets from a question before it is stored.

What goes: e-mail addresses (internationalised too), phone numbers, IPv4 and IPv6 addresses
(IPv4-mapped ones whole), the credentials in URLs, tokens and keys (Discord bot tokens, vendor
keys, JWTs, private key blocks, random-looking strings of 16 characters or more) and secrets given
on a command line or after a secret-sounding key (``bot.base.secret_values``). What stays:
hosting words, domain names, error codes, version numbers, dates and ports, and the words around
a secret, so a moderator can still read the question.

Every pattern runs in time linear in the text: a pattern that scans a run of characters only
starts where such a run starts (a lookbehind on the same class), every repetition is bounded, and
e-mail addresses are searched from their ``@`` outwards, not from every character.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable

from bot.base.secret_values import SECRET, redact_secret_values

EMAIL = "[email]"
IP = "[ip]"
TOKEN = "[token]"
PHONE = "[phone]"
__all__ = ["EMAIL", "IP", "PHONE", "SECRET", "TOKEN", "looks_random", "redact"]

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----.*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|\Z)",
    re.S,
)
_URL_CREDENTIALS = re.compile(r"(?<![\w+.-])([a-z][a-z0-9+.-]{0,30}://)[^\s/@]{1,256}@", re.I)
# The part before "@", read backwards from it; and the domain after it (Unicode labels allowed).
_LOCAL_CHAR = re.compile(r"[\w.+-]")
_MAX_LOCAL = 64
_AT_DOMAIN = re.compile(
    r"@(?:[^\W_][\w-]{0,62}\.){1,10}(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})(?![\w-])", re.I
)
_DISCORD_TOKEN = re.compile(r"(?<![\w-])[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}(?![\w-])")
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{5,4096}\.eyJ[\w-]{5,8192}\.[\w-]{10,4096}")
_VENDOR_KEY = re.compile(
    r"(?<![\w-])(?:"
    r"(?:sk|pk|rk)-[\w-]{16,512}"  # OpenAI / Stripe style
    r"|(?:sk|pk|rk)_(?:live|test)_\w{16,512}"
    r"|(?:ghp|gho|ghu|ghs|ghr|github_pat)_\w{20,512}"
    r"|xox[abposr]-[\w-]{10,512}"
    r"|AKIA[0-9A-Z]{16}(?!\w)"
    r"|AIza[\w-]{35}(?![\w-])"
    r")"
)
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[\w.]{1,16})?(?![\w:]|\.\w)"
)
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
# A run of digits with single separators or bracketed area codes; _PHONE_SHAPES decides.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+/.:=#-])(?:\+[ \t]?)?(?:\(\d{1,5}\)[ \t]?)?\d(?:[ .-]?(?:\(\d{1,5}\)|\d)){6,17}"
    r"(?![\w/:]|[.-]\d)"
)
_PHONE_SHAPES = re.compile(
    r"\+[\d ().-]+"  # international, E.164 with or without spaces
    r"|\(\d{2,5}\)[ \t]?\d{3,4}[ .-]?\d{3,4}"  # (415) 555-2671
    r"|\d{3}([ .-])\d{3}\1\d{4}"  # 415-555-2671, 415.555.2671
    r"|00\d{1,3}(?:[ .-]?\d{1,4}){2,6}"  # 0044 20 7946 0958
    r"|0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}"  # 020 7946 0958, 07700 900123
    r"|0\d(?:[ .]\d\d){4}"  # 01 23 45 67 89
)
# Starts only where such a run starts, so each run is read once: linear without a bound.
_LONG_STRING = re.compile(r"(?<![\w/+=-])[A-Za-z0-9_+/=-]{16,}(?![\w/+=-])")
_SHORT_KEY = 20  # below this, only unbroken letters and digits count as a key
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_WORDLIKE = re.compile(r"[a-z]{6}")
# python3-certbot-nginx, ubuntu-22-04-server-amd64: parts that are words, numbers, or words
# with a version (x86, amd64, php8), joined; a key has at least one part that is none of these.
_JOINERS = re.compile(r"[-_./+=]")
_WORD_PART = re.compile(r"\d{1,4}|[A-Za-z]{2,}\d{0,3}|[A-Za-z]?\d{1,3}[A-Za-z]{0,3}")


def _emails(text: str) -> str:
    """Every address, found from its "@" and domain: then at most 64 characters back."""
    parts: list[str] = []
    done = 0
    for domain in _AT_DOMAIN.finditer(text):
        at = domain.start()
        if at < done:
            continue
        start = at
        while start > max(done, at - _MAX_LOCAL) and _LOCAL_CHAR.match(text, start - 1):
            start -= 1
        while start < at and text[start] == ".":  # a sentence's full stop is not the address
            start += 1
        if start < at:
            parts += [text[done:start], EMAIL]
            done = domain.end()
    return "".join(parts) + text[done:]


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return text
    return IP


def _phone(match: re.Match[str]) -> str:
    """A candidate that has a phone number's shape and length, from its first or a later group."""
    text = match.group(0)
    start = 0
    while start < len(text):
        tail = text[start:]
        digits = sum(ch.isdigit() for ch in tail)
        if 8 <= digits <= 15 and _PHONE_SHAPES.fullmatch(tail):
            return text[:start] + PHONE
        space = text.find(" ", start)
        if space == -1:
            break
        start = space + 1
    return text


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _joined_words(text: str) -> bool:
    parts = [part for part in _JOINERS.split(text) if part]
    return len(parts) >= 2 and all(_WORD_PART.fullmatch(part) for part in parts)


def looks_random(text: str) -> bool:
    """Whether a long word looks like a key rather than a word: letters, digits, high entropy."""
    has_digit = any(ch.isdigit() for ch in text)
    has_alpha = any(ch.isalpha() for ch in text)
    if not (has_digit and has_alpha) or _joined_words(text):
        return False
    if _HEX.fullmatch(text):  # sixteen symbols at most: its entropy stays lower
        return _entropy(text) >= 3.0
    if len(text) < _SHORT_KEY:  # x86_64-linux-gnu, Windows10Pro1903: words with digits
        return text.isalnum() and not _WORDLIKE.search(text) and _entropy(text) >= 3.0
    return _entropy(text) >= 3.5


def _long_string(match: re.Match[str]) -> str:
    return TOKEN if looks_random(match.group(0)) else match.group(0)


Step = Callable[[str], str]


def _sub(pattern: re.Pattern[str], replacement: str | Callable[[re.Match[str]], str]) -> Step:
    return functools.partial(pattern.sub, replacement)


_STEPS: tuple[Step, ...] = (
    _sub(_PRIVATE_KEY, SECRET),
    _sub(_URL_CREDENTIALS, r"\1" + SECRET + "@"),
    _emails,
    _sub(_JWT, TOKEN),
    _sub(_DISCORD_TOKEN, TOKEN),
    _sub(_VENDOR_KEY, TOKEN),
    redact_secret_values,
    _sub(_IPV6_CANDIDATE, _ipv6),
    _sub(_IPV4, IP),
    _sub(_PHONE_CANDIDATE, _phone),
    _sub(_LONG_STRING, _long_string),
)


def redact(text: str) -> str:
    """The text with personal data and secrets replaced by placeholders like ``[email]``."""
    for step in _STEPS:
        text = step(text)
    return text
