"""The Dockerfile read as steps, and its install steps replayed in a folder (no Docker daemon).

``replay`` runs COPY, WORKDIR, ARG, ENV and the RUN steps that call pip, python or
``faqbot models`` in ``tmp_path``, with ``/app`` and ``/data`` mapped into it, in a fresh
virtual environment. ``ARG`` takes the given build argument or its default, and ``${NAME}``,
``${NAME:-word}`` and ``${NAME:+word}`` in ENV values expand as Docker expands them. Steps that
change the system (the user account) are skipped. ``--no-cache-dir`` is dropped so pip's cache
speeds it up. Build arguments are gone from the environment afterwards, as in the image.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import venv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
REPLAYED = ("pip ", "python ", "faqbot models ")
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-+])([^}]*))?\}|\$(\w+)")


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


def expand(value: str, environ: Mapping[str, str]) -> str:
    """``value`` with Docker's variable forms replaced from ``environ``."""

    def one(match: re.Match[str]) -> str:
        name = match[1] or match[4]
        current = environ.get(name, "")
        if match[2] == "-":
            return current or match[3]
        if match[2] == "+":
            return match[3] if current else ""
        return current

    return _VARIABLE.sub(one, value)


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


@dataclass
class Image:
    """What a replay left: the image's root folder, its environment and the steps it ran."""

    root: Path
    binaries: Path
    environ: dict[str, str]
    ran: list[str] = field(default_factory=list)


def replay(tmp_path: Path, build_args: Mapping[str, str] | None = None) -> Image:
    """Replay the Dockerfile's install steps into ``tmp_path``; the resulting image."""
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
    image = Image(tmp_path / "image", binaries, environ)
    workdir = image.root
    arguments_given: list[str] = []
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "WORKDIR":
            workdir = Path(_map(arguments, image.root))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            image.ran.append(f"COPY {arguments}")
            _copy(arguments, workdir)
        elif keyword == "ARG":
            name, _, default = arguments.partition("=")
            given = (build_args or {}).get(name)
            environ[name] = given if given is not None else "".join(shlex.split(default))
            arguments_given.append(name)
        elif keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                environ[name] = _map(expand(value, environ), image.root)
        elif keyword == "RUN" and any(word in arguments for word in REPLAYED):
            image.ran.append(f"RUN {arguments}")
            _run(arguments.replace("--no-cache-dir", ""), workdir, environ)
    for name in arguments_given:  # build arguments are not in the image's environment
        environ.pop(name, None)
    return image


def _run(command: str, workdir: Path, environ: Mapping[str, str]) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=workdir,
        env=dict(environ),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
