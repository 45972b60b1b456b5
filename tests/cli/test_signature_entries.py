"""``faqbot entries signature add|remove``, ``ask --explain`` and ``validate`` on signatures, run
as a curator runs them (a subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_entries import ok, runner

pytestmark = pytest.mark.slow  # subprocesses
PASTED = "certbot: Type: urn:ietf:params:acme:error:connection"


def test_signature_add_explain_history_and_remove(tmp_path: Path) -> None:
    faqbot = runner(tmp_path, tmp_path / "faq.sqlite3")
    added = ok(faqbot("entries", "signature", "add", "renew-ssl-certificate", "acme:error:*"))
    assert added == "signature added to renew-ssl-certificate (action #1)\n"
    explained = ok(faqbot("ask", "--explain", PASTED))
    assert explained.startswith("[answer] How do I renew my SSL certificate?")
    assert "[signature]" in explained and "signature 'acme:error:*'" in explained
    assert "+'acme:error:*'" in ok(faqbot("history"))
    shown = ok(faqbot("entries", "show", "renew-ssl-certificate"))
    assert "signatures:" in shown and "acme:error:*" in shown
    removed = ok(faqbot("entries", "signature", "remove", "renew-ssl-certificate", "ACME:error:*"))
    assert removed == "signature removed from renew-ssl-certificate (action #2)\n"
    assert "[signature]" not in ok(faqbot("ask", "--explain", PASTED))


def test_a_refused_signature_is_one_line_and_a_failure(tmp_path: Path) -> None:
    faqbot = runner(tmp_path, tmp_path / "faq.sqlite3")
    done = faqbot("entries", "signature", "add", "renew-ssl-certificate", "error*")
    assert done.returncode != 0 and "too generic" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_validate_fails_strict_on_a_signature_that_hits_another_entry(tmp_path: Path) -> None:
    kb = tmp_path / "kb.yaml"
    kb.write_text(
        "entries:\n"
        + "".join(
            f"  - id: {eid}\n    question: {q}\n    alternates: [{q} now, {q} again, {q} today]\n"
            f"    signatures: ['{sig}']\n    answer: A.\n    tags: []\n"
            for eid, q, sig in (
                ("a", "alpha question", "ERR_SSL_PROTOCOL_ERROR"),
                ("b", "beta question", "*SSL_PROTOCOL_ERROR"),
            )
        ),
        encoding="utf-8",
    )
    faqbot = runner(tmp_path, tmp_path / "faq.sqlite3")
    done = faqbot("validate", "--strict", str(kb))
    assert done.returncode == 1
    assert "signature 'ERR_SSL_PROTOCOL_ERROR' also matches 'b'" in done.stdout
