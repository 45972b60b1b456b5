"""PostgreSQL connection URLs: whether one holds a password, and how one is shown masked.

A URL may carry its password in two places: ``postgresql://user:PASSWORD@host/db`` and the
``password`` query parameter (``?password=...``, as libpq and asyncpg accept it). Both are
masked wherever a URL is shown (settings dumps, logs, errors), and both are refused in the
config file (``bot.base.config_checks``): the password comes from the environment or a file.
"""

from __future__ import annotations

import urllib.parse

SCHEMES = ("postgresql", "postgres")
MASK = "****"


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return urllib.parse.urlsplit(url).scheme.lower() in SCHEMES


def postgres_url(value: str | None) -> str | None:
    """A settings validator: ``value`` if it is None or a PostgreSQL URL."""
    if value is not None and not is_postgres_url(value):
        raise ValueError("must be a postgresql:// URL")
    return value


def _split(url: str) -> tuple[urllib.parse.SplitResult, str, list[tuple[str, str]]]:
    parts = urllib.parse.urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    return parts, hosts, query


def url_has_password(url: str) -> bool:
    """Whether ``url`` holds a password: after the user name, or as a query parameter."""
    parts, _, query = _split(url)
    userinfo = parts.netloc.rpartition("@")[0]
    return ":" in userinfo or any(key.lower() == "password" for key, _ in query)


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``****``; the rest kept for reading."""
    parts, hosts, query = _split(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = hosts
    if userinfo:
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}{':' + MASK if colon else ''}@{hosts}"
    masked = [(key, MASK if key.lower() == "password" else value) for key, value in query]
    text = urllib.parse.urlencode(masked, safe="*") if query else parts.query
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, text, parts.fragment))


def scrub(text: str, url: str, password: str | None = None) -> str:
    """``text`` (an error message) with ``url`` shown masked and ``password`` nowhere in it."""
    text = text.replace(url, mask_url(url))
    secrets = [password] if password else []
    parts, _, query = _split(url)
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo:
        secrets.append(userinfo.partition(":")[2])
    secrets += [value for key, value in query if key.lower() == "password" and value]
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
        text = text.replace(urllib.parse.unquote(secret), MASK)
    return text
