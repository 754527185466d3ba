"""Compiling a pack the browser sent (a mapping of file names to texts): bounded in size, written
to a private temp dir per compile, errors returned as diagnostics with file/line/column."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.lang.diagnostics import CompileError, Diagnostic, SourceSpan

MAX_FILES = 64
MAX_TOTAL_BYTES = 1024 * 1024  # the shipped zh + common packs are about 170 KB
# One or two segments (a pack directory and a file); no dot-files, no `..`, only rule and term-list files.
_NAME = re.compile(r"^(?:[\w-][\w.-]{0,63}/)?[\w-][\w.-]{0,63}\.(?:tact|txt)$")


class WorkspaceError(ValueError):
    """The request's files cannot be compiled as given; the message says what to change."""


@dataclass(frozen=True)
class Compiled:
    key: str  # content hash of the files: the cache key, and what the page compares to skip stale answers
    library: Library | None
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    root: str = ""  # the temp dir the files were compiled in: stripped from locations shown to the page

    def relative(self, location: str) -> str:
        """A rule or condition location (path:line:col) relative to the workspace."""
        prefix = self.root + "/"
        return location[len(prefix) :] if self.root and location.startswith(prefix) else location


def validate(files: object) -> dict[str, str]:
    """The files as a dict, or WorkspaceError naming the first problem."""
    if not isinstance(files, dict) or not files:
        raise WorkspaceError('"files" must be a non-empty object mapping file names to their text')
    if len(files) > MAX_FILES:
        raise WorkspaceError(f"{len(files)} files, over the limit of {MAX_FILES}")
    total = 0
    for name, text in files.items():
        if not isinstance(text, str):
            raise WorkspaceError(f"file {name!r}: its text must be a string")
        if not _NAME.match(name) or ".." in name:
            raise WorkspaceError(f"file name {name!r}: use NAME.tact or NAME.txt, optionally under one PACK/ directory")
        total += len(text.encode("utf-8"))
    if total > MAX_TOTAL_BYTES:
        raise WorkspaceError(f"the files are {total} bytes, over the limit of {MAX_TOTAL_BYTES}")
    if not any(n.endswith(".tact") for n in files):
        raise WorkspaceError("no .tact file: a pack needs at least one")
    return dict(files)


def content_key(files: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(files.items()), ensure_ascii=False).encode()).hexdigest()[:16]


def compile_files(files: Mapping[str, str]) -> Compiled:
    """Compile validated files; a compile error becomes diagnostics, never an exception."""
    key = content_key(files)
    with tempfile.TemporaryDirectory(prefix="tactful-playground-") as tmp:
        root = Path(tmp).resolve()
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        # One file in one dir, or several: compile_path groups files by directory into packs.
        try:
            library = compile_path(root)
        except CompileError as err:
            return Compiled(key, None, [_diagnostic(d, root) for d in err.diagnostics], str(root))
    return Compiled(key, library, [], str(root))


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path


def _where(span: SourceSpan | None, root: Path) -> dict[str, Any]:
    if span is None:
        return {"file": None, "line": None, "column": None, "length": 0}
    return {"file": _relative(span.path, root), "line": span.line, "column": span.column, "length": span.length}


def _diagnostic(d: Diagnostic, root: Path) -> dict[str, Any]:
    message = d.message.replace(str(root) + "/", "")
    hint = d.hint.replace(str(root) + "/", "") if d.hint else None
    return {
        "code": d.code,
        "severity": d.severity,
        "message": message,
        "hint": hint,
        **_where(d.span, root),
        "related": [_where(s, root) for s in d.related],
    }


class CompileCache:
    """The last few compiled workspaces by content: the page sends the pack with every check."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[str, Compiled] = OrderedDict()

    def get(self, key: str) -> Compiled | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, compiled: Compiled) -> None:
        self._items[compiled.key] = compiled
        self._items.move_to_end(compiled.key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
