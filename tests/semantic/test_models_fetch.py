"""``faqbot models fetch``: a model installed from a local HTTP server or an archive file."""

from __future__ import annotations

import functools
import http.server
import logging
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.cli.main import main
from tests.semantic.tiny_model import build_model_folder


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "data" / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(database))
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield database
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    folder = build_model_folder(tmp_path / "src" / "tiny-model")
    archive = tmp_path / "served" / "tiny-model.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="tiny-model")
    return archive


@pytest.fixture
def server(tarball: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tarball.parent))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_from_a_url_installs_a_model_the_bot_then_loads_by_name(
    server: str,
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["models", "fetch", f"{server}/tiny-model.tar.gz"]) == 0
    installed = environment.parent / "models" / "tiny-model"
    assert (installed / "model.onnx").is_file() and (installed / "tokenizer.json").is_file()
    assert "matcher.semantic.model: tiny-model" in capsys.readouterr().out
    monkeypatch.setenv("FAQBOT_MATCHER__SEMANTIC__MODEL", "tiny-model")
    main(["doctor"])
    assert "[ok] semantic: on (hybrid)" in capsys.readouterr().out
    # Installed once: a second fetch refuses unless asked to replace it.
    assert main(["models", "fetch", f"{server}/tiny-model.tar.gz"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["models", "fetch", "--force", f"{server}/tiny-model.tar.gz"]) == 0


def test_fetch_from_an_archive_file_with_a_name(
    tmp_path: Path, environment: Path, tarball: Path
) -> None:
    zipped = tmp_path / "model.zip"
    source = tmp_path / "src" / "tiny-model"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in source.iterdir():
            archive.write(path, path.name)
    assert main(["models", "fetch", "--name", "mini", str(zipped)]) == 0
    assert (environment.parent / "models" / "mini" / "model.onnx").is_file()


def test_a_broken_download_installs_nothing(
    server: str, environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "fetch", f"{server}/missing.tar.gz"]) == 1
    assert "cannot download" in capsys.readouterr().err
    models = environment.parent / "models"
    assert not models.exists() or not [p for p in models.iterdir() if not p.name.startswith(".")]


def test_an_archive_without_a_model_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "empty.tar.gz"
    (tmp_path / "readme.txt").write_text("nothing here", encoding="utf-8")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "readme.txt", arcname="readme.txt")
    assert main(["models", "fetch", str(archive)]) == 1
    assert "no folder with tokenizer.json" in capsys.readouterr().err


def test_an_unknown_source_says_what_a_source_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "fetch", "no-such-model"]) == 1
    assert "known model" in capsys.readouterr().err
