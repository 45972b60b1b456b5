"""The Dockerfile's install steps, replayed in a fresh virtual environment (no Docker daemon).

The Dockerfile is read, not copied: COPY, WORKDIR, ENV and the RUN steps that call pip or python
are replayed in tmp_path, with ``/app`` and ``/data`` mapped into it, and ``faqbot`` is then
started from the new environment with the image's environment variables. Steps that change the
system (the user account) are skipped. ``--no-cache-dir`` is dropped so pip's cache speeds it up.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments gone."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        steps.append((keyword.upper(), rest.strip()))
        pending = ""
    return steps


def test_dockerfile_is_slim_non_root_with_volume_health_check_and_stop_signal() -> None:
    steps = dict(instructions(DOCKERFILE.read_text(encoding="utf-8")))
    assert steps["FROM"].startswith("python:3.11-slim")
    assert steps["USER"].split(":")[0] not in ("root", "0")
    assert "/data" in steps["VOLUME"]
    assert '"faqbot", "health"' in steps["HEALTHCHECK"]
    assert steps["STOPSIGNAL"] == "SIGTERM"
    assert steps["ENTRYPOINT"] == '["faqbot"]' and steps["CMD"] == '["run"]'


def locked(text: str) -> dict[str, str]:
    """The pins (``name==version``) of a lock file or ``pip freeze`` that apply to this Python."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            pin, _, marker = line.rstrip("\\ ").partition(";")
            if marker.strip() and not Marker(marker).evaluate():
                continue
            name, _, version = pin.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


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


def _map(value: str, root: Path) -> str:
    for folder in ("/app", "/data"):
        if value == folder or value.startswith(folder + "/"):
            return str(root / value.lstrip("/"))
    return value


def _copy(arguments: str, workdir: Path) -> None:
    *sources, target = shlex.split(arguments)
    destination = workdir / target
    for source in sources:
        origin = ROOT / source
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(origin, destination, ignore=ignore, dirs_exist_ok=True)
        elif target.endswith("/") or len(sources) > 1:
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination / origin.name)
        else:
            shutil.copy2(origin, destination)


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
    root = tmp_path / "image"
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    binaries = env_dir / "bin"
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FAQBOT_", "VIRTUAL_ENV", "PYTHON"))
    }
    environ["PATH"] = f"{binaries}{os.pathsep}{environ.get('PATH', '')}"
    environ["HOME"] = str(tmp_path / "home")
    environ["XDG_CACHE_HOME"] = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    workdir = root
    ran: list[str] = []
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "WORKDIR":
            workdir = Path(_map(arguments, root))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            ran.append(f"COPY {arguments}")
            _copy(arguments, workdir)
        elif keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                environ[name] = _map(value, root)
        elif keyword == "RUN" and ("pip " in arguments or "python " in arguments):
            ran.append(f"RUN {arguments}")
            command = arguments.replace("--no-cache-dir", "")
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", command],
                cwd=workdir,
                env=environ,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, (
                f"{arguments}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
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
    assert where.stdout.startswith(str(env_dir))
    # The wheel carries the shipped knowledge: with no knowledge configured, the installed
    # package (not the image's /app/knowledge) answers the first-run question.
    bare = {k: v for k, v in environ.items() if k != "FAQBOT_KNOWLEDGE__PATHS"}
    bare_ask = run(faqbot, "ask", "--json", "VM or container?", env=bare)
    assert bare_ask.returncode == 0, bare_ask.stderr
    assert json.loads(bare_ask.stdout)["entry_id"] == "vm-vs-container"


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
