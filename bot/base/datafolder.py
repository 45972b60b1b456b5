"""The data folder: where faqbot keeps its own files when no path for them is configured.

It holds the default SQLite database and whatever goes "beside the database" by default (the
heartbeat, the console history, installed models). ``FAQBOT_DATA_DIR`` names it (the Docker
image sets ``/data``); without it, the user's data folder (``$XDG_DATA_HOME/faqbot``). It is not
a setting: it only moves defaults, so a deployment that sets it can still choose ``storage.url``
(an image that set ``storage.database`` instead would make that "both set"). With
``storage.url`` there is no file of ours, and "beside the database" means this folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports this module for its defaults
    from bot.base.config import StorageSettings

DATA_DIR_VARIABLE = "FAQBOT_DATA_DIR"
DATABASE_NAME = "faqbot.sqlite3"


def default_data_folder() -> Path:
    """``FAQBOT_DATA_DIR``, else the user's data folder's ``faqbot``."""
    if chosen := os.environ.get(DATA_DIR_VARIABLE):
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "faqbot"


def data_folder(storage: StorageSettings) -> Path:
    """The folder for files beside the database: the SQLite file's, or with ``storage.url``
    the default data folder."""
    if storage.url:
        return default_data_folder()
    return Path(storage.database).expanduser().parent
