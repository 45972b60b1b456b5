"""``faqbot models fetch NAME|URL|ARCHIVE``: install a sentence-encoder model into the data folder.

The only command that uses the network, and only for a NAME or a URL. The model lands in
``models/NAME`` next to the default database (``bot.core.models.models_folder``), where
``matcher.semantic.model: NAME`` finds it. A source is:

- a known NAME: its files are downloaded one by one from where the project knows them;
- a URL of an archive (``.tar.gz``, ``.tgz``, ``.tar``, ``.zip``): downloaded, then as below;
- a local ARCHIVE (same kinds): unpacked; the folder in it holding ``tokenizer.json`` and a
  model file is the model.

Everything is unpacked into a scratch folder beside the target and loaded once with the encoder
before it is moved into place, so a broken download never replaces a working model. Archive
members that would land outside the scratch folder are refused (tar's "data" filter; zip names
are checked).
"""

from __future__ import annotations

import argparse
import shutil
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from bot.base.config import Settings
from bot.base.errors import UserError
from bot.core.models import load_encoder, models_folder
from bot.semantic.encoder import MODEL_FILES, TOKENIZER_FILE, ModelError

HF = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main"
# Known names: each file of the model folder and where it comes from (fp32 only there).
KNOWN = {
    "all-MiniLM-L6-v2": {
        "model.onnx": f"{HF}/onnx/model.onnx",
        "tokenizer.json": f"{HF}/tokenizer.json",
    },
}
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
TIMEOUT_S = 60


def _download(url: str, target: Path) -> None:
    """Fetch ``url`` into ``target``; UserError naming the URL on failure."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, target.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except (OSError, ValueError) as exc:
        raise UserError(f"models fetch: cannot download {url}: {exc}") from exc


def _unpack(archive: Path, into: Path) -> None:
    """Unpack a tar or zip archive into ``into``, refusing members that escape it."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                root = into.resolve()
                for name in zipped.namelist():
                    if not (into / name).resolve().is_relative_to(root):
                        raise UserError(f"models fetch: {archive} has an unsafe member {name!r}")
                zipped.extractall(into)
        else:
            with tarfile.open(archive) as tarred:
                tarred.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"models fetch: {archive} is not a readable archive ({exc})") from exc


def _model_root(folder: Path) -> Path:
    """The folder (``folder`` or one below it) holding the tokenizer and a model file."""
    for candidate in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        has_model = any((candidate / name).is_file() for name in MODEL_FILES)
        if has_model and (candidate / TOKENIZER_FILE).is_file():
            return candidate
    wanted = f"{TOKENIZER_FILE} and {' or '.join(MODEL_FILES)}"
    raise UserError(f"models fetch: no folder with {wanted} in what was fetched")


def default_name(source: str) -> str:
    """The installed name for a source: a known name as is, else its file name's stem."""
    if source in KNOWN:
        return source
    name = Path(urllib.parse.urlparse(source).path).name
    for suffix in ARCHIVES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def fetch(settings: Settings, source: str, name: str | None = None, force: bool = False) -> Path:
    """Install the model from ``source`` as ``models/NAME``; the folder it now lives in."""
    name = name or default_name(source)
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise UserError(f"models fetch: {name!r} is not a usable model name; pass --name")
    home = models_folder(settings)
    target = home / name
    if target.exists() and not force:
        raise UserError(f"models fetch: {target} exists already; --force replaces it")
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=f".{name}-") as scratch:
        work = Path(scratch)
        unpacked = work / "model"
        unpacked.mkdir()
        if source in KNOWN:
            for file_name, url in KNOWN[source].items():
                _download(url, unpacked / file_name)
        elif urllib.parse.urlparse(source).scheme in ("http", "https"):
            archive = work / "download"
            _download(source, archive)
            _unpack(archive, unpacked)
        elif Path(source).expanduser().is_file():
            _unpack(Path(source).expanduser(), unpacked)
        else:
            known = ", ".join(KNOWN)
            raise UserError(
                f"models fetch: {source!r} is not a known model ({known}), an http(s) URL "
                "or an archive file"
            )
        root = _model_root(unpacked)
        try:
            load_encoder(settings, str(root))  # refuse what cannot run before it replaces anything
        except ModelError as exc:
            raise UserError(f"models fetch: what was fetched does not load: {exc}") from exc
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
    return target


def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    target = fetch(settings, args.source, args.name, args.force)
    print(f"installed {target}; use it with matcher.semantic.model: {target.name}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``models fetch`` to the ``faqbot`` parser."""
    models = sub.add_parser("models", help="install a sentence-encoder model (uses the network)")
    verbs = models.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    fetch_parser = verbs.add_parser("fetch", help="install a model into the data folder")
    fetch_parser.add_argument("source", help="a known NAME, an archive URL or an archive file")
    fetch_parser.add_argument("--name", help="the installed name (default: from the source)")
    fetch_parser.add_argument("--force", action="store_true", help="replace an installed model")
    fetch_parser.set_defaults(handler=_fetch)
