"""The Dockerfile: what the image is, and its install steps replayed (no Docker daemon).

The replay (``tests/docker_replay.py``) reads the Dockerfile rather than copying it, so the
steps tested are the steps shipped; ``faqbot`` is then started from the new environment with
the image's environment variables. The model build argument has its tests in
``tests/test_docker_model.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.docker_replay import DOCKERFILE, ROOT, instructions, locked, replay

LOCK = ROOT / "requirements.lock"


def test_dockerfile_is_slim_non_root_with_volume_health_check_and_stop_signal() -> None:
    steps = dict(instructions(DOCKERFILE.read_text(encoding="utf-8")))
    assert steps["FROM"].startswith("python:3.11-slim")
    assert steps["USER"].split(":")[0] not in ("root", "0")
    assert "/data" in steps["VOLUME"]
    assert '"faqbot", "health"' in steps["HEALTHCHECK"]
    assert steps["STOPSIGNAL"] == "SIGTERM"
    assert steps["ENTRYPOINT"] == '["faqbot"]' and steps["CMD"] == '["run"]'


def test_dependency_layer_depends_on_the_lock_file_alone() -> None:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    first_pip = next(n for n, (kw, args) in enumerate(steps) if kw == "RUN" and "pip " in args)
    copied = [args for kw, args in steps[:first_pip] if kw == "COPY"]
    # Editing pyproject.toml or the code must not invalidate the installed dependencies.
    assert copied == ["requirements.lock ./"]
    install = steps[first_pip][1]
    assert "-r requirements.lock" in install
    assert "--require-hashes" in install and "--no-deps" in install
    package = next(args for kw, args in steps[first_pip + 1 :] if kw == "RUN" and "pip " in args)
    assert "--no-deps" in package


def test_dockerignore_lets_every_copied_file_into_the_build_context() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "COPY":
            for source in shlex.split(arguments)[:-1]:
                assert source.rstrip("/") in allowed, f"{source} is left out by .dockerignore"


def test_lock_pins_every_direct_dependency_within_its_range_with_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = locked(text)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is missing from requirements.lock: regenerate it"
        assert requirement.specifier.contains(pins[name]), (
            f"requirements.lock pins {name}=={pins[name]}, outside {spec}: regenerate it"
        )
        # An upper bound on every direct dependency: a new major must be a deliberate change.
        assert any(s.operator in ("<", "<=", "~=", "==") for s in requirement.specifier), spec
    # Every pin carries at least one hash (pip then checks every file it installs).
    entries = re.split(r"\n(?=\S)", text)
    for entry in entries:
        if "==" in entry.splitlines()[0]:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
    # The advisories that affect aiohttp 3.14.1 and 3.14.2 are fixed in 3.14.3.
    assert Requirement("aiohttp>=3.14.3").specifier.contains(pins["aiohttp"])


def _package_index_reachable() -> bool:
    """Whether pip can fetch packages: a configured index or find-links, or pypi.org answers."""
    if os.environ.get("PIP_INDEX_URL") or os.environ.get("PIP_FIND_LINKS"):
        return True
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(
    bool(os.environ.get("FAQBOT_SKIP_INSTALL_TEST")), reason="FAQBOT_SKIP_INSTALL_TEST is set"
)
@pytest.mark.skipif(
    not _package_index_reachable(), reason="needs PyPI (or PIP_INDEX_URL) to install dependencies"
)
@pytest.mark.slow
def test_dockerfile_install_steps_give_a_working_faqbot(tmp_path: Path) -> None:
    image = replay(tmp_path)
    binaries, environ, ran = image.binaries, image.environ, image.ran
    # Dependencies are installed before the application's code is copied (their own layer).
    first_pip = next(n for n, step in enumerate(ran) if "pip install" in step)
    assert first_pip < next(n for n, step in enumerate(ran) if step.startswith("COPY bot"))

    def run(*command: str, env: dict[str, str] = environ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )

    # The image holds exactly the locked versions, plus faqbot itself.
    frozen = run(str(binaries / "python"), "-m", "pip", "freeze", "--exclude-editable")
    installed = locked(frozen.stdout)
    installed.pop("faqbot", None)
    assert installed == locked(LOCK.read_text(encoding="utf-8")), frozen.stderr

    faqbot = str(binaries / "faqbot")
    version = run(faqbot, "--version")
    assert version.returncode == 0 and version.stdout.startswith("faqbot "), version.stderr
    asked = run(faqbot, "ask", "--json", "how do I point my domain at my VPS")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["outcome"] in ("answer", "suggest")
    # The installed package is the copy, not this checkout.
    where = run(str(binaries / "python"), "-c", "import bot; print(bot.__file__)")
    assert where.stdout.startswith(str(binaries.parent))
    # The wheel carries the shipped knowledge: with no knowledge configured, the installed
    # package (not the image's /app/knowledge) answers the first-run question.
    bare = {k: v for k, v in environ.items() if k != "FAQBOT_KNOWLEDGE__PATHS"}
    bare_ask = run(faqbot, "ask", "--json", "VM or container?", env=bare)
    assert bare_ask.returncode == 0, bare_ask.stderr
    assert json.loads(bare_ask.stdout)["entry_id"] == "vm-vs-container"
    # Built without FAQBOT_MODEL: no encoder packages, and matching is lexical.
    assert "onnxruntime" not in installed
    doctor = run(faqbot, "doctor")
    assert "[ok] semantic: off (lexical-only)" in doctor.stdout, doctor.stdout


def test_compose_runs_read_only_without_privileges_and_gives_up_on_a_config_error() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["faqbot"]
    assert service["read_only"] is True
    assert any(mount.split(":")[0] == "/tmp" for mount in service["tmpfs"])
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    # faqbot exits 78 on a configuration or token problem: a bounded policy stops retrying it.
    policy, _, retries = service["restart"].partition(":")
    assert policy == "on-failure" and 0 < int(retries) <= 10
