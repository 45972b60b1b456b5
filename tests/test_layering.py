"""Dependencies point one way: base <- storage <- core <- discord <- cogs, and the CLI on top.

Each rule imports every module of a layer in a fresh interpreter and checks which of our packages
(and whether discord) got loaded, so an import hidden in a helper module is caught too.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import bot

ROOT = Path(bot.__file__).parent


def modules_of(package: str) -> list[str]:
    """Every module of one of our packages, the package itself included."""
    folder = ROOT / package.removeprefix("bot.").replace(".", "/")
    found = [package]
    for info in pkgutil.walk_packages([str(folder)], prefix=f"{package}."):
        found.append(info.name)
    return sorted(found)


# Libraries of others that the layers use: imported once in the child before it forks.
PRELOAD = ("yaml", "pydantic", "pydantic_settings", "aiosqlite", "rapidfuzz", "aiohttp")
CHILD = """
import json, os, sys, traceback
for name in PRELOAD:
    try:
        __import__(name)
    except ImportError:
        pass
found = {}
for key, modules in TARGETS.items():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a copy with none of our modules loaded: import, report, and leave
        status = 0
        try:
            os.close(read)
            for module in modules:
                __import__(module)
            names = sorted({'.'.join(m.split('.')[:2]) for m in sys.modules})
            with os.fdopen(write, "w") as out:
                json.dump(names, out)
        except BaseException:
            traceback.print_exc()
            status = 1
        os._exit(status)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    found[key] = json.loads(text) if status == 0 else None
print(json.dumps(found))
"""


def loaded_after_importing(targets: dict[str, list[str]]) -> dict[str, set[str]]:
    """For each target, the top-two-level module names loaded by importing its modules afresh.

    One child interpreter imports the libraries above, then forks a copy per target: each target
    still starts with none of our modules (nor discord) loaded, without an interpreter start
    (and, without cached bytecode, a compile of those libraries) per target.
    """
    code = f"PRELOAD = {PRELOAD!r}\nTARGETS = {targets!r}\n{CHILD}"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    found = json.loads(out.stdout)
    assert None not in found.values(), out.stderr[-3000:]
    return {key: set(names) for key, names in found.items()}


RULES = {
    # layer: what it must not load
    "bot.base": {"discord", "bot.core", "bot.storage", "bot.discord", "bot.cli", "cogs"},
    "bot.storage": {"discord", "bot.core", "bot.discord", "bot.cli", "cogs"},
    "bot.core": {"discord", "bot.discord", "bot.cli", "cogs"},
    # The sentence encoder: numpy and onnxruntime, nothing of the bot's layers above base.
    "bot.semantic": {"discord", "bot.core", "bot.storage", "bot.discord", "bot.cli", "cogs"},
    "bot.discord": {"bot.cli"},
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    """What each layer loads, and what ``bot.cli.main`` loads (key "cli")."""
    targets = {layer: modules_of(layer) for layer in RULES}
    return loaded_after_importing({**targets, "cli": ["bot.cli.main"]})


@pytest.mark.slow  # imports every layer in a fresh interpreter
@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_what_is_below_it(layer: str, loaded: dict[str, set[str]]) -> None:
    assert not loaded[layer] & RULES[layer], f"{layer} loads {sorted(loaded[layer] & RULES[layer])}"


@pytest.mark.slow  # the same fresh interpreter
def test_the_cli_loads_discord_only_for_run(loaded: dict[str, set[str]]) -> None:
    assert "discord" not in loaded["cli"]


def test_the_preloaded_libraries_are_none_of_ours() -> None:
    assert not {name.split(".")[0] for name in PRELOAD} & {"bot", "cogs", "discord"}


def test_every_package_says_what_it_owns() -> None:
    for package in (
        "bot.base",
        "bot.core",
        "bot.semantic",
        "bot.storage",
        "bot.discord",
        "bot.cli",
    ):
        module = __import__(package, fromlist=["_"])
        assert module.__doc__ and len(module.__doc__.split()) >= 20, package
