"""Finding the script files under the given paths: recursive, sorted, hidden and binary files skipped."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from tactful.lint.readers import READERS


@dataclass(slots=True)
class Walk:
    files: list[str] = field(default_factory=list)  # paths to lint, as the user will see them
    missing: list[str] = field(default_factory=list)  # given paths that do not exist


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    """Globs match the path relative to the walked directory, or just the file name; `**/` may match nothing."""
    name = PurePosixPath(rel).name
    for pattern in patterns:
        variants = {pattern, pattern.removeprefix("**/")} if pattern.startswith("**/") else {pattern}
        if any(fnmatchcase(rel, p) or fnmatchcase(name, p) for p in variants):
            return True
    return False


def _wanted(rel: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if exclude and _matches(rel, exclude):
        return False
    return not include or _matches(rel, include)


def walk(paths: list[str], include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Walk:
    out = Walk()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for given in paths:
        if os.path.isdir(given):
            for root, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith(".") or os.path.splitext(name)[1].lower() not in READERS:
                        continue
                    path = os.path.normpath(os.path.join(root, name))
                    rel = PurePosixPath(*os.path.relpath(path, given).split(os.sep)).as_posix()
                    if _wanted(rel, include, exclude):
                        add(path)
        elif os.path.lexists(given):
            # A file named on the command line is linted even if hidden; --exclude still applies.
            if not (exclude and _matches(PurePosixPath(given).as_posix(), exclude)):
                add(given)
        else:
            out.missing.append(given)
    return out
