"""Discord's size limits on what a bot sends, checked as Discord does: a 400, nothing done.

Discord refuses a whole request (HTTP 400, code 50035 "Invalid Form Body") when one part passes a
limit: an embed over 6,000 characters, an autocomplete choice value over 100, a modal input
pre-filled past its ``max_length``. The real server acknowledges nothing then, and neither does
the fake. Sources: Discord's developer docs, "Embed Limits", "Autocomplete", "Text Input".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.fake_discord.recording import RecordedRequest

EMBED_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
FIELD_NAME, FIELD_VALUE, FIELDS, EMBED_TOTAL, EMBEDS = 256, 1024, 25, 6000, 10
CONTENT = 2000
CHOICES, CHOICE_TEXT = 25, 100
MODAL_TITLE, CUSTOM_ID, BUTTON_LABEL = 45, 100, 80
INPUT_MAX, INPUT_LABEL, PLACEHOLDER = 4000, 45, 100
AUTOCOMPLETE, MODAL = 8, 9
TEXT_INPUT, BUTTON = 4, 2


def invalid_form_body(call: RecordedRequest) -> dict[str, Any] | None:
    """Discord's 400 body for a call that passes a limit, or None when it is within them all."""
    problems = list(_problems(call))
    if not problems:
        return None
    return {"message": "Invalid Form Body", "code": 50035, "errors": {"_problems": problems}}


def _problems(call: RecordedRequest) -> Iterator[str]:
    body = call.message_body()
    if body is not None:
        yield from _message_problems(body)
    if call.route == "interaction_callback" and isinstance(call.json, dict):
        data = call.json.get("data") or {}
        if call.json.get("type") == AUTOCOMPLETE:
            yield from _choice_problems(data.get("choices") or [])
        elif call.json.get("type") == MODAL:
            yield from _modal_problems(data)


def _message_problems(body: dict[str, Any]) -> Iterator[str]:
    if len(body.get("content") or "") > CONTENT:
        yield f"content is {len(body['content'])} characters; the limit is {CONTENT}"
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        yield f"{len(embeds)} embeds; the limit is {EMBEDS}"
    total = 0
    for n, embed in enumerate(embeds):
        texts = {
            "title": embed.get("title") or "",
            "description": embed.get("description") or "",
            "footer": (embed.get("footer") or {}).get("text") or "",
            "author": (embed.get("author") or {}).get("name") or "",
        }
        for part, text in texts.items():
            if len(text) > EMBED_LIMITS[part]:
                yield f"embeds[{n}].{part} is {len(text)}; the limit is {EMBED_LIMITS[part]}"
        fields = embed.get("fields") or []
        if len(fields) > FIELDS:
            yield f"embeds[{n}] has {len(fields)} fields; the limit is {FIELDS}"
        for m, field in enumerate(fields):
            name, value = field.get("name") or "", field.get("value") or ""
            if not name or len(name) > FIELD_NAME:
                yield f"embeds[{n}].fields[{m}].name is {len(name)} (1 to {FIELD_NAME})"
            if not value or len(value) > FIELD_VALUE:
                yield f"embeds[{n}].fields[{m}].value is {len(value)} (1 to {FIELD_VALUE})"
            total += len(name) + len(value)
        total += sum(len(text) for text in texts.values())
    if total > EMBED_TOTAL:
        yield f"embeds total {total} characters; the limit is {EMBED_TOTAL}"
    for component in _components(body.get("components") or []):
        yield from _component_problems(component)


def _choice_problems(choices: list[dict[str, Any]]) -> Iterator[str]:
    if len(choices) > CHOICES:
        yield f"{len(choices)} choices; the limit is {CHOICES}"
    for n, choice in enumerate(choices):
        for key in ("name", "value"):
            text = str(choice.get(key, ""))
            if not 1 <= len(text) <= CHOICE_TEXT:
                yield f"choices[{n}].{key} is {len(text)} characters (1 to {CHOICE_TEXT})"


def _modal_problems(data: dict[str, Any]) -> Iterator[str]:
    if not 1 <= len(data.get("title") or "") <= MODAL_TITLE:
        yield f"modal title is {len(data.get('title') or '')} (1 to {MODAL_TITLE})"
    for component in _components(data.get("components") or []):
        yield from _component_problems(component)
        if component.get("type") != TEXT_INPUT:
            continue
        name = component.get("custom_id")
        top = component.get("max_length", INPUT_MAX)
        if top > INPUT_MAX:
            yield f"input {name}: max_length {top}; the limit is {INPUT_MAX}"
        value = component.get("value") or ""
        if len(value) > min(top, INPUT_MAX):
            yield f"input {name}: value is {len(value)} characters; max_length is {top}"
        if len(component.get("label") or "") > INPUT_LABEL:
            yield f"input {name}: label over {INPUT_LABEL}"
        if len(component.get("placeholder") or "") > PLACEHOLDER:
            yield f"input {name}: placeholder over {PLACEHOLDER}"


def _component_problems(component: dict[str, Any]) -> Iterator[str]:
    if len(component.get("custom_id") or "") > CUSTOM_ID:
        yield f"custom_id {component['custom_id'][:20]!r}… over {CUSTOM_ID}"
    if component.get("type") == BUTTON and len(component.get("label") or "") > BUTTON_LABEL:
        yield f"button label over {BUTTON_LABEL}"


def _components(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component in action rows and labels (a modal's inputs sit in either)."""
    for row in rows:
        inner = row.get("components") or ([row["component"]] if row.get("component") else [])
        yield from inner
        if not inner:
            yield row
