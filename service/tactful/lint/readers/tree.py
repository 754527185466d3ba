"""A document tree shared by the JSON and YAML readers, and `--field PATH` selection over it.

PATH is dot-separated keys with `[]` for every item of a list or `[N]` for one, and `*` for
any key: `scripts[].reply`, `[].text`, `faq.*.answer`. Without --field, every string under a key
named text/reply/replies/content/话术 is a reply (and each string of a top-level list).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tactful.lint.readers.base import DEFAULT_KEYS, Reply

DOC_KEYS = (*DEFAULT_KEYS, "replies")
_STEP = re.compile(r"\[(\d*)\]|\*|[^.\[\]]+")


@dataclass(slots=True)
class Node:
    kind: str  # map | seq | str | other
    offset: int
    items: list[tuple[str, Node]] = field(default_factory=list)  # map entries
    elements: list[Node] = field(default_factory=list)  # seq items
    reply: Reply | None = None  # for kind == "str"


class FieldPathError(ValueError):
    pass


def parse_path(path: str) -> list[tuple[str, str | int | None]]:
    steps: list[tuple[str, str | int | None]] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and steps:
            pos += 1
        m = _STEP.match(path, pos)
        if not m:
            raise FieldPathError(f"bad --field path {path!r} at character {pos + 1}")
        token = m.group()
        if token.startswith("["):
            steps.append(("index", int(m.group(1))) if m.group(1) else ("all", None))
        elif token == "*":
            steps.append(("any", None))
        else:
            steps.append(("key", token))
        pos = m.end()
    if not steps:
        raise FieldPathError("empty --field path")
    return steps


def _step(node: Node, step: tuple[str, str | int | None]) -> Iterator[Node]:
    kind, arg = step
    if kind == "key" and node.kind == "map":
        yield from (v for k, v in node.items if k == arg)
    elif kind == "any" and node.kind == "map":
        yield from (v for _, v in node.items)
    elif kind == "all" and node.kind == "seq":
        yield from node.elements
    elif kind == "index" and node.kind == "seq" and isinstance(arg, int) and arg < len(node.elements):
        yield node.elements[arg]


def _strings(node: Node) -> Iterator[Node]:
    if node.kind == "str":
        yield node
    elif node.kind == "seq":
        yield from (e for e in node.elements if e.kind == "str")


def select(roots: list[Node], paths: tuple[str, ...]) -> list[Reply]:
    found: list[Node] = []
    if paths:
        for path in paths:
            current = roots
            for step in parse_path(path):
                current = [child for node in current for child in _step(node, step)]
            found.extend(s for node in current for s in _strings(node))
    else:
        for root in roots:
            if root.kind == "seq":
                found.extend(e for e in root.elements if e.kind == "str")
            found.extend(_default(root))
    seen: set[int] = set()
    replies: list[Reply] = []
    for node in sorted(found, key=lambda n: n.offset):
        if id(node) not in seen and node.reply and node.reply.text:
            seen.add(id(node))
            replies.append(node.reply)
    return replies


def _default(node: Node) -> Iterator[Node]:
    if node.kind == "map":
        for key, value in node.items:
            if key.lower() in DOC_KEYS:
                yield from _strings(value)
            else:
                yield from _default(value)
    elif node.kind == "seq":
        for e in node.elements:
            yield from _default(e)
