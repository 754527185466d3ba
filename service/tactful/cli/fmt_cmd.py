"""`tactful fmt [PATH...]`: lay out .tact rule files canonically (in place, --check, --diff, `-` for stdin).

Exit codes: 0 formatted (or already formatted), 1 `--check` found files to reformat, 2 a file that
does not parse or cannot be read (reported as file:line:col with a caret; the file is left untouched,
every other file is still formatted).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tactful.cli.library import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from tactful.lang.diagnostics import render
from tactful.lang.layout import WIDTH, LayoutError, format_text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "fmt",
        help="format .tact rule files canonically (in place)",
        description="Lay out .tact rule files canonically: indentation, one statement per line, spacing, wrapped lists. "
        "Comments are kept; nothing is reordered; strings and regexes are never changed.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=".tact files or directories (default: .); `-` reads stdin, writes stdout")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 and show a diff when a file is not formatted")
    mode.add_argument("--diff", action="store_true", help="change nothing; show what formatting would change as a unified diff")
    p.add_argument("--width", type=int, default=WIDTH, metavar="N", help=f"line width lists are wrapped at (default: {WIDTH})")
    p.set_defaults(run=run)


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for file in sorted(path.rglob("*.tact")):
            if not any(part.startswith(".") for part in file.relative_to(path).parts):
                yield file
    else:
        yield path


def _diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"{name}", f"{name} (formatted)"))


def _write(path: Path, text: str) -> None:
    # atomically, so an interrupted run never leaves half a rule file behind
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _format(source: str, name: str, width: int) -> str | None:
    try:
        result, diags = format_text(source, name, width)
    except LayoutError as err:
        print(f"tactful: {name}: internal formatter error: {err}", file=sys.stderr)
        return None
    if result is None:
        for diag in diags:
            print(f"tactful: {render(diag, source)}", file=sys.stderr)
    return result


def _stdin(args: argparse.Namespace) -> tuple[int, bool]:
    source = sys.stdin.read()
    result = _format(source, "<stdin>", args.width)
    if result is None:
        return EXIT_USAGE, False
    if not (args.check or args.diff):
        sys.stdout.write(result)
        return EXIT_OK, False
    if result != source:
        sys.stdout.write(_diff(source, result, "<stdin>"))
    return EXIT_OK, result != source


def _one_file(file: Path, args: argparse.Namespace) -> tuple[int, bool]:
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        print(f"tactful: {file}: cannot read: {getattr(err, 'strerror', None) or err}", file=sys.stderr)
        return EXIT_USAGE, False
    result = _format(source, str(file), args.width)
    if result is None:
        return EXIT_USAGE, False
    if result == source:
        return EXIT_OK, False
    if args.check or args.diff:
        sys.stdout.write(_diff(source, result, str(file)))
    else:
        _write(file, result)
        print(f"formatted {file}", file=sys.stderr)
    return EXIT_OK, True


def run(args: argparse.Namespace) -> int:
    if args.width < 20:
        print("tactful: --width must be at least 20", file=sys.stderr)
        return EXIT_USAGE
    status, changed = EXIT_OK, 0
    for raw in args.paths or ["."]:
        if raw == "-":
            outcomes = [_stdin(args)]
        elif not Path(raw).exists():
            print(f"tactful: {raw}: no such file or directory", file=sys.stderr)
            outcomes = [(EXIT_USAGE, False)]
        else:
            outcomes = [_one_file(file, args) for file in _files(Path(raw))]
        status = max([status, *(s for s, _ in outcomes)])
        changed += sum(c for _, c in outcomes)
    if args.check and changed:
        print(f"{changed} file(s) would be reformatted; run `tactful fmt` on them", file=sys.stderr)
        return max(status, EXIT_FOUND)
    return status
