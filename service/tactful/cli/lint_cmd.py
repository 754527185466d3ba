"""`tactful lint PATH...`: check a library of reply scripts like source code, for CI.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, rule-file or
input errors (every other file is still linted and reported).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from tactful import __version__
from tactful.cli.library import EXIT_FOUND, EXIT_OK, EXIT_USAGE, UsageError, add_rules_args, load_library, shipped_rules
from tactful.compile.ruleset import UnknownRuleset
from tactful.lint.baseline import BaselineError, load_baseline, write_baseline
from tactful.lint.catalog import catalog
from tactful.lint.checker import LintOptions
from tactful.lint.findings import FileProblem, FileResult
from tactful.lint.readers import ReadOptions
from tactful.lint.readers.tree import FieldPathError, parse_path
from tactful.lint.reports import FORMATS, LintRun, render
from tactful.lint.run import default_jobs, lint_paths
from tactful.lint.walk import walk
from tactful.model import LOCALES, Severity

FAIL_ON = ("error", "warning", "info", "never")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lint",
        help="lint a library of reply scripts (txt, md, csv, tsv, json, jsonl, yaml) for CI",
        description="Check every reply in script files and directories; report like a code linter.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (searched recursively)")
    p.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error", help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help="only lint files matching GLOB (repeatable)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files matching GLOB (repeatable)")
    p.add_argument("--column", metavar="NAME", help="CSV/TSV column holding the replies (default: text/reply/content/话术)")
    p.add_argument(
        "--field", action="append", default=[], metavar="PATH", help="JSON/YAML path to the replies, e.g. scripts[].reply (repeatable)"
    )
    p.add_argument("--locale", choices=LOCALES, help="locale of every reply (default: detected per reply)")
    p.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    p.add_argument("--write-baseline", metavar="FILE", help="record the current findings as the baseline and exit 0")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--fix", action="store_true", help="apply the suggested rewrites in place where it is safe")
    mode.add_argument("--diff", action="store_true", help="show the rewrites --fix would make, change nothing")
    p.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="worker processes (default: all cores; 1: no workers)")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar (it only shows on a terminal anyway)")
    add_rules_args(p)
    p.set_defaults(run=run)


def _options(args: argparse.Namespace) -> LintOptions:
    for path in args.field:
        try:
            parse_path(path)
        except FieldPathError as err:
            raise UsageError(str(err)) from None
    baseline = None
    if args.baseline:
        try:
            baseline = load_baseline(args.baseline)
        except BaselineError as err:
            raise UsageError(str(err)) from None
    fix = "fix" if args.fix else "diff" if args.diff else "none"
    read = ReadOptions(column=args.column, fields=tuple(args.field))
    return LintOptions(ruleset=args.ruleset, locale=args.locale, read=read, fix=fix, baseline=baseline)


def _print_fixes(results: list[FileResult], stream: Any) -> None:
    for r in results:
        for x in r.fixes:
            status = "fixed" if x.note is None else "not fixed"
            line = f"{status} {x.path}:{x.line}:{x.column}: [{x.rule}] {x.change}"
            print(line + (f" ({x.note})" if x.note else ""), file=stream)


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write report {output}: {err.strerror}") from None


def run(args: argparse.Namespace) -> int:
    library = load_library(args.rules)
    if args.ruleset:
        try:
            library.get(args.ruleset)
        except UnknownRuleset as err:
            raise UsageError(str(err.args[0])) from None
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    options = _options(args)
    found = walk(args.paths, tuple(args.include), tuple(args.exclude))
    rules_path = str(Path(args.rules) if args.rules else shipped_rules())
    jobs = args.jobs or default_jobs()
    results = lint_paths(found.files, library, rules_path, options, jobs, progress=False if args.no_progress else None)
    missing = [FileProblem(p, "no such file or directory") for p in found.missing]
    fail_on = None if args.fail_on == "never" else Severity.parse(args.fail_on)
    lint_run = LintRun(results, catalog(library, args.ruleset), fail_on, __version__, missing)

    for problem in lint_run.all_problems:
        print(f"tactful: {problem.render()}", file=sys.stderr)
    if args.write_baseline:
        kept = [f for r in results for f in (*r.findings, *r.baselined)]
        try:
            n = write_baseline(args.write_baseline, kept)
        except BaselineError as err:
            raise UsageError(str(err)) from None
        entries = f"{n} baseline entr{'y' if n == 1 else 'ies'}"
        print(f"tactful: wrote {entries} ({len(kept)} findings) to {args.write_baseline}", file=sys.stderr)
        return EXIT_USAGE if lint_run.all_problems else EXIT_OK

    if args.diff:
        sys.stdout.write("".join(r.diff for r in results))
        _print_fixes(results, sys.stderr)
    else:
        if args.fix:
            _print_fixes(results, sys.stdout if args.format == "text" and not args.output else sys.stderr)
        colour = args.format == "text" and not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        _emit(render(args.format, lint_run, colour), args.output)
    if lint_run.all_problems:
        return EXIT_USAGE
    return EXIT_FOUND if any(lint_run.failing(f) for f in lint_run.findings) else EXIT_OK
