"""Dependencies point one way: base <- storage <- core <- discord <- cogs, and the CLI on top.

Each rule imports every module of a layer in a fresh interpreter and checks which of our packages
(and whether discord) got loaded, so an import hidden in a helper module is caught too.
"""

from __future__ import annotations

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


def loaded_after_importing(modules: list[str]) -> set[str]:
    """The top-two-level module names loaded by importing ``modules`` in a fresh interpreter."""
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += "print('\\n'.join(sorted({'.'.join(m.split('.')[:2]) for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(out.stdout.split())


RULES = {
    # layer: what it must not load
    "bot.base": {"discord", "bot.core", "bot.storage", "bot.discord", "bot.cli", "cogs"},
    "bot.storage": {"discord", "bot.core", "bot.discord", "bot.cli", "cogs"},
    "bot.core": {"discord", "bot.discord", "bot.cli", "cogs"},
    # The sentence encoder: numpy and onnxruntime, nothing of the bot's layers above base.
    "bot.semantic": {"discord", "bot.core", "bot.storage", "bot.discord", "bot.cli", "cogs"},
    "bot.discord": {"bot.cli"},
}


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_what_is_below_it(layer: str) -> None:
    loaded = loaded_after_importing(modules_of(layer))
    assert not loaded & RULES[layer], f"{layer} loads {sorted(loaded & RULES[layer])}"


def test_the_cli_loads_discord_only_for_run() -> None:
    loaded = loaded_after_importing(["bot.cli.main"])
    assert "discord" not in loaded


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
