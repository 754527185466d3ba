"""Loading rulesets for a command: --rules/--ruleset, shipped packs by default, errors as exit 2."""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.lang.diagnostics import CompileError

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A user mistake: printed as one message, exit code 2, never a traceback."""


def shipped_rules() -> Path:
    return Path(str(files("tactful") / "packs"))


def add_rules_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", metavar="PATH", help="a .tact file or a directory of packs (default: the shipped packs)")
    p.add_argument("--ruleset", metavar="NAME", help="pack to use (default: picked by locale)")


def load_library(rules: str | None) -> Library:
    path = Path(rules) if rules else shipped_rules()
    try:
        return compile_path(path)
    except CompileError as err:
        raise UsageError(err.render()) from None


def fail(message: str) -> int:
    print(f"tactful: {message}", file=sys.stderr)
    return EXIT_USAGE
