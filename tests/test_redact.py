"""What redaction removes from a question and what it keeps readable."""

import pytest

from bot.base.redact import redact

REDACTED = [
    ("mail me at jane.doe+vps@example.co.uk please", "mail me at [email] please"),
    ("server 203.0.113.42 refuses ssh", "server [ip] refuses ssh"),
    ("nginx on 10.0.0.5:8080 gives 502", "nginx on [ip]:8080 gives 502"),
    ("ping 2001:db8::8a2e:370:7334 fails", "ping [ip] fails"),
    ("bound to ::1 only", "bound to [ip] only"),
    ("link-local fe80::1%eth0 route", "link-local [ip] route"),
    ("ftp://admin:hunter2@files.example.com/x down", "ftp://[secret]@files.example.com/x down"),
    (
        "bot token MTA5ODc2NTQzMjEwOTg3NjU0.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456 leaked",
        "bot token [token] leaked",
    ),
    ("my key sk-proj-AbCdEf0123456789XyZ stopped working", "my key [token] stopped working"),
    ("github ghp_0123456789abcdefABCDEF0123456789abcd", "github [token]"),
    ("aws AKIAIOSFODNN7EXAMPLE denied", "aws [token] denied"),
    ("api key is 9fQ2xLr7TzK1mNb4Vc8WpA3sDh6Jg0 for the panel", "api key is [token] for the panel"),
    ("mysql password hunter2 for root rejected", "mysql password [secret]"),
    ("Password: s3cr3t!", "Password [secret]"),
    ("set passwd=abc123\nthen restart", "set passwd [secret]\nthen restart"),
    ("pwd correcthorse", "pwd [secret]"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
        "[secret]",
    ),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N", "jwt [token]"),
]

KEPT = [
    "502 bad gateway after deploy",
    "ERR_SSL_PROTOCOL_ERROR in chrome on example.com",
    "point my domain shop.example.org at my vps",
    "nginx 1.24.0 reverse proxy to localhost:3000",
    "ubuntu 22.04 lts upgrade to 24.04",
    "php-fpm socket /run/php/php8.2-fpm.sock missing",
    "open port 8443 in ufw",
    "forgot my password?",
    "VM or container?",
    "MX record priority 10 vs 20",
    "time is 12:30:45 when cron runs",
    "kubernetes-ingress-controller-configuration question",
    "error 0x80070005 on windows server 2019",
    "version 10.0.19041.1 of windows",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_sensitive_text_is_replaced_by_placeholder(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_hosting_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact("mail root@example.com from 192.0.2.1 with password x")
    assert redact(once) == once
