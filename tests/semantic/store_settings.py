"""Settings the semantic tests open a library with: the store tests' knowledge, a SQLite file in
the test's folder, and a model folder (None: lexical-only)."""

from __future__ import annotations

from pathlib import Path

from bot.base.config import (
    KnowledgeSettings,
    MatcherSettings,
    SemanticSettings,
    Settings,
    StorageSettings,
)

KNOWLEDGE = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
# Questions about that knowledge that the tiny model's vocabulary covers.
QUERIES = ["renew ssl certificate", "vm or container", "point domain at vps", "blank page"]


def settings_for(tmp_path: Path, model: Path | str | None) -> Settings:
    """The knowledge above, ``tmp_path/faq.sqlite3``, and ``model`` as the encoder's folder."""
    semantic = SemanticSettings(model=str(model) if model else None)
    return Settings(
        knowledge=KnowledgeSettings(paths=(KNOWLEDGE,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
        matcher=MatcherSettings(semantic=semantic),
    )
