"""Signatures: how one matches a post, what validation refuses, and the index's scan."""

from __future__ import annotations

import random

import pytest

from bot.core.entries import Entry
from bot.core.signature_index import SignatureIndex
from bot.core.signatures import MAX_SIGNATURE, MAX_WILDCARDS, Pattern, fold, signature_problem


def found(signature: str, post: str) -> bool:
    """Whether ``signature`` matches ``post``."""
    return Pattern.of("e", signature).found_in(fold(post))


def entry(entry_id: str, *signatures: str) -> Entry:
    """An entry with these signatures."""
    return Entry(entry_id, f"question {entry_id}?", "answer", signatures=signatures)


@pytest.mark.parametrize(
    ("signature", "post"),
    [
        ("SSL_ERROR_RX_RECORD_TOO_LONG", "firefox: Error code: ssl_error_rx_record_too_long"),
        ("Permission denied (publickey", "deploy@host: Permission   denied (publickey,password)."),
        ("acme:error:connection", "Type: urn:ietf:params:acme:error:connection :: timeout"),
        ("bind() to *:80 failed", "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: in use)"),
        ("bind() to *:80 failed", "`bind() to [::]:80 failed`"),
        ("ERROR 1045 (28000)", "```\nERROR 1045 (28000): Access denied\n```"),
        ("*acme:error:conn*", "urn:ietf:params:acme:error:connection"),  # open at both ends
    ],
)
def test_a_signature_matches_case_and_spacing_aside(signature: str, post: str) -> None:
    assert found(signature, post)


@pytest.mark.parametrize(
    ("signature", "post"),
    [
        ("ERROR 1045 (28000)", "ERROR 1044 (42000): Access denied"),
        ("ERROR 1045", "error 10452 in the log"),  # not inside a longer number
        ("ERR_CONNECTION_REFUSED", "XERR_CONNECTION_REFUSED"),
        ("bind() to *:80 failed", "bind() to 0.0.0.0\n:80 failed"),  # a '*' stays on one line
        ("bind() to *:80 failed", "bind() to 0.0.0.0:8080 failed"),
        ("bind() to *:80 failed", ":80 failed after bind() to"),  # the parts come in order
        ("acme:error:conn", "urn:ietf:params:acme:error:connection"),  # no '*': a whole word
    ],
)
def test_a_signature_does_not_match_elsewhere(signature: str, post: str) -> None:
    assert not found(signature, post)


def test_a_later_line_is_tried_when_the_first_line_fails() -> None:
    assert found("bind() to *:80 failed", "bind() to x:81 failed\nbind() to y:80 failed")


def test_a_boundary_is_looked_for_past_a_glued_occurrence() -> None:
    assert found("ERROR 1045", "ERROR 10452 then ERROR 1045 (28000)")


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("*", "only wildcards"),
        ("* * *", "only wildcards"),
        ("ERR_*", "too generic"),
        ("error", "too generic"),
        ("a*b*c*d*efghijkl", f"limit is {MAX_WILDCARDS}"),
        ("x" * (MAX_SIGNATURE + 1), f"limit is {MAX_SIGNATURE}"),
        ("*abcdefgh*", "whole word"),
        ("line one\nline two", "one line"),
    ],
)
def test_validation_refuses_what_cannot_be_a_signature(signature: str, reason: str) -> None:
    problem = signature_problem(signature)
    assert problem is not None and reason in problem


def test_a_real_error_string_is_accepted() -> None:
    assert signature_problem("Permission denied (publickey)") is None
    assert signature_problem("ssh: connect to host * port *: Connection refused") is None


def test_the_index_finds_every_entry_whose_signature_the_post_holds() -> None:
    index = SignatureIndex(
        [
            entry("tls", "SSL_ERROR_RX_RECORD_TOO_LONG"),
            entry("ssh", "Permission denied (publickey"),
            entry("port", "bind() to *:80 failed"),
        ]
    )
    post = "hi!\n```\nPermission denied (publickey).\nbind() to 0.0.0.0:80 failed\n```\nhelp?"
    assert {hit.entry_id for hit in index.hits(post)} == {"ssh", "port"}
    assert index.hits("nothing to see here") == []


def test_the_index_leaves_out_entries_the_view_hides() -> None:
    index = SignatureIndex([entry("tls", "SSL_ERROR_RX_RECORD_TOO_LONG")])
    assert index.hits("SSL_ERROR_RX_RECORD_TOO_LONG", lambda entry_id: False) == []


def test_an_edit_replaces_the_signatures_and_a_removal_drops_them() -> None:
    index = SignatureIndex([entry("tls", "SSL_ERROR_RX_RECORD_TOO_LONG")])
    index.upsert(entry("tls", "ERR_SSL_PROTOCOL_ERROR"))
    assert index.hits("SSL_ERROR_RX_RECORD_TOO_LONG") == []
    assert [h.entry_id for h in index.hits("ERR_SSL_PROTOCOL_ERROR")] == ["tls"]
    assert index.owner("err_ssl_protocol_error") == "tls"
    index.remove("tls")
    assert (
        index.hits("ERR_SSL_PROTOCOL_ERROR") == [] and index.owner("ERR_SSL_PROTOCOL_ERROR") is None
    )


def test_the_more_specific_hit_comes_first() -> None:
    index = SignatureIndex(
        [entry("short", "Connection reset"), entry("long", "ERR_CONNECTION_TIMED_OUT")]
    )
    hits = index.hits("Connection reset, then ERR_CONNECTION_TIMED_OUT")
    assert [h.entry_id for h in hits] == ["long", "short"]


def test_the_index_agrees_with_checking_every_signature_on_its_own() -> None:
    rng = random.Random(3)
    words = ["error", "failed", "denied", "socket", "conn", "port", "acme", "ssl_err", "1045"]
    marks = [" ", ": ", "_", "-", "(", ")", ":80 ", "\n"]

    def text(n: int) -> str:
        return "".join(rng.choice(words) + rng.choice(marks) for _ in range(n))

    entries = []
    for n in range(60):
        sig = text(rng.randint(2, 4)).replace("\n", " ").strip()
        if rng.random() < 0.4:
            sig = sig.replace(" ", " * ", 1)
        if signature_problem(sig) is None:
            entries.append(entry(f"e{n}", sig))
    index = SignatureIndex(entries)
    every = [Pattern.of(e.id, s) for e in entries for s in e.signatures]
    for _ in range(300):
        post = text(rng.randint(1, 30))
        expected = {p.entry_id for p in every if p.found_in(fold(post))}
        assert {h.entry_id for h in index.hits(post)} == expected, post


def test_a_pathological_post_against_many_signatures_gives_the_right_hits() -> None:
    # 3,000 signatures sharing their words with a 4,000-character post built to make every
    # one of them a candidate; only the two that are really there may be found.
    entries = [entry(f"e{n}", f"aaaa aaaa {n:04d} aaaa*aaaa b{n}") for n in range(1000)]
    entries += [entry(f"x{n}", f"aaaa aaaa aaaa aaaa x{n:03d}") for n in range(2000)]
    post = ("aaaa " * 700)[:3900] + "\naaaa aaaa 0007 aaaa aaaa b7 ok\naaaa aaaa aaaa aaaa x042"
    assert len(post) <= 4000
    index = SignatureIndex(entries)
    assert {h.entry_id for h in index.hits(post)} == {"e7", "x42"}
