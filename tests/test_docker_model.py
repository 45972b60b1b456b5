"""The Dockerfile's ``FAQBOT_MODEL`` build argument: a sentence encoder baked into the image.

Built without it, the image is lexical-only and has no encoder packages; built with it, the
encoder's locked packages are installed, ``faqbot models fetch`` puts the model in
``/app/models/encoder`` and ``matcher.semantic.model`` points there. The replay fetches a tiny
model from a local HTTP server (never Hugging Face), as ``docker build`` would from a URL.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import tarfile
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.base.config import load_settings
from tests.docker_replay import DOCKERFILE, ROOT, expand, instructions, locked, replay
from tests.test_docker_install import _package_index_reachable

LOCK = ROOT / "requirements.lock"
SEMANTIC_LOCK = ROOT / "requirements-semantic.lock"
MODEL_VARIABLE = "FAQBOT_MATCHER__SEMANTIC__MODEL"


def _steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _model_setting(build_args: dict[str, str]) -> str:
    """The image's matcher.semantic.model variable, expanded as Docker would."""
    for keyword, arguments in _steps():
        if keyword == "ENV" and f"{MODEL_VARIABLE}=" in arguments:
            value = arguments.split(f"{MODEL_VARIABLE}=")[1].split()[0]
            return expand(value, build_args)
    raise AssertionError(f"the Dockerfile sets no {MODEL_VARIABLE}")


def test_without_the_build_argument_the_image_matches_lexically() -> None:
    value = _model_setting({"FAQBOT_MODEL": ""})
    assert value == ""
    assert load_settings(None, {MODEL_VARIABLE: value}).matcher.semantic.model is None


def test_with_the_build_argument_the_model_lives_in_the_image_not_the_volume() -> None:
    value = _model_setting({"FAQBOT_MODEL": "all-MiniLM-L6-v2"})
    assert value == "/app/models/encoder"  # /data is a volume: it would hide the model
    [fetch] = [args for kw, args in _steps() if kw == "RUN" and "faqbot models fetch" in args]
    assert 'if [ -n "$FAQBOT_MODEL" ]' in fetch and "--name encoder" in fetch


def test_the_build_argument_comes_after_the_dependency_layer() -> None:
    steps = _steps()
    first_pip = next(n for n, (kw, args) in enumerate(steps) if kw == "RUN" and "pip " in args)
    argument = next(n for n, (kw, args) in enumerate(steps) if kw == "ARG")
    # An ARG invalidates the cache of every RUN after it: the dependencies stay cached.
    assert first_pip < argument
    semantic = [args for kw, args in steps if kw == "RUN" and "requirements-semantic" in args]
    assert len(semantic) == 1 and 'if [ -n "$FAQBOT_MODEL" ]' in semantic[0]
    assert "--require-hashes" in semantic[0] and "--no-deps" in semantic[0]


def test_the_semantic_lock_keeps_every_base_pin_and_pins_the_encoder_with_hashes() -> None:
    base = locked(LOCK.read_text(encoding="utf-8"))
    text = SEMANTIC_LOCK.read_text(encoding="utf-8")
    pins = locked(text)
    # Installed over the base layer with --no-deps: the versions must be the same ones.
    assert {name: pins.get(name) for name in base} == base
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in extras["optional-dependencies"]["semantic"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is missing from requirements-semantic.lock: regenerate it"
        assert requirement.specifier.contains(pins[name]), (spec, pins[name])
    for entry in re.split(r"\n(?=\S)", text):
        if "==" in entry.splitlines()[0]:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


@pytest.fixture
def model_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a tiny model's archive on a local HTTP server."""
    pytest.importorskip("onnx")
    from tests.semantic.tiny_model import build_model_folder

    folder = build_model_folder(tmp_path / "src" / "tiny-model")
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "tiny-model.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="tiny-model")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/tiny-model.tar.gz"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.skipif(
    not _package_index_reachable(), reason="needs PyPI (or PIP_INDEX_URL) to install dependencies"
)
@pytest.mark.slow
def test_dockerfile_bakes_in_a_model_given_as_a_build_argument(
    tmp_path: Path, model_url: str
) -> None:
    image = replay(tmp_path / "build", {"FAQBOT_MODEL": model_url})
    assert any("faqbot models fetch" in step for step in image.ran)
    model = image.root / "app" / "models" / "encoder"
    assert (model / "tokenizer.json").is_file() and (model / "model.onnx").is_file()
    assert image.environ[MODEL_VARIABLE] == str(model)
    assert "FAQBOT_MODEL" not in image.environ  # a build argument, not the image's setting

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, env=image.environ, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    frozen = run(str(image.binaries / "python"), "-m", "pip", "freeze", "--exclude-editable")
    installed = locked(frozen.stdout)
    installed.pop("faqbot", None)
    assert installed == locked(SEMANTIC_LOCK.read_text(encoding="utf-8")), frozen.stderr
    doctor = run(str(image.binaries / "faqbot"), "doctor")
    assert f"[ok] semantic: on (hybrid): {model / 'model.onnx'} loads" in doctor.stdout, (
        doctor.stdout
    )
