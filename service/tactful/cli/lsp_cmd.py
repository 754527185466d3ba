"""`tactful lsp`: the .tact language server on stdin/stdout (needs the `lsp` extra: pip install "tactful[lsp]")."""

from __future__ import annotations

import argparse
from typing import Any

from tactful.cli.library import EXIT_OK, UsageError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lsp",
        help="language server for .tact rule files (stdio), for editors",
        description="Serve the Language Server Protocol on stdin/stdout: diagnostics, hover, go-to-definition, completion.",
    )
    p.add_argument("--stdio", action="store_true", help="accepted for editors that pass it; stdio is the only transport")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from tactful.lsp.server import main
    except ImportError as err:  # pygls and lsprotocol come with the extra only
        raise UsageError(f"the language server needs the lsp extra: pip install 'tactful[lsp]' ({err.name} is missing)") from None
    main()
    return EXIT_OK
