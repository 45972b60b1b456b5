"""``faqbot console``: the bot's pipeline in a terminal, no Discord and no token needed.

Questions go through the same service as on Discord: answers are recorded, "did you mean"
choices are picked by number (0 is "None of these", which logs the question for review), and
what cannot be answered is logged for the moderators.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.base.config import Settings
from bot.cli.render import describe_result
from bot.core.matcher import Outcome
from bot.core.service import KnowledgeService

PROMPT = "faqbot> "
HISTORY_FILE = ".faqbot_history"


def _enable_history(settings: Settings) -> None:
    """Arrow-key editing and a history file beside the database, when readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return
    path = Path(settings.storage.database).parent / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            readline.read_history_file(path)
    except OSError:
        return
    readline.set_history_length(1000)
    import atexit

    atexit.register(_save_history, readline, path)


def _save_history(readline: object, path: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(path)  # type: ignore[attr-defined]


async def converse(
    service: KnowledgeService,
    read: Callable[[str], str],
    out: TextIO,
) -> None:
    """Answer questions read with ``read`` until it raises EOFError."""
    print("Ask a hosting question (Ctrl-D to leave).", file=out)
    while True:
        try:
            text = read(PROMPT).strip()
        except EOFError:
            print(file=out)
            return
        if not text:
            continue
        asked = await service.ask(text)
        result = asked.result
        print(describe_result(result, service.matcher), file=out)
        if result.outcome is not Outcome.SUGGEST:
            continue
        print("  0. None of these", file=out)
        try:
            choice = read("pick a number> ").strip()
        except EOFError:
            print(file=out)
            return
        options = result.suggestions
        if choice.isdigit() and 1 <= int(choice) <= len(options):
            entry_id = options[int(choice) - 1].entry_id
            await service.record_choice(asked.event_id, entry_id)
            entry = service.get(entry_id)
            print(f"\n{entry.question}\n\n{entry.answer.rstrip()}", file=out)
        elif choice == "0":
            await service.record_none_of_these(asked.event_id)
            print("Noted: the moderators will see this question.", file=out)


async def _session(settings: Settings) -> None:
    async with await KnowledgeService.open(settings) as service:
        count = len(service.matcher)
        print(f"faqbot console: {count} entries loaded.", file=sys.stdout)
        await converse(service, input, sys.stdout)


def run_console(settings: Settings) -> int:
    """Run the interactive console until Ctrl-D or Ctrl-C; the exit status."""
    if sys.stdin.isatty():
        _enable_history(settings)
    try:
        asyncio.run(_session(settings))
    except KeyboardInterrupt:
        print("\nbye", file=sys.stdout)
    return 0
