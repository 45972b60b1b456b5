"""Where the sentence-encoder model comes from: the configured folder or an installed name.

``matcher.semantic.model`` is either a path to a model folder (the layout of
all-MiniLM-L6-v2-onnx) or the name of a model installed by ``faqbot models fetch`` into the data
folder (``models/NAME`` beside the SQLite file; with ``storage.url``, in the default data
folder). The int8 file is preferred when the folder has it: the fusion weights and the answer
rule were fitted with it (``benchmarks/SEMANTIC.md``).
"""

from __future__ import annotations

from pathlib import Path

from bot.base.config import Settings
from bot.base.datafolder import data_folder
from bot.semantic.encoder import FETCH_HINT, FP32_FILE, INT8_FILE, Encoder, ModelError

__all__ = ["ModelError", "load_encoder", "model_folder", "models_folder"]


def models_folder(settings: Settings) -> Path:
    """The data folder's ``models`` folder: next to the database, or with ``storage.url`` in the
    default data folder."""
    return data_folder(settings.storage) / "models"


def model_folder(settings: Settings, model: str | None = None) -> Path:
    """The folder of the configured (or given) model: a path, else an installed name."""
    name = model or settings.matcher.semantic.model
    if not name:
        raise ModelError(
            "no sentence-encoder model is configured (matcher.semantic.model, or --model); "
            + FETCH_HINT
        )
    path = Path(name).expanduser()
    if path.exists() or path.is_absolute() or len(path.parts) > 1:
        return path
    return models_folder(settings) / name


def load_encoder(settings: Settings, model: str | None = None) -> Encoder:
    """The configured encoder, int8 file first; ModelError saying how to get one."""
    folder = model_folder(settings, model)
    preferred = INT8_FILE if (folder / INT8_FILE).is_file() else None
    return Encoder(folder, model_file=preferred, threads=settings.matcher.semantic.threads)


def model_file(settings: Settings) -> Path | None:
    """The file ``load_encoder`` would load (int8 first), if the configured folder has one."""
    folder = model_folder(settings)
    return next((p for p in (folder / INT8_FILE, folder / FP32_FILE) if p.is_file()), None)
