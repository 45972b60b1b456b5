"""The responder never runs the sentence encoder on the event loop: the post and each question
sentence it may score are embedded in a worker thread before matching reads them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

import numpy as np

from bot.core.etiquette import Cooldowns, RateLimiter, Trigger
from bot.core.plans import Request
from bot.core.posts import scored_views
from bot.core.responder import Responder, post_of
from bot.core.service import KnowledgeService
from tests.semantic.store_settings import settings_for
from tests.semantic.tiny_model import build_model_folder

# Three sentences, two of them questions, about nothing the knowledge covers: the whole post is
# no answer, so its question sentences are scored too.
POST = "Hello everyone. Is it going to rain on Mars next week? And what do the clouds eat?"


async def test_a_post_and_its_question_sentences_are_embedded_off_the_event_loop(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, build_model_folder(tmp_path / "model"))
    async with await KnowledgeService.open(settings) as service:
        encoder = service.matcher.vectors.encoder
        calls: list[tuple[str, threading.Thread]] = []
        embed = encoder.embed

        def spied(texts: Sequence[str]) -> np.ndarray:
            calls.extend((text, threading.current_thread()) for text in texts)
            return embed(texts)

        encoder.embed = spied  # type: ignore[method-assign]
        responder = Responder(service, Cooldowns(60), RateLimiter(5, 30))
        request = Request(text=POST, trigger=Trigger.ASK, channel="c1", author="7")

        await responder.respond(request)

    views = scored_views(post_of(POST))
    assert len(views) == 2
    embedded = {text for text, _ in calls}
    assert set(views) <= embedded  # the sentences were embedded ...
    assert threading.main_thread() not in {thread for _, thread in calls}  # ... off the loop
