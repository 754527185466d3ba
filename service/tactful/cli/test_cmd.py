"""`tactful test`: run every rule's embedded examples; ends with `N passed, N failed`."""

from __future__ import annotations

import argparse
from typing import Any

from tactful.cli.library import EXIT_FOUND, EXIT_OK, load_library
from tactful.tester import run_examples


def register(sub: Any) -> None:
    p = sub.add_parser("test", help="run the examples embedded in every rule")
    p.add_argument("paths", nargs="*", metavar="PATH", help="rule files or pack directories (default: the shipped packs)")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    passed = failed = 0
    for path in args.paths or [None]:
        library = load_library(path)
        for out in run_examples(library):
            if out.passed:
                passed += 1
                if args.verbose:
                    print(f"ok   {out.location} [{out.rule}] {'bad' if out.bad else 'good'}: {out.text}")
                continue
            failed += 1
            print(f"FAIL {out.location} [{out.rule}] {'bad' if out.bad else 'good'} example “{out.text}”: {out.reason}")
    print(f"{passed} passed, {failed} failed")
    return EXIT_FOUND if failed else EXIT_OK
