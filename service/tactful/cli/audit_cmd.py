"""`tactful audit CONVERSATIONS.jsonl`: the QA audit of finished conversations (see tactful.audit)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from tactful.audit.run import audit_file
from tactful.cli.library import EXIT_OK, EXIT_USAGE, add_rules_args, fail, load_library
from tactful.compile.ruleset import UnknownRuleset

SMALL_INPUT = 1 << 20


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="QA audit of finished conversations: scores per conversation and agent, JSONL/CSV/HTML report")
    p.add_argument(
        "input", metavar="CONVERSATIONS.jsonl", help='one {"id", "agent_id"?, "lang"?, "turns": [{"role", "text", "timestamp"?}]} per line'
    )
    p.add_argument("--out", "-o", default="tactful-audit", metavar="DIR", help="output directory (default: ./tactful-audit)")
    p.add_argument(
        "--jobs", "-j", type=int, default=None, help="worker processes (default: the CPU count; one, in-process, for inputs under 1 MiB)"
    )
    p.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar on stderr (default: on a terminal only)"
    )
    add_rules_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.input):
        return fail(f"cannot read {args.input}: no such file")
    if args.jobs is not None and args.jobs < 1:
        return fail("--jobs must be at least 1")
    # Starting workers (fresh interpreters that each compile the rules) costs more than a small file takes.
    jobs = args.jobs or ((os.cpu_count() or 1) if os.path.getsize(args.input) >= SMALL_INPUT else 1)
    library = load_library(args.rules)  # compiled here first: a broken rule file stops the run before any worker starts
    if args.ruleset:
        try:
            library.get(args.ruleset)
        except UnknownRuleset as err:
            return fail(str(err.args[0]))
    bad = 0

    def on_error(line: int, message: str) -> None:
        nonlocal bad
        bad += 1
        print(f"tactful: {args.input}:{line}: {message}", file=sys.stderr)

    out = Path(args.out)
    summary = audit_file(args.input, out, library, args.rules, args.ruleset, jobs, args.progress, on_error)
    print(
        f"audited {summary.conversations:,} conversations ({summary.agent_turns:,} agent turns): mean score {summary.mean_score:.1f}, "
        f"{summary.violations:,} violations, {summary.clean:,} conversations clean"
    )
    print(f"wrote {out}/conversations.jsonl, conversations.csv, agents.csv, rules.csv, summary.json, report.html")
    if bad:
        print(f"tactful: {bad} line(s) could not be audited; the others were.", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
