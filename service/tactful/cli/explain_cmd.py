"""`tactful explain "TEXT"`: why each rule did or did not fire on a reply (conditions, spans, exceptions)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tactful.cli.check_cmd import DEFAULT_MAX_BYTES, RecordError, check_size, make_context
from tactful.cli.library import EXIT_FOUND, EXIT_OK, UsageError, add_rules_args, fail, load_library
from tactful.cli.render_explain import render_explanation
from tactful.compile.ruleset import UnknownRuleset
from tactful.engine.explain import explain
from tactful.model import CHANNELS, LOCALES, TURNS


def register(sub: Any) -> None:
    p = sub.add_parser("explain", help="show why each rule did or did not fire on a reply")
    p.add_argument("text", help="the reply to explain ('-' reads it from stdin)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--rule", action="append", default=[], metavar="ID", help="explain only this rule, considered or not (repeatable)")
    p.add_argument("--turn", choices=TURNS)
    p.add_argument("--customer", default="", metavar="TEXT", help="the customer's preceding message")
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--locale", choices=LOCALES)
    p.add_argument("--time", metavar="HH:MM", help="local time of day the reply is sent")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="reject replies longer than this many UTF-8 bytes")
    add_rules_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        check_size(text, args.max_bytes)
        fields = ("turn", "customer", "channel", "locale", "time")
        ctx = make_context({f: getattr(args, f) for f in fields})
    except RecordError as err:
        return fail(str(err))
    library = load_library(args.rules)
    try:
        rs = library.select(args.ruleset, ctx.locale, text)
    except UnknownRuleset as err:
        raise UsageError(str(err.args[0])) from None
    try:
        explanation = explain(rs, text, ctx, tuple(args.rule))
    except KeyError as err:
        raise UsageError(str(err.args[0])) from None
    if args.format == "json":
        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_explanation(explanation, colour=sys.stdout.isatty()))
    return EXIT_FOUND if explanation.result.violations else EXIT_OK
