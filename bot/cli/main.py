"""The ``faqbot`` command line. Only ``run`` and ``sync`` touch Discord.

Each group of sub-commands lives in its own module with ``add_commands(subparsers)``; a
sub-command sets ``handler(args, settings) -> int`` (the exit status).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.base.config import LOG_LEVELS, Settings, load_settings
from bot.base.errors import ConfigError, FaqbotError, KnowledgeError
from bot.base.text import clean_text
from bot.cli import curation as curation_cli
from bot.cli import entries as entries_cli
from bot.cli import measure as measure_cli
from bot.cli import models as models_cli
from bot.cli import ops as ops_cli
from bot.cli import run as run_cli
from bot.cli import scopes as scopes_cli
from bot.cli.arguments import (
    EXIT_FAILED,
    EXIT_USAGE,
    Parser,
    failure_line,
    non_empty_text,
)
from bot.cli.render import describe_result
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.logs import setup_logging
from bot.core.matcher import Matcher, MatchResult, Outcome
from bot.semantic.encoder import ModelError

log = logging.getLogger(__name__)
SHOWN_SIGNALS = frozenset({"semantic", "signature"})  # candidates whose signals --json shows


def build_matcher(settings: Settings) -> tuple[Knowledge, Matcher]:
    """Load the configured knowledge and index it (raises KnowledgeError)."""
    knowledge = load_knowledge(settings.knowledge.paths)
    return knowledge, Matcher(knowledge.entries, knowledge.synonyms, settings.matcher)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_ask_service(args, settings))


async def _ask_service(args: argparse.Namespace, settings: Settings) -> int:
    """Answer from the effective knowledge (YAML plus moderators' changes); records nothing."""
    from bot.core.service import KnowledgeService

    async with await KnowledgeService.open(settings) as service:
        matcher = service.matcher
        result = service.preview(clean_text(" ".join(args.text)), passive=args.passive)
        if args.json:
            print(json.dumps(result_as_json(result, matcher), ensure_ascii=False))
        else:
            print(describe_result(result, matcher, explain=args.explain))
    return 0


def result_as_json(result: MatchResult, matcher: Matcher) -> dict[str, object]:
    """The machine-readable form of a match result, with the answered entry's text."""
    entry = matcher.get(result.entry_id) if result.entry_id else None
    return {
        "outcome": str(result.outcome),
        "entry_id": result.entry_id,
        "score": result.score,
        "question": entry.question if entry else None,
        "answer": entry.answer if entry else None,
        "links": [{"title": x.title, "url": x.url} for x in entry.links] if entry else [],
        "candidates": [
            {
                "entry_id": c.entry_id,
                "question": _question(matcher, c.entry_id),
                "score": c.score,
                "phrasing": c.phrasing,
                "why": c.why,
                # Hybrid or a signature hit only: the lexical-only output stays as it was.
                **({"signals": dict(c.signals)} if SHOWN_SIGNALS & c.signals.keys() else {}),
            }
            for c in result.candidates
        ],
        "suggestions": [c.entry_id for c in result.suggestions],
        "explanation": result.explanation,
    }


def _question(matcher: Matcher, entry_id: str) -> str | None:
    entry = matcher.get(entry_id)
    return entry.question if entry else None


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.collisions import find_collisions

    paths = args.paths or list(settings.knowledge.paths)
    try:
        knowledge = load_knowledge(paths)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
        return 1
    if not knowledge.synonyms and args.paths:
        # A lone exported file has no synonyms.yaml: match as the bot would, with the
        # configured synonyms.
        with contextlib.suppress(KnowledgeError):
            synonyms = load_knowledge(settings.knowledge.paths).synonyms
            knowledge = Knowledge(knowledge.entries, synonyms)
    collisions = find_collisions(knowledge, settings.matcher)
    for line in collisions:
        print(f"warning: {line}")
    count = len(knowledge.entries)
    print(f"{count} entries, {len(collisions)} colliding phrasing(s).", file=sys.stderr)
    return 1 if collisions and args.strict else 0


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.console import run_console

    return run_console(settings)


DESCRIPTION = (
    "faqbot answers hosting questions from a curated knowledge base, on Discord or in a "
    "terminal. Only 'run' and 'sync' talk to Discord; 'faqbot COMMAND --help' tells more."
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(prog="faqbot", description=DESCRIPTION)
    parser.add_argument(
        "--version", action="version", version=f"faqbot {__version__}", help="print the version"
    )
    parser.add_argument(
        "--config", type=Path, help="YAML configuration file (default: none, FAQBOT_* variables)"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING, ERROR or CRITICAL (default: WARNING; run, sync: logging.level)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="log lines as text or one JSON object each (default: logging.format)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question from the knowledge (records nothing)")
    ask.add_argument("text", nargs="+", type=non_empty_text, help="the question")
    ask.add_argument("--explain", action="store_true", help="show candidates, scores and why")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--passive", action="store_true", help="use the stricter passive bar")
    ask.set_defaults(handler=_ask)

    console = sub.add_parser("console", help="ask questions interactively (no Discord needed)")
    console.set_defaults(handler=_console)

    validate = sub.add_parser("validate", help="check knowledge files; list every problem")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: knowledge.paths)"
    )
    validate.add_argument(
        "--strict", action="store_true", help="also fail when phrasings collide between entries"
    )
    validate.set_defaults(handler=_validate)

    measure_cli.add_commands(sub)
    curation_cli.add_commands(sub)
    entries_cli.add_commands(sub)
    run_cli.add_commands(sub)
    ops_cli.add_commands(sub)
    models_cli.add_commands(sub)
    scopes_cli.add_commands(sub)  # last: it adds --guild to the commands above
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faqbot`` command."""
    args = build_parser().parse_args(argv)
    if args.log_level and args.log_level.upper() not in LOG_LEVELS:
        known = ", ".join(LOG_LEVELS)
        print(
            f"faqbot: --log-level must be one of {known}, not {args.log_level[:40]!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        if on_config_error := getattr(args, "on_config_error", None):
            return on_config_error(args, exc)
        print(f"faqbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # Terminal commands keep quiet unless asked; the bot itself logs at the configured level.
    bot_running = args.command in ("run", "sync")
    default_level = settings.logging.level if bot_running else "WARNING"
    level = args.log_level.upper() if args.log_level else default_level
    setup_logging(level, args.log_format or settings.logging.format)
    try:
        return args.handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except (FaqbotError, OSError, UnicodeError) as exc:
        print(f"faqbot: {failure_line(exc, settings.storage)}", file=sys.stderr)
        return EXIT_FAILED
    except ModelError as exc:  # a sentence-encoder model that is missing or broken
        print(f"faqbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug: still one line; the traceback with --log-level DEBUG
        log.debug("unexpected error", exc_info=exc)
        print(
            f"faqbot: unexpected {type(exc).__name__}: {exc} "
            "(faqbot --log-level DEBUG ... shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED


__all__ = ["Outcome", "build_matcher", "build_parser", "main"]
