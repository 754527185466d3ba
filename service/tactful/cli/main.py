"""`tactful` entry point. Exit codes: 0 nothing found, 1 violations/failures, 2 usage or input errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tactful import __version__
from tactful.cli import (
    audit_cmd,
    check_cmd,
    eval_cmd,
    explain_cmd,
    fmt_cmd,
    lint_cmd,
    lsp_cmd,
    playground_cmd,
    rules_cmd,
    serve_cmd,
    test_cmd,
)
from tactful.cli.library import EXIT_USAGE, UsageError, fail

COMMANDS = [check_cmd, explain_cmd, test_cmd, eval_cmd, rules_cmd, serve_cmd, lint_cmd, playground_cmd, fmt_cmd, lsp_cmd, audit_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tactful", description="Check customer-service replies against service norms.")
    parser.add_argument("--version", action="version", version=f"tactful {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as err:
        return fail(str(err))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["EXIT_USAGE", "build_parser", "main"]
