"""Secrets given as values: after a secret-sounding key, in a sentence, or on a command line.

Only the value goes, never the words around it: "password: hunter2" keeps "password:", and
"password reset email never arrives" is not touched at all, because no value follows a separator.
What counts as a value:

- after a key that names a secret (``password``, ``DB_PASS``, ``PGPASSWORD``, ``api_key``,
  ``client_secret``, ``--password``...) and ``=``, ``:`` or ``:=``;
- after ``password``/``pw``/``passphrase`` and "is" or "was" ("my pw is x"), unless the next
  word is an ordinary one ("the password is wrong");
- right after ``password``/``pwd``/``pw`` when it looks like a password (letters with digits or
  symbols: "mysql password hunter2 for root");
- on the command line: ``mysql -pSECRET``, ``sshpass -p 'x'``, ``curl -u user:pass``,
  ``redis-cli -a SECRET``.

A passphrase is the rest of its line (or all of its quotes), not one word. Every repetition is
bounded and every key pattern starts only where a run of key characters starts, so the time is
linear in the text.
"""

from __future__ import annotations

import re

SECRET = "[secret]"

# The word naming the secret, as it ends a key: DB_PASS, PGPASSWORD, db.password, apiKey.
_WORD = (
    r"(?:pass(?:words?|wd|phrase|code)?|pwd|pw|secret|token|credentials?"
    r"|(?:api|access|private|auth|secret)[ _-]?key|apikey)"
)
# Before it: a prefix ending in a separator (DB_, db., --), an upper-case run glued on
# (PG in PGPASSWORD), or a lower-case word glued to a long keyword (dbpassword, authtoken).
_PREFIX = (
    r"(?:[\w.-]{0,40}[_.-])?"
    r"(?:(?-i:[A-Z0-9]{1,20})|[a-z0-9]{1,20}(?=password|passwd|secret|token))?"
)
_SUFFIX = r"(?:[_.-](?:key|value|base|hash|str|string|b64|base64))?"
# A value: quoted (all of it), or one word whose last character is not punctuation.
_VALUE = (
    r"(?P<quote>['\"`])(?P<quoted>[^'\"`\n]{1,200})(?P=quote)"
    r"|(?P<word>[^\s'\"`]{0,199}[^\s.,;:?)\]}'\"`])"
)
_KEY_VALUE = re.compile(
    rf"(?<![\w.-])(?P<key>{_PREFIX}{_WORD}{_SUFFIX})"
    rf"(?P<sep>['\"]?[ \t]*(?::=|=>|[:=])[ \t]*)(?:{_VALUE})",
    re.I,
)
_PROSE_WORD = r"(?:pass(?:word|wd|phrase|code)|pwd|pw)s?"
_IS_VALUE = re.compile(
    rf"(?<![\w.-])(?P<key>{_PROSE_WORD})(?P<sep>[ \t]+(?:is|was)(?:[ \t]*:)?[ \t]+)(?:{_VALUE})",
    re.I,
)
_BARE_VALUE = re.compile(
    r"(?<![\w.-])(?P<key>password|passwd|pwd|pw)(?P<sep>[ \t]+)"
    r"(?P<word>[^\s/~'\"`-][^\s'\"`]{2,198}[^\s.,;:?)\]}'\"`])",
    re.I,
)
_COMMAND = re.compile(
    r"(?P<key>\b(?:mysql\w{0,10}|mariadb\w{0,10})\b[^\n]{0,200}?(?<!\S)(?-i:-p))(?P<sep>)"
    r"(?:(?P<quote>['\"])(?P<quoted>[^'\"\n]{1,200})(?P=quote)|(?P<word>[^\s'\"]{1,200}))"
    r"|(?P<key2>\b(?:sshpass\b[^\n]{0,100}?(?<!\S)-p|redis-cli\b[^\n]{0,200}?(?<!\S)-a)[ \t]*)"
    r"(?:(?P<quote2>['\"])(?P<quoted2>[^'\"\n]{1,200})(?P=quote2)|(?P<word2>[^\s'\"]{1,200}))"
    r"|(?P<key3>\bcurl\b[^\n]{0,300}?(?<!\S)(?:-u|--user)[ \t]*['\"]?[^\s:'\"]{1,100}:)"
    r"(?P<word3>[^\s'\"]{1,200})",
    re.I,
)
# A passphrase is every word of it: the rest of its line, or all of its quotes.
_PASSPHRASE = re.compile(
    r"(?<![\w.-])(?P<key>[\w.-]{0,40}?pass[ _-]?phrase)s?"
    r"(?P<sep>[ \t]*(?::=|[:=])[ \t]*|[ \t]+(?:is|was)(?:[ \t]*:)?[ \t]+)"
    r"(?:(?P<quote>['\"`])(?P<quoted>[^'\"`\n]{1,200})(?P=quote)|(?P<word>[^\n]{0,199}[^\s.!?]))",
    re.I,
)
_PASSPHRASE_KEY = re.compile(r"pass[ _-]?phrase", re.I)
# Words that follow "password is" or "password:" in a question about a password, not in one.
_ORDINARY = frozenset(
    """a about accepted also always an and any asked at being blank broken case changed correct
    correctly definitely different does empty encrypted expired fine for from gone hashed here
    hidden how ignored in incorrect invalid is it just long lost missing never no not now ok okay
    on only plain plaintext rejected required reset right same saved sent set shown short still
    stored strong that the there this to too typed unknown used valid visible weak what when
    where which why with working wrong yes but or so because since though every""".split()
)


def _ordinary(value: str, *, phrase: bool) -> bool:
    """Whether a value is ordinary words: its first word, or for a passphrase its first two
    (a passphrase may well start with an ordinary word: "correct horse battery staple")."""
    words = [word.casefold() for word in value.split(maxsplit=2)[: 2 if phrase else 1]]
    return all(word in _ORDINARY for word in words)


def _looks_like_password(word: str) -> bool:
    """Letters together with digits or symbols: hunter2, s3cr3t!, not "manager" or "2fa"."""
    has_alpha = any(ch.isalpha() for ch in word)
    has_other = any(not ch.isalpha() for ch in word)
    return has_alpha and has_other and "[" not in word


def _replace(match: re.Match[str], *, prose: bool) -> str:
    """Keep the key and separator, replace the value; leave ordinary words and placeholders."""
    key, sep = match.group("key"), match.group("sep")
    if match.group("quote"):
        quote = match.group("quote")
        return f"{key}{sep}{quote}{SECRET}{quote}"
    word = match.group("word")
    if word.startswith("["):  # already a placeholder: redacting twice changes nothing
        return match.group(0)
    if prose and _ordinary(word, phrase=_PASSPHRASE_KEY.search(key) is not None):
        return match.group(0)
    return f"{key}{sep}{SECRET}"


def _key_value(match: re.Match[str]) -> str:
    # "password: what now?" is a question; "password=what" is an assignment.
    return _replace(match, prose=":" in match.group("sep") and "=" not in match.group("sep"))


def _is_value(match: re.Match[str]) -> str:
    return _replace(match, prose=True)


def _bare_value(match: re.Match[str]) -> str:
    word = match.group("word")
    if not _looks_like_password(word):
        return match.group(0)
    return f"{match.group('key')}{match.group('sep')}{SECRET}"


def _command(match: re.Match[str]) -> str:
    for key, quote in (("key", "quote"), ("key2", "quote2"), ("key3", "")):
        if match.group(key) is not None:
            mark = match.group(quote) if quote else ""
            return f"{match.group(key)}{mark or ''}{SECRET}{mark or ''}"
    return match.group(0)


def redact_secret_values(text: str) -> str:
    """``text`` with every secret value replaced by ``[secret]`` and its key kept."""
    text = _COMMAND.sub(_command, text)
    text = _PASSPHRASE.sub(_is_value, text)
    text = _KEY_VALUE.sub(_key_value, text)
    text = _IS_VALUE.sub(_is_value, text)
    return _BARE_VALUE.sub(_bare_value, text)
