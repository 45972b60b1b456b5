"""Signatures in the knowledge and the matcher: loading, validate, both modes, the responder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.base.config import SHIPPED_KNOWLEDGE, KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import KnowledgeError
from bot.cli.render import describe_result
from bot.core.collisions import find_collisions
from bot.core.entries import Entry
from bot.core.etiquette import Cooldowns, RateLimiter, Trigger
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.matcher import Matcher, Outcome
from bot.core.plans import Answer, Request, Silent
from bot.core.responder import Responder
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
TOPIC = """\
entries:
  - id: {id}
    question: {question}
    alternates: [one way to ask {id}, another way to ask {id}, a third way to ask {id}]
    signatures: {signatures}
    answer: The answer.
    tags: []
"""


def topic_file(path: Path, entry_id: str, question: str, signatures: str) -> Path:
    """A one-entry topic file with these signatures (YAML flow list)."""
    text = TOPIC.format(id=entry_id, question=question, signatures=signatures)
    path.write_text(text, encoding="utf-8")
    return path


def entry(entry_id: str, question: str, *signatures: str) -> Entry:
    """An entry with a question, two alternates and these signatures."""
    alternates = (f"{question} please", f"help with {question}")
    return Entry(entry_id, question, "answer", alternates, signatures=signatures)


ENTRIES = [
    entry("tls", "https shows a protocol error in firefox", "SSL_ERROR_RX_RECORD_TOO_LONG"),
    entry("ssh", "my ssh key is refused", "Permission denied (publickey"),
    entry("dns", "my domain does not resolve"),
]


def test_signatures_load_from_yaml(tmp_path: Path) -> None:
    path = topic_file(tmp_path / "a.yaml", "tls", "Why?", "[SSL_ERROR_RX_RECORD_TOO_LONG]")
    (loaded,) = load_knowledge([path]).entries
    assert loaded.signatures == ("SSL_ERROR_RX_RECORD_TOO_LONG",)
    assert loaded.to_dict()["signatures"] == ["SSL_ERROR_RX_RECORD_TOO_LONG"]


def test_a_bad_signature_names_the_file_entry_and_field(tmp_path: Path) -> None:
    path = topic_file(tmp_path / "a.yaml", "tls", "Why?", "[ok-signature-here, 'ERR*']")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge([path])
    (problem,) = info.value.problems
    assert (problem.file, problem.entry, problem.field) == (str(path), "tls", "signatures[2]")
    assert "too generic" in problem.message


def test_a_signature_in_two_entries_names_both(tmp_path: Path) -> None:
    first = topic_file(tmp_path / "a.yaml", "tls", "Why?", "[SSL_ERROR_RX_RECORD_TOO_LONG]")
    second = topic_file(tmp_path / "b.yaml", "tls2", "How?", "[ssl_error_rx_record_too_long]")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge([first, second])
    (problem,) = info.value.problems
    assert (problem.file, problem.entry, problem.field) == (str(second), "tls2", "signatures")
    assert "'tls'" in problem.message and str(first) in problem.message


def test_validate_warns_when_a_signature_would_hit_another_entry() -> None:
    knowledge = Knowledge(
        (
            entry("a", "first entry question", "ERR_SSL_PROTOCOL_ERROR"),
            entry("b", "second entry question", "SSL_PROTOCOL_ERROR happened"),
            entry("c", "third entry question", "*SSL_PROTOCOL_ERROR"),
        ),
        {},
    )
    lines = find_collisions(knowledge)
    clash = [line for line in lines if "signature" in line]
    assert len(clash) == 2
    assert all("entry 'a'" in line or "entry 'b'" in line for line in clash)
    assert all("'c'" in line for line in clash)


@pytest.mark.slow  # validates all shipped knowledge; the fast run checks every phrasing's owner
def test_the_shipped_knowledge_passes_strict_validation() -> None:
    assert find_collisions(load_knowledge([SHIPPED_KNOWLEDGE])) == []


@pytest.mark.parametrize(
    ("post", "entry_id"),
    [
        ("hi! firefox shows\n```\nError code: SSL_ERROR_RX_RECORD_TOO_LONG\n```", "ssl-error-rx-"),
        ("certbot: Type: urn:ietf:params:acme:error:connection\nfirst cert ever", "letsencrypt-"),
        ("`ERR_TOO_MANY_REDIRECTS` after I turned on cloudflare", "too-many-redirects"),
        ("deploy@203.0.113.10: Permission denied (publickey).", "ssh-permission-denied-"),
    ],
)
def test_a_pasted_error_gets_the_shipped_entry_that_lists_it(post: str, entry_id: str) -> None:
    knowledge = load_knowledge([SHIPPED_KNOWLEDGE])
    result = Matcher(knowledge.entries, knowledge.synonyms).match(post, passive=True)
    assert result.outcome is Outcome.ANSWER and result.entry_id.startswith(entry_id)


def test_a_hit_answers_even_what_the_words_alone_would_not() -> None:
    matcher = Matcher(ENTRIES)
    post = "so yeah, after the move nothing works. log:\n    ssl_error_rx_record_too_long"
    result = matcher.match(post)
    assert result.outcome is Outcome.ANSWER and result.entry_id == "tls"
    assert result.best is not None and "SSL_ERROR_RX_RECORD_TOO_LONG" in result.best.why
    assert "signature" in result.explanation


def test_hits_on_several_entries_are_suggested_together() -> None:
    post = "SSL_ERROR_RX_RECORD_TOO_LONG and then Permission denied (publickey)"
    result = Matcher(ENTRIES).match(post)
    assert result.outcome is Outcome.SUGGEST
    assert [c.entry_id for c in result.suggestions] == ["tls", "ssh"]


def test_an_entry_the_view_hides_is_not_hit() -> None:
    result = Matcher(ENTRIES).match("SSL_ERROR_RX_RECORD_TOO_LONG", visible=lambda e: e != "tls")
    assert result.entry_id != "tls"


def test_explain_shows_which_signature_matched() -> None:
    matcher = Matcher(ENTRIES)
    text = describe_result(matcher.match("ssl_error_rx_record_too_long"), matcher, explain=True)
    assert "[signature]" in text and "signature 'SSL_ERROR_RX_RECORD_TOO_LONG'" in text


def test_a_hit_decides_in_hybrid_mode_too() -> None:
    np = pytest.importorskip("numpy")
    from bot.core.semantic import VectorCache

    class Hashed:
        """A stand-in encoder: a fixed random unit vector per text."""

        model_hash, dim = "test-hashed", 16

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=16) for t in texts]
            return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    matcher = Matcher(ENTRIES, vectors=VectorCache(Hashed()))
    assert matcher.hybrid
    result = matcher.match("what now? SSL_ERROR_RX_RECORD_TOO_LONG", passive=True)
    assert result.outcome is Outcome.ANSWER and result.entry_id == "tls"
    assert result.best is not None and result.best.signals["signature"] == 1.0


async def test_a_bare_pasted_error_is_looked_at_in_passive_mode(tmp_path: Path) -> None:
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )
    async with await KnowledgeService.open(settings) as service:
        responder = Responder(service, Cooldowns(60), RateLimiter(5, 30))
        pasted = Request(
            text="acme:error:connection", trigger=Trigger.PASSIVE, channel="c", author="7"
        )
        assert isinstance(await responder.respond(pasted), Silent)
        await service.add_signature("renew-ssl-certificate", "acme:error:connection", "mod")
        plan = await responder.respond(pasted)
        assert isinstance(plan, Answer) and plan.entry.id == "renew-ssl-certificate"
