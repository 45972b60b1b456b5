"""The matcher: real questions over the shipped knowledge, the three outcomes at their edges,
deterministic ties, and incremental updates that equal a rebuild."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.base.config import MatcherSettings
from bot.core.evaluation import load_queries
from bot.core.knowledge import Entry, Knowledge
from bot.core.matcher import Candidate, Matcher, MatchResult, Outcome
from tests.shipped import shipped_knowledge

SHIPPED: Knowledge = shipped_knowledge()


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    """The shipped knowledge indexed once, with the default settings."""
    return Matcher(SHIPPED.entries, SHIPPED.synonyms)


# --- (a) what members ask, and what they should get -------------------------------------------

# Questions written the way members ask, none copied from a phrasing.
ANSWERS = [
    ("VM or container?", "vm-vs-container"),
    ("database connection error wordpress", "wordpress-database-connection-error"),
    ("how do i connect to my server", "connect-to-server-ssh"),
    ("move site to new server", "migrate-website-new-host"),
    ("mysql too many connections", "too-many-connections"),
    ("apache wont start port 80 in use", "port-already-in-use"),
    ("allowed memory size of 134217728 bytes exhausted", "php-settings-limits"),
    ("where is the nginx error log", "read-server-logs"),
    ("wrong time on my server", "set-server-timezone"),
    ("cloudflare says web server is down 521", "cloudflare-52x-errors"),
    ("hosting company suspended my server abuse complaint", "vps-suspended-abuse"),
    ("what does 99.99% uptime mean", "uptime-sla"),
    ("nginx rate limiting", "nginx-rate-limiting"),  # not Let's Encrypt's rate limits
    ("google says my site is dangerous", "site-flagged-dangerous"),
    ("gmail rejected my mail 550 5.7.26", "email-bounce-codes"),
    ("https on my server ip without domain", "certificate-for-ip-address"),
    ("my website is not loading what should i check", "site-down-triage"),
    ("what is php-fpm", "what-is-php-fpm"),  # not the pm.max_children entry
    ("is k8s worth it for a small site", "do-i-need-kubernetes"),
    ("whats the difference between a domain name and web hosting", "what-is-web-hosting"),
    ("windows or ubuntu for my server", "linux-or-windows-server"),
    ("should i use ftp or sftp", "ftp-vs-sftp"),
    (
        "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
        "port-already-in-use",
    ),
    ("E: Could not get lock /var/lib/dpkg/lock-frontend", "apt-lock"),
    ("Job for nginx.service failed because the control process exited", "service-failed-to-start"),
    ("site down 502", "error-502-bad-gateway"),
    ("my site says 502 bad gateway", "error-502-bad-gateway"),
    ("ssl not working on www", "ssl-not-working-on-www"),
    ("emails go to spam", "emails-going-to-spam"),
    ("my emails end up in junk", "emails-going-to-spam"),
    ("permission denied publickey", "ssh-permission-denied-publickey"),
    ("ssh says permission denied (publickey)", "ssh-permission-denied-publickey"),
    ("how to point my domain to my server", "point-domain-at-vps"),
    ("dns changes not showing up", "dns-propagation"),
    ("docker container keeps restarting", "container-keeps-restarting"),
    ("docker container can't be reached from browser", "docker-port-mapping"),
    ("how do I add a swap file", "add-swap"),
    ("server running out of memory", "oom-killer"),
    ("mysql too many connections", "too-many-connections"),
    ("locked myself out with ufw", "locked-out-by-firewall"),
    ("cpanel vs plesk", "cpanel-vs-plesk"),
    ("how do I reset the mysql root password", "reset-mysql-root-password"),
    ("how to renew lets encrypt cert", "certbot-renewal"),
    ("redirect loop after ssl", "too-many-redirects"),
    ("413 when uploading", "error-413-request-entity-too-large"),
    ("getting a 504 timeout", "error-504-gateway-timeout"),
    ("wordpress permalinks give 404", "error-404-not-found"),
    ("my wordpress got hacked", "site-hacked"),
    ("how to block brute force ssh", "fail2ban-setup"),
    ("can i get a refund", "hosting-refunds"),
    ("how to cancel my vps", "cancel-hosting-service"),
    ("my vps was suspended for not paying", "unpaid-invoice"),
    ("should I use mysql or postgres", "mysql-vs-postgresql"),
    ("how do I back up my postgres database", "database-dump"),
    ("how much ram does my vps need", "choose-vps-size"),
    ("whats the difference between a vps and shared hosting", "vps-vs-shared-vs-dedicated"),
    ("ssh connection refused", "ssh-connection-refused-timeout"),
    ("what is a hypervisor", "what-is-a-vm"),
    ("websocket behind nginx not working", "websocket-proxy"),
    ("cloudflare shows wrong visitor ip", "real-visitor-ip-behind-proxy"),
    ("contact form won't send email", "website-contact-form-mail"),
    ("free ssl", "letsencrypt-certbot-setup"),
]

# Vaguer questions: the right entry must at least be offered.
SUGGESTIONS = [
    ("how do I get https for free", "letsencrypt-certbot-setup"),
    ("my disk is full", "disk-full"),
    ("how to open port 8080", "open-a-port"),
    ("docker eating disk space", "docker-disk-space"),
    ("what is docker", "what-is-a-container"),
    ("what is a reverse proxy", "nginx-reverse-proxy"),
]

# Greetings, filler and questions the knowledge does not cover.
NOTHING = [
    "hi",
    "help?",
    "hello there!!",
    "thanks!",
    "good morning everyone",
    "\U0001f44d\U0001f44d",
    "what's the weather tomorrow",
    "is it raining",
    "best pizza in town",
    "who won the football game",
    "can you recommend a good laptop",
    "how do i bake sourdough bread",
    "how to make pasta",  # "make" alone used to pull in "how to make a subdomain"
]


@pytest.mark.parametrize(("query", "entry_id"), ANSWERS, ids=[q for q, _ in ANSWERS])
def test_member_question_is_answered_with_the_right_entry(shipped, query, entry_id):
    result = shipped.match(query)

    assert (result.outcome, result.entry_id) == (Outcome.ANSWER, entry_id), result.explanation


@pytest.mark.parametrize(("query", "entry_id"), SUGGESTIONS, ids=[q for q, _ in SUGGESTIONS])
def test_vague_member_question_offers_the_right_entry(shipped, query, entry_id):
    result = shipped.match(query)

    if result.outcome is Outcome.ANSWER:
        assert result.entry_id == entry_id, result.explanation
    else:
        assert result.outcome is Outcome.SUGGEST, result.explanation
        assert entry_id in [c.entry_id for c in result.suggestions]


@pytest.mark.parametrize("query", NOTHING)
def test_filler_and_off_topic_questions_get_no_answer(shipped, query):
    result = shipped.match(query)

    assert result.outcome is Outcome.NONE, [(c.entry_id, c.score) for c in result.candidates]
    assert result.entry_id is None


# --- (b) every shipped phrasing answers with its own entry ------------------------------------

PHRASINGS = [(entry.id, text) for entry in SHIPPED.entries for text in entry.phrasings]


@pytest.mark.parametrize(
    ("entry_id", "phrasing"), PHRASINGS, ids=[f"{e}:{p}" for e, p in PHRASINGS]
)
def test_every_shipped_phrasing_answers_with_its_own_entry(shipped, entry_id, phrasing):
    result = shipped.match(phrasing)

    assert (result.outcome, result.entry_id) == (Outcome.ANSWER, entry_id), result.explanation


# --- (c) the three outcomes at their edges ----------------------------------------------------


def entry(entry_id: str, question: str, *alternates: str) -> Entry:
    """A hand-built entry with a placeholder answer."""
    return Entry(id=entry_id, question=question, answer=f"About: {question}", alternates=alternates)


TINY = (
    entry("renew-certificate", "How do I renew my certificate?", "certificate expired"),
    entry("reload-nginx", "How do I reload nginx?", "nginx config test", "restart nginx safely"),
    entry("open-port", "How do I open a port in the firewall?", "port closed", "allow port"),
    entry("firewall-lockout", "I got locked out by my firewall", "firewall blocked ssh"),
    entry("backup-database", "How do I back up my database?", "database dump"),
)
QUERY = "firewall port"  # open-port clearly first, firewall-lockout a distant second


@pytest.fixture(scope="module")
def measured() -> tuple[float, float]:
    """The top score and the lead over the runner-up of QUERY on TINY (default settings)."""
    top, runner_up = Matcher(TINY).rank(QUERY)[:2]
    assert (top.entry_id, runner_up.entry_id) == ("open-port", "firewall-lockout")
    assert 0.0 < runner_up.score < top.score < 1.0
    return top.score, top.score - runner_up.score


def tiny(**settings: float) -> Matcher:
    """TINY indexed with these matcher settings."""
    return Matcher(TINY, settings=MatcherSettings(**settings))


def test_answer_when_score_reaches_threshold_and_lead_reaches_margin(measured):
    score, lead = measured

    result = tiny(answer_threshold=score, margin=lead, suggest_threshold=0.1).match(QUERY)

    assert result.outcome is Outcome.ANSWER
    assert result.entry_id == "open-port"
    assert result.score == score


def test_suggest_when_score_just_below_answer_threshold(measured):
    score, lead = measured

    result = tiny(answer_threshold=score + 0.001, margin=lead, suggest_threshold=0.1).match(QUERY)

    assert result.outcome is Outcome.SUGGEST
    assert result.entry_id is None
    assert result.suggestions[0].entry_id == "open-port"
    assert "below the answer bar" in result.explanation


def test_suggest_when_lead_just_short_of_margin(measured):
    score, lead = measured

    result = tiny(answer_threshold=score, margin=lead + 0.001, suggest_threshold=0.1).match(QUERY)

    assert result.outcome is Outcome.SUGGEST
    assert "leads the runner-up by only" in result.explanation


def test_suggest_when_score_exactly_at_suggest_threshold(measured):
    score, _ = measured

    result = tiny(answer_threshold=score + 0.01, suggest_threshold=score).match(QUERY)

    assert result.outcome is Outcome.SUGGEST
    assert [c.entry_id for c in result.suggestions] == ["open-port"]


def test_none_when_score_just_below_suggest_threshold(measured):
    score, _ = measured

    result = tiny(answer_threshold=score + 0.01, suggest_threshold=score + 0.001).match(QUERY)

    assert result.outcome is Outcome.NONE
    assert result.suggestions == ()
    assert result.best.entry_id == "open-port"  # candidates are still shown for --explain
    assert "below the suggest bar" in result.explanation


@pytest.mark.parametrize("text", ["hi", "help?", "", "thanks guys!!"])
def test_none_for_filler_even_with_zero_thresholds(text):
    matcher = tiny(answer_threshold=0.0, margin=0.0, suggest_threshold=0.0)

    result = matcher.match(text)

    assert result.outcome is Outcome.NONE
    assert result.candidates == ()
    assert "filler" in result.explanation


def test_none_when_no_entry_shares_a_word():
    result = tiny(suggest_threshold=0.0).match("kubernetes helm chart")

    assert result.outcome is Outcome.NONE
    assert result.candidates == ()


def test_passive_uses_the_stricter_threshold(measured):
    score, lead = measured
    matcher = tiny(
        answer_threshold=score,
        passive_answer_threshold=score + 0.001,
        margin=lead,
        suggest_threshold=0.1,
    )

    assert matcher.match(QUERY).outcome is Outcome.ANSWER
    assert matcher.match(QUERY, passive=True).outcome is Outcome.SUGGEST


def test_passive_answers_when_the_stricter_threshold_is_reached(measured):
    score, lead = measured
    matcher = tiny(answer_threshold=score, passive_answer_threshold=score, margin=lead)

    assert matcher.match(QUERY, passive=True).entry_id == "open-port"


SHARED_WORD = tuple(
    entry(f"server-{topic}", f"server {topic}")
    for topic in ("backup", "firewall", "memory", "upgrade", "logs")
)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_max_suggestions_is_respected(limit):
    settings = MatcherSettings(answer_threshold=1.0, suggest_threshold=0.0, max_suggestions=limit)
    matcher = Matcher(SHARED_WORD, settings=settings)

    result = matcher.match("server")

    assert result.outcome is Outcome.SUGGEST
    assert len(result.candidates) > limit
    assert result.suggestions == result.candidates[:limit]


def test_equal_scores_rank_in_insertion_order():
    result = Matcher(SHARED_WORD).rank("server")

    assert len({c.score for c in result}) == 1
    assert [c.entry_id for c in result] == [e.id for e in SHARED_WORD]


def test_same_query_gives_the_same_result_twice(shipped):
    assert shipped.match("docker disk full") == shipped.match("docker disk full")


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["a-first", "b-first"])
def test_identical_phrasings_the_first_entry_added_wins(order):
    twins = (
        entry("twin-a", "How do I renew my certificate?", "certificate expired"),
        entry("twin-b", "How do I renew my certificate?", "certificate expired"),
    )
    first, second = (twins[i] for i in order)

    result = Matcher([first, second]).match("renew certificate")

    assert [c.entry_id for c in result.candidates] == [first.id, second.id]
    assert result.candidates[0].score == result.candidates[1].score
    assert result.outcome is Outcome.SUGGEST  # a tie is never a clear lead


# --- (d) incremental updates equal a rebuild --------------------------------------------------

BASE = TINY[:4]
ADDED = entry("kubernetes-intro", "What is kubernetes?", "k8s explained", "kubernetes vs docker")
QUERIES = [
    "renew certificate",
    "firewall port",
    "nginx reload",
    "what is kubernetes",
    "database dump",
    "locked out by firewall",
    "port closed firewall",
    "hi",
]


def ranked(matcher: Matcher) -> list[list[tuple[str, float]]]:
    """Entry ids and scores ranked for every query of QUERIES."""
    return [[(c.entry_id, c.score) for c in matcher.rank(q, limit=10)] for q in QUERIES]


def test_upsert_of_a_new_entry_equals_a_rebuild():
    matcher = Matcher(BASE)

    matcher.upsert(ADDED)

    assert ranked(matcher) == ranked(Matcher([*BASE, ADDED]))
    assert matcher.match("what is kubernetes").entry_id == "kubernetes-intro"
    assert matcher.get("kubernetes-intro") == ADDED
    assert len(matcher) == len(BASE) + 1


def test_upsert_of_an_edited_entry_finds_the_new_phrasing_and_drops_the_old():
    edited = dataclasses.replace(TINY[1], alternates=("nginx config test", "apply vhost changes"))
    matcher = Matcher(BASE)

    matcher.upsert(edited)

    assert matcher.match("apply vhost changes").entry_id == "reload-nginx"
    assert matcher.rank("restart safely") == []  # only the removed phrasing had these words
    assert matcher.get("reload-nginx") == edited


def test_upsert_of_an_edited_entry_equals_a_rebuild():
    edited = dataclasses.replace(TINY[1], alternates=("nginx config test", "apply vhost changes"))
    matcher = Matcher(BASE)

    matcher.upsert(edited)

    assert ranked(matcher) == ranked(Matcher([BASE[0], edited, *BASE[2:]]))


def test_remove_drops_the_entry_and_equals_a_rebuild():
    matcher = Matcher(TINY)

    matcher.remove("backup-database")

    assert "backup-database" not in matcher
    assert matcher.get("backup-database") is None
    assert matcher.match("database dump").outcome is Outcome.NONE
    assert ranked(matcher) == ranked(Matcher(TINY[:4]))


def test_remove_of_an_unknown_id_is_not_an_error():
    matcher = Matcher(BASE)

    matcher.remove("no-such-entry")

    assert ranked(matcher) == ranked(Matcher(BASE))


def test_a_sequence_of_updates_on_the_shipped_knowledge_equals_a_rebuild():
    entries = list(SHIPPED.entries)
    victim, edited_from = entries[10], entries[20]
    edited = dataclasses.replace(edited_from, alternates=(*edited_from.alternates, "new words"))
    matcher = Matcher([e for e in entries if e.id != victim.id], SHIPPED.synonyms)

    matcher.upsert(victim)
    matcher.upsert(edited)
    matcher.remove(entries[30].id)

    expected = [e for e in entries if e.id != victim.id]
    expected[expected.index(edited_from)] = edited
    expected = [e for e in expected if e.id != entries[30].id] + [victim]
    rebuilt = Matcher(expected, SHIPPED.synonyms)
    queries = [q for q, _ in ANSWERS] + [q for q, _ in SUGGESTIONS]
    for query in queries:
        got = [(c.entry_id, c.score) for c in matcher.rank(query, limit=10)]
        assert got == [(c.entry_id, c.score) for c in rebuilt.rank(query, limit=10)], query


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [("renew certifcate", "renew-certificate"), ("ngnix reload", "reload-nginx")],
)
def test_misspelt_word_still_matches_without_synonyms(query, entry_id):
    result = Matcher(TINY).match(query)

    assert result.entry_id == entry_id, result.explanation


def test_only_guessed_spellings_never_make_a_did_you_mean():
    matcher = Matcher(TINY)  # like "what is love" -> "move" on the shipped knowledge
    assert matcher.rank("what is dumb"), "'dumb' is one edit from 'dump': the typo index finds it"

    result = matcher.match("what is dumb")

    assert result.outcome is Outcome.NONE
    assert "guessed spellings" in result.explanation


def test_a_word_typed_right_beside_a_typo_still_gets_suggestions():
    result = Matcher(TINY).match("firewall dumb")

    assert result.outcome is not Outcome.NONE, result.explanation


def test_misspelt_word_matches_an_entry_added_later():
    matcher = Matcher(BASE)

    matcher.upsert(ADDED)

    assert matcher.match("what is kubernetse").entry_id == "kubernetes-intro"


def test_misspelt_word_no_longer_matches_a_removed_entry():
    matcher = Matcher([*BASE, ADDED])

    matcher.remove(ADDED.id)

    assert matcher.rank("kubernetse") == []


def test_explanations_name_the_matched_phrasing():
    result: MatchResult = Matcher(TINY).match("renew certifcate")

    assert result.explanation
    best = result.best
    assert best.phrasing in TINY[0].phrasings
    assert repr(best.phrasing) in best.why
    assert "%" in best.why


def test_every_candidate_carries_a_reason(shipped):
    result = shipped.match("my disk is full")

    assert result.candidates
    for candidate in result.candidates:
        assert candidate.why and repr(candidate.phrasing) in candidate.why


# --- (f) the development questions for the shipped knowledge -----------------------------------

MEMBERS = Path(__file__).parents[2] / "benchmarks" / "data"


@pytest.mark.parametrize("name", ["shipped-dev", "shipped-long"])
def test_shipped_questions_never_get_a_wrong_answer(shipped: Matcher, name: str) -> None:
    """A new entry must not take questions that belong to another (or to none): members'
    short questions (shipped-dev) and their long posts with context and pasted errors."""
    wrong = []
    for item in load_queries(MEMBERS / name / "queries.jsonl"):
        result = shipped.match(item.query)
        if result.outcome is Outcome.ANSWER and result.entry_id != item.gold:
            wrong.append((item.query, item.gold, result.entry_id, result.score))
    assert wrong == []


def test_a_candidate_writes_its_reason_once_when_it_is_read() -> None:
    calls: list[int] = []

    def reason() -> str:
        calls.append(1)
        return "shares words"

    lazy = Candidate("dns", 0.8, "dns", reason)
    assert calls == []
    assert lazy.why == "shares words" and lazy.why == "shares words"
    assert calls == [1]
    assert lazy == Candidate("dns", 0.8, "dns", "shares words")
    assert lazy != Candidate("dns", 0.8, "dns", "other words")
    assert hash(lazy) == hash(Candidate("dns", 0.8, "dns", "shares words"))
