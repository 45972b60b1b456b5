"""What redaction removes from a question and what it keeps readable.

Two labelled tables: ``MISSES`` are secrets and personal data that must be replaced (each was a
miss of some earlier version or guards one), ``FALSE_HITS`` are ordinary hosting questions that
must come back unchanged (each a false hit of some earlier version or a near neighbour of a
secret pattern).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.base.redact import redact

MISSES = [
    # e-mail addresses, internationalised ones too
    ("email-plain", "mail me at jane.doe+vps@example.co.uk please", "mail me at [email] please"),
    ("email-sentence-end", "write to ops@example.org.", "write to [email]."),
    ("email-brackets", "From: <root@example.com>", "From: <[email]>"),
    ("email-mailto", "mailto:support@example.com link", "mailto:[email] link"),
    ("email-unicode-local", "josé.müller@example.de bounces", "[email] bounces"),
    ("email-idn-domain", "user@bücher.example is rejected", "[email] is rejected"),
    ("email-cyrillic", "пишите иван@почта.рф", "пишите [email]"),
    ("email-cjk", "邮箱 用户@例子.广告 收不到", "邮箱 [email] 收不到"),
    ("email-punycode", "admin@xn--bcher-kva.example spam", "[email] spam"),
    ("email-subdomain", "bounce from a.b@mx1.mail.example.net", "bounce from [email]"),
    # IP addresses
    ("ipv4", "server 203.0.113.42 refuses ssh", "server [ip] refuses ssh"),
    ("ipv4-port", "nginx on 10.0.0.5:8080 gives 502", "nginx on [ip]:8080 gives 502"),
    ("ipv6-full", "ping 2001:db8::8a2e:370:7334 fails", "ping [ip] fails"),
    ("ipv6-loopback", "bound to ::1 only", "bound to [ip] only"),
    ("ipv6-zone", "link-local fe80::1%eth0 route", "link-local [ip] route"),
    ("ipv6-mapped", "client ::ffff:203.0.113.9 blocked", "client [ip] blocked"),
    ("ipv6-mapped-upper", "from ::FFFF:198.51.100.7 only", "from [ip] only"),
    ("ipv6-mapped-brackets", "listen [::ffff:192.0.2.1]:443", "listen [[ip]]:443"),
    ("ipv6-nat64", "dns64 gives 64:ff9b::192.0.2.33 here", "dns64 gives [ip] here"),
    ("ipv6-sentence-end", "it answers on ::1.", "it answers on [ip]."),
    # credentials in URLs
    (
        "url-ftp",
        "ftp://admin:hunter2@files.example.com/x down",
        "ftp://[secret]@files.example.com/x down",
    ),
    (
        "url-postgres",
        "postgres://app:s3cret@db.example.com:5432/app",
        "postgres://[secret]@db.example.com:5432/app",
    ),
    # tokens and keys
    (
        "discord-token",
        "bot token MTA5ODc2NTQzMjEwOTg3NjU0.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456 leaked",
        "bot token [token] leaked",
    ),
    (
        "openai-key",
        "my key sk-proj-AbCdEf0123456789XyZ stopped working",
        "my key [token] stopped working",
    ),
    ("github-pat", "github ghp_0123456789abcdefABCDEF0123456789abcd", "github [token]"),
    ("aws-key-id", "aws AKIAIOSFODNN7EXAMPLE denied", "aws [token] denied"),
    ("stripe-key", "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc fails", "stripe [token] fails"),
    ("slack-token", "slack xoxb-123456789012-abcdefghijkl broke", "slack [token] broke"),
    ("google-key", "maps AIzaSyA-1234567890abcdefghijklmnopqrstu quota", "maps [token] quota"),
    (
        "random-30",
        "api key is 9fQ2xLr7TzK1mNb4Vc8WpA3sDh6Jg0 for the panel",
        "api key is [token] for the panel",
    ),
    ("random-16", "key 9fQ2xLr7TzK1mNb4 rejected", "key [token] rejected"),
    ("random-16-hex", "licence 3f9a8b7c6d5e4f1a invalid", "licence [token] invalid"),
    ("random-18", "the code Zq8Lm3Np5Rt7Vw9XyK expired", "the code [token] expired"),
    (
        "private-key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
        "[secret]",
    ),
    ("jwt", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N", "jwt [token]"),
    # a value after a secret-sounding key
    ("password-colon", "Password: s3cr3t!", "Password: [secret]"),
    ("passwd-equals", "set passwd=abc123\nthen restart", "set passwd=[secret]\nthen restart"),
    ("pwd-colon", "pwd: correcthorse", "pwd: [secret]"),
    ("db-pass-env", "DB_PASS=hunter2 in .env", "DB_PASS=[secret] in .env"),
    ("pgpassword-env", "PGPASSWORD=s3cret psql -h db", "PGPASSWORD=[secret] psql -h db"),
    ("mysql-root-password", "MYSQL_ROOT_PASSWORD: example123", "MYSQL_ROOT_PASSWORD: [secret]"),
    ("json-password", '{"password": "hunter2"}', '{"password": "[secret]"}'),
    ("yaml-quoted", "password: 'correct horse'", "password: '[secret]'"),
    ("long-option", "mysqldump --password=hunter2 db", "mysqldump --password=[secret] db"),
    ("client-secret", "client_secret=abcDEF123", "client_secret=[secret]"),
    ("api-key-colon", "api_key: abc123def", "api_key: [secret]"),
    (
        "aws-secret-env",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=[secret]",
    ),
    ("token-equals", "token=abc123 in the url", "token=[secret] in the url"),
    ("dotted-key", "db.password = hunter2", "db.password = [secret]"),
    ("secret-key-base", "SECRET_KEY_BASE=deadbeef42", "SECRET_KEY_BASE=[secret]"),
    ("redis-password", "redis password=foobared", "redis password=[secret]"),
    ("glued-lowercase", "dbpassword: letmein", "dbpassword: [secret]"),
    ("api-key-spaced", "api key: sekrit99", "api key: [secret]"),
    # passphrases: every word of them
    ("passphrase-colon", "passphrase: correct horse battery staple", "passphrase: [secret]"),
    (
        "passphrase-is",
        "my ssh key passphrase is correct horse battery staple",
        "my ssh key passphrase is [secret]",
    ),
    (
        "passphrase-quoted",
        "the passphrase is 'tr0ub4dor and 3' but it fails",
        "the passphrase is '[secret]' but it fails",
    ),
    # "is" in a sentence
    ("pw-is", "my pw is x", "my pw is [secret]"),
    (
        "password-is-midline",
        "my password is hunter2 and it fails",
        "my password is [secret] and it fails",
    ),
    ("password-was", "the root password was Summer2024!", "the root password was [secret]"),
    ("password-is-colon", "password is: letmein", "password is: [secret]"),
    # a password-looking word right after the keyword
    (
        "bare-password",
        "mysql password hunter2 for root rejected",
        "mysql password [secret] for root rejected",
    ),
    ("bare-pw", "pw abc123", "pw [secret]"),
    # command lines
    ("mysql-p", "mysql -u root -pSECRET mydb", "mysql -u root -p[secret] mydb"),
    ("mysqldump-p-quoted", "mysqldump -uroot -p'S3cr3t' db", "mysqldump -uroot -p'[secret]' db"),
    ("sshpass-quoted", "sshpass -p 'x' ssh root@host", "sshpass -p '[secret]' ssh root@host"),
    ("sshpass-bare", "sshpass -p hunter2 ssh u@10.0.0.5", "sshpass -p [secret] ssh u@[ip]"),
    (
        "curl-u",
        "curl -u user:pass https://api.example.com",
        "curl -u user:[secret] https://api.example.com",
    ),
    ("curl-user", "curl --user admin:hunter2 -X GET", "curl --user admin:[secret] -X GET"),
    ("redis-cli-a", "redis-cli -a foobared ping", "redis-cli -a [secret] ping"),
    # phone numbers
    ("phone-e164", "text +14155552671 please", "text [phone] please"),
    ("phone-us-intl-spaces", "call +1 415 555 2671", "call [phone]"),
    ("phone-uk-intl", "office +44 20 7946 0958", "office [phone]"),
    ("phone-uk-trunk-brackets", "office +44 (0)20 7946 0958", "office [phone]"),
    ("phone-us-brackets", "cell (415) 555-2671 anytime", "cell [phone] anytime"),
    ("phone-us-dashes", "415-555-2671 is mine", "[phone] is mine"),
    ("phone-us-dots", "fax 415.555.2671", "fax [phone]"),
    ("phone-uk-national", "ring 020 7946 0958 today", "ring [phone] today"),
    ("phone-uk-mobile", "mobile 07700 900123", "mobile [phone]"),
    ("phone-de-intl", "tel +49 30 1234567", "tel [phone]"),
    ("phone-fr-intl", "tel +33 1 23 45 67 89", "tel [phone]"),
    ("phone-fr-national", "tel 01 23 45 67 89", "tel [phone]"),
    ("phone-00-prefix", "tel 0044 20 7946 0958", "tel [phone]"),
    ("phone-us-tollfree", "support +1-800-555-0199 closed", "support [phone] closed"),
    (
        "phone-mixed",
        "call me at +1 (415) 555-2671 tomorrow",
        "call me at [phone] tomorrow",
    ),
    ("phone-after-number", "room 12 415-555-2671", "room 12 [phone]"),
]

FALSE_HITS = [
    # the word "password" (or pass, pwd, token, secret) without a secret after it
    ("password-reset", "password reset email never arrives"),
    ("health-check-pass", "health check doesn't pass and the container restarts"),
    ("forgot-password", "forgot my password?"),
    ("password-manager", "password manager recommendations"),
    ("password-is-wrong", "the password is wrong"),
    ("password-is-not", "my password is not accepted by ssh"),
    ("password-is-too", "password is too short for the panel"),
    ("reset-root-password", "how do I reset the root password on ubuntu 22.04"),
    ("password-colon-question", "Forgot password: what now?"),
    ("passwordless", "passwordless sudo for deploy user"),
    ("keys-vs-passwords", "ssh keys vs passwords"),
    ("pwd-command", "pwd shows /var/www but nginx serves /usr/share/nginx/html"),
    ("token-expired", "token expired when calling the api"),
    ("max-tokens", "max_tokens=4096 in the config"),
    ("bypass", "bypass=true in the proxy config"),
    ("passenger", "passenger: 3 workers"),
    ("compass", "compass: north"),
    ("mysql-port-flag", "mysql -P 3306 -h db"),
    ("ssh-port-flag", "ssh -p 2222 root@host"),
    ("docker-user", "docker run -u 1000:1000 image"),
    ("curl-u-prompt", "curl -u with no password prompts"),
    ("mysql-error-1045", "error 1045 access denied for user root@localhost (using password: YES)"),
    ("health-counts", "health check: pass 3 fail 0 on /healthz"),
    ("token-limit", "what is the token limit for bots?"),
    ("secret-management", "secret management with vault"),
    ("htpasswd", "password protect a directory in apache with htpasswd"),
    ("auth-token-header", "authentication token header format"),
    ("password-field", "the password field is empty on the login form"),
    ("password-has", "my password has 8 characters"),
    ("password-file", "PASSWORD_FILE=/run/secrets/db"),
    ("password-hash-column", "db_password_hash column"),
    ("sshpass-missing", "sshpass not found in ubuntu"),
    ("mysql-version", "mysql 8.0.36 on port 3306"),
    ("password-2fa", "password 2fa setup"),
    # hosting words, numbers, versions, dates, ports
    ("bad-gateway", "502 bad gateway after deploy"),
    ("ssl-error", "ERR_SSL_PROTOCOL_ERROR in chrome on example.com"),
    ("domain", "point my domain shop.example.org at my vps"),
    ("nginx-version", "nginx 1.24.0 reverse proxy to localhost:3000"),
    ("ubuntu-versions", "ubuntu 22.04 lts upgrade to 24.04"),
    ("php-socket", "php-fpm socket /run/php/php8.2-fpm.sock missing"),
    ("open-port", "open port 8443 in ufw"),
    ("vm-or-container", "VM or container?"),
    ("mx-priority", "MX record priority 10 vs 20"),
    ("time", "time is 12:30:45 when cron runs"),
    ("long-word", "kubernetes-ingress-controller-configuration question"),
    ("hex-error", "error 0x80070005 on windows server 2019"),
    ("windows-version", "version 10.0.19041.1 of windows"),
    ("date", "cron at 2024-01-15 03:00 failed"),
    ("port-list", "ports 8080 8443 9000 are open"),
    ("sizes", "disks of 100 200 300 GB"),
    ("triplet", "x86_64-linux-gnu libraries missing"),
    ("aws-hostname", "ip-172-31-22-145 hostname on aws"),
    ("package-name", "python3-certbot-nginx is not installable"),
    ("kernel", "linux-image-6.8.0-45-generic panics"),
    ("product", "Windows10Pro1903 activation"),
    ("snowflake", "message 123456789012345678 was deleted"),
    ("unix-time", "unix time 1700000000 in the logs"),
    ("localhost-user", "user@localhost cannot log in"),
    ("cpp-scope", "std::vector error in c++"),
    ("ttl", "dns ttl 3600 and 86400"),
    ("chown", "chown www-data:www-data on the folder"),
    ("health-200", "the health check returns 200 but the load balancer marks it unhealthy"),
    ("uptime", "uptime 99.95% over 30 days"),
    ("apt-error", "apt says E: Unable to locate package"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(t, e, id=label) for label, t, e in MISSES]
)
def test_secret_or_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [pytest.param(t, id=label) for label, t in FALSE_HITS])
def test_ordinary_question_is_kept_whole(text: str) -> None:
    assert redact(text) == text


def test_the_table_has_at_least_a_hundred_labelled_cases() -> None:
    labels = [case[0] for case in (*MISSES, *FALSE_HITS)]
    assert len(labels) >= 100
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("text", [t for _, t, _ in MISSES] + [t for _, t in FALSE_HITS])
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


# Runs of characters that each pattern scans; quadratic patterns took 3-7 s on 16,000 of them.
ADVERSARIAL = (
    "a", "a.", "a@", "eyJ", "a:", "1.", "a-", "a+", "aB3+", "a.b-c+d_", "1 ", "+1 (2) ", "@",
    "DB_", "A", "password=", "passphrase is ", "mysql -", "curl -u ", "sshpass ", "0 ", "(1) ",
)  # fmt: skip
_REDACT_ALL = """
import sys
from bot.base.redact import redact
for unit in sys.argv[2:]:
    redact(unit * (int(sys.argv[1]) // len(unit) + 1))
"""


@pytest.mark.slow
@pytest.mark.parametrize(("size", "guard"), [(16_000, 30), (100_000, 120)])
def test_adversarial_input_is_redacted_in_linear_time(size: int, guard: int) -> None:
    # A guard against blow-up, not a measurement. The linear patterns need about 2 s for all of
    # these at 16,000 characters and 12 s at 100,000; the old quadratic ones needed 45 s for
    # half of them at 16,000, and hours at 100,000.
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-c", _REDACT_ALL, str(size), *ADVERSARIAL],
        cwd=root,
        check=True,
        timeout=guard,
    )
