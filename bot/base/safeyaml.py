"""YAML for files a careless or hostile hand may have written: safe types, bounded alias expansion.

``yaml.safe_load`` builds only plain types, but it still honours aliases: ten lines of nested
``*lol`` references (the "billion laughs") make a value that is small in memory, shared many
times over, and enormous the moment anything walks it (``str()``, ``repr()``, validation). The
loader here composes the document's node graph first, measures what the aliases would expand
it to (each shared node counted once per reference, without expanding anything) and refuses a
document that grows past a bound derived from its own length, before any Python value is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

# libyaml's safe loader when PyYAML was built with it (the wheels are): parsing the shipped
# knowledge drops from ~0.2 s to ~16 ms. It builds the same plain types as yaml.safe_load.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Without aliases a document expands to at most about its own length (every node and every
# scalar character comes from the text). Honest reuse of an anchor (a shared list of tags)
# adds little; this much room above the text's own length is more than any of ours needs.
EXPANSION_ALLOWANCE = 100_000

# Only an anchored node can be shared, and an anchor is ``&`` followed by a character that may
# start its name (no space, no flow indicator). A text without one has no anchor, and an alias
# to an unknown anchor is a parse error: such a document cannot expand, and is not walked.
# (``&&`` in a shell command matches too: a false alarm only costs the walk.)
_ANCHOR = re.compile(r"&[^\s,\[\]{}]")


class ExpansionError(yaml.YAMLError):
    """The document's aliases would expand it far beyond its own size."""

    def __init__(self, expanded: int, limit: int) -> None:
        self.expanded, self.limit = expanded, limit
        self.problem = (
            f"its aliases (*name) expand it to more than {limit:,} characters; "
            "refusing it (is it a 'billion laughs' document?)"
        )
        super().__init__(self.problem)


class RecursiveAliasError(yaml.YAMLError):
    """An alias refers to the node that contains it."""

    problem = "an alias (*name) refers to a node that contains it"

    def __init__(self) -> None:
        super().__init__(self.problem)


def _children(node: Node) -> list[Node]:
    if isinstance(node, ScalarNode):
        return []
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def expanded_size(root: Node, limit: int) -> int:
    """Nodes plus scalar characters of ``root`` with every alias expanded; stops past ``limit``.

    Each distinct node is visited once (its size is remembered), so this costs time linear in
    the document however far its aliases would expand it.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > limit:
                raise ExpansionError(size, limit)
            sizes[key] = size
            visiting.discard(key)
            continue
        if key in sizes:
            continue
        if key in visiting:  # reached again from below itself: a cycle, not a shared node
            raise RecursiveAliasError()
        if isinstance(node, ScalarNode):
            sizes[key] = 1 + len(node.value)
            continue
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _readable(construct: Callable[[Any, Node], Any]) -> Callable[[Any, Node], Any]:
    """A scalar constructor whose ValueError or OverflowError becomes a YAML error at its place.

    ``updated: 2026-02-30`` looks like a date to YAML and an int of 5,000 digits exceeds
    Python's conversion limit: the plain loader lets the ValueError escape without a line.
    """

    def run(loader: Any, node: Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError) as exc:
            problem = f"cannot read this value ({exc})"
            raise ConstructorError(None, None, problem, node.start_mark) from exc

    return run


class _Loader(SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, with a scalar it cannot build reported as a YAML error at its place.

    Only the constructors that convert text to a number, a date or bytes can fail that way;
    wrapping them, rather than every node's construction, keeps loading a large file cheap.
    """


for _tag, _construct in list(yaml.SafeLoader.yaml_constructors.items()):
    if _tag and _tag.rsplit(":", 1)[-1] in ("int", "float", "timestamp", "binary"):
        _Loader.add_constructor(_tag, _readable(_construct))


def load_bounded(text: str) -> Any:
    """Parse one YAML document with the safe loader; YAMLError if its aliases expand too far."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _ANCHOR.search(text):
            expanded_size(node, 2 * len(text) + EXPANSION_ALLOWANCE)
        return loader.construct_document(node)
    finally:
        loader.dispose()
