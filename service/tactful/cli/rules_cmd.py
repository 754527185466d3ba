"""`tactful rules`: list the rules of a ruleset (id, category, severity, rationale)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tactful.cli.library import EXIT_OK, UsageError, add_rules_args, load_library
from tactful.compile.ruleset import UnknownRuleset


def register(sub: Any) -> None:
    p = sub.add_parser("rules", help="list the rules of a ruleset")
    add_rules_args(p)
    p.add_argument("--locale", help="pick the default ruleset for this locale")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    library = load_library(args.rules)
    try:
        names = [args.ruleset] if args.ruleset else ([library.select(None, args.locale).name] if args.locale else list(library.leaves))
        rulesets = [library.get(n) for n in names]
    except UnknownRuleset as err:
        raise UsageError(str(err.args[0])) from None
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "ruleset": rs.name,
                        "version": rs.version,
                        "rules": [
                            {
                                "id": r.id,
                                "category": r.category,
                                "severity": r.severity.label,
                                "rationale": r.rationale,
                                "pack": r.pack,
                                "location": r.location,
                            }
                            for r in rs.rules
                        ],
                    }
                    for rs in rulesets
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    for rs in rulesets:
        print(f"# ruleset {rs.name} {rs.pack_version} (locale {rs.locale or '-'}, version {rs.version}, {len(rs.rules)} rules)")
        width = max((len(r.id) for r in rs.rules), default=10)
        for r in rs.rules:
            print(f"{r.id:<{width}}  {r.category:<21}  {r.severity.label:<7}  {r.rationale}")
    return EXIT_OK
