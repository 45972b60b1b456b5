"""``faqbot console``: the bot's pipeline in a terminal, no Discord and no token needed.

Questions go through the same responder as on Discord, as if asked with ``/ask`` (no rate
limit): answers are recorded, "did you mean" choices are picked by number (0 is "None of
these", which logs the question for review), and what cannot be answered is logged for the
moderators. Text with nothing to log ("hi", "thanks") gets a short friendly line.

Knowledge changed meanwhile by another process (the CLI, a running bot, on the same database)
is applied before each answer: the console catches up from the store's change sequence
(``bot.core.changes.ChangeFeed``) when a question arrives, rather than waking on its own while
``input()`` blocks, so a question never meets knowledge older than the last change made.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TextIO

from bot.base.config import Settings
from bot.base.datafolder import data_folder
from bot.base.files import PRIVATE, create_private
from bot.base.redact import redact
from bot.cli.arguments import EXIT_DO_NOT_RESTART
from bot.cli.render import describe_result
from bot.core.changes import ChangeFeed
from bot.core.etiquette import Trigger
from bot.core.plans import Answer, NotYet, NoWords, Plan, Request, Suggest
from bot.core.responder import Responder
from bot.core.service import KnowledgeService
from bot.semantic.encoder import ModelError

PROMPT = "faqbot> "
HISTORY_FILE = ".faqbot_history"
FRIENDLY = "Hi! Ask me a hosting question, e.g. \u201cVM or container?\u201d"


def history_path(settings: Settings) -> Path:
    """The console's history file: beside the database (with ``storage.url``: in the data
    folder)."""
    return data_folder(settings.storage) / HISTORY_FILE


def load_history(readline: ModuleType, settings: Settings) -> Path | None:
    """Read the history file; the path to save to on exit, or None when history is off.

    With ``console.history: off`` nothing is read or kept, and a file left from before goes.
    """
    path = history_path(settings)
    if settings.console.history == "off":
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(OSError):
        if path.exists():
            readline.read_history_file(path)
    readline.set_history_length(1000)
    return path


def save_history(readline: ModuleType, path: Path) -> None:
    """Write the history redacted, as the unanswered log stores questions, to a 0600 file."""
    for index in range(readline.get_current_history_length()):
        line = readline.get_history_item(index + 1)  # get is 1-based, replace 0-based
        if line is not None and (clean := redact(line)) != line:
            readline.replace_history_item(index, clean)
    with contextlib.suppress(OSError):
        if not create_private(path):
            path.chmod(PRIVATE)  # a file written by an older faqbot may be readable by all
        readline.write_history_file(path)


def _enable_history(settings: Settings) -> None:
    """Arrow-key editing and (unless off) a history file, when readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return
    path = load_history(readline, settings)
    if path is not None:
        import atexit

        atexit.register(save_history, readline, path)


async def converse(
    responder: Responder,
    read: Callable[[str], str],
    out: TextIO,
    *,
    changes: ChangeFeed | None = None,
) -> None:
    """Answer questions read with ``read`` until it raises EOFError; with ``changes``, apply
    what other processes changed before each answer."""
    print("Ask a hosting question (Ctrl-D to leave).", file=out)
    pending: str | None = None
    while True:
        try:
            text = pending if pending is not None else read(PROMPT).strip()
        except EOFError:
            print(file=out)
            return
        pending = None
        if not text:
            continue
        if changes is not None:
            await changes.step()  # a failure is logged; the answer comes from what we have
        request = Request(text=text, trigger=Trigger.CONSOLE, channel="console", author="console")
        plan = await responder.respond(request)
        print(render_plan(plan, responder.service), file=out)
        if isinstance(plan, Suggest):
            try:
                pending = await _pick(responder.service, plan, read, out)
            except EOFError:
                print(file=out)
                return


async def _pick(
    service: KnowledgeService, plan: Suggest, read: Callable[[str], str], out: TextIO
) -> str | None:
    """Ask for a number until one fits; a new question typed instead is returned to be asked."""
    print("  0. None of these", file=out)
    while True:
        choice = read("pick a number> ").strip()
        if choice == "0":
            group_id = await service.record_none_of_these(plan.event_id)
            noted = "the moderators will see this question" if group_id else "nothing to log"
            print(f"Noted: {noted}.", file=out)
            return None
        if choice.isdigit() and 1 <= int(choice) <= len(plan.entries):
            entry = plan.entries[int(choice) - 1]
            await service.record_choice(plan.event_id, entry.id, "console")
            print(f"\n{entry.question}\n\n{entry.answer.rstrip()}", file=out)
            return None
        if choice and not choice.isdigit():
            return choice  # a new question, not a pick
        print(f"Pick 0 to {len(plan.entries)}, or type a new question.", file=out)


def render_plan(plan: Plan, service: KnowledgeService) -> str:
    """A reply plan as the console shows it."""
    match plan:
        case Answer(result=result) | Suggest(result=result) if result is not None:
            return describe_result(result, service.matcher)
        case NotYet(result=result) if result is not None:
            if not plan.logged:
                return f"[none] {FRIENDLY}"
            return describe_result(result, service.matcher, noted=True)
        case NoWords():
            return "Please ask in words, e.g. \u201chow do I renew my SSL certificate?\u201d"
        case _:
            return "[none] No answer yet."


async def _session(settings: Settings) -> None:
    async with await KnowledgeService.open(settings, background=True) as service:
        count = len(service.matcher)
        matching = service.library.progress().line()
        print(f"faqbot console: {count} entries loaded ({matching}).", file=sys.stdout)
        responder = Responder.configured(service, settings)
        await converse(responder, input, sys.stdout, changes=ChangeFeed(service.library))


def run_console(settings: Settings) -> int:
    """Run the interactive console until Ctrl-D or Ctrl-C; the exit status."""
    # Bytes that are not UTF-8 (a Latin-1 terminal, binary piped in) become U+FFFD, not an error.
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    if sys.stdin.isatty():
        _enable_history(settings)
    try:
        asyncio.run(_session(settings))
    except KeyboardInterrupt:
        print("\nbye", file=sys.stdout)
    except ModelError as exc:  # the operator asked for hybrid matching: never silently less
        print(f"faqbot: {exc}", file=sys.stderr)
        return EXIT_DO_NOT_RESTART
    return 0
