"""`tactful check`: one reply from the command line, or a JSONL batch with --input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from tactful.audit.records import BadRecord, parse_timestamp, parse_turns
from tactful.cli.library import EXIT_FOUND, EXIT_OK, EXIT_USAGE, UsageError, add_rules_args, fail, load_library
from tactful.cli.render import render_result
from tactful.compile.ruleset import Library, UnknownRuleset
from tactful.engine import check
from tactful.model import CHANNELS, LOCALES, TURNS, Context, Result

DEFAULT_MAX_BYTES = 64 * 1024


class RecordError(ValueError):
    """A bad batch record or context value; the message says what to fix."""


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="check a reply (or a JSONL batch) against the rules")
    p.add_argument("text", nargs="?", help="the reply to check ('-' reads it from stdin)")
    p.add_argument("--input", metavar="FILE.jsonl", help='batch: one {"id", "text", "lang"?, "context"?} per line')
    p.add_argument("--format", choices=("text", "json", "jsonl"), default=None, help="output format (default: text; jsonl for --input)")
    p.add_argument("--turn", choices=TURNS)
    p.add_argument("--customer", default="", metavar="TEXT", help="the customer's preceding message")
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--locale", choices=LOCALES)
    p.add_argument("--time", metavar="HH:MM", help="local time of day the reply is sent")
    p.add_argument(
        "--conversation",
        metavar="FILE.json",
        help='the conversation before the reply: [{"role": "customer"|"agent", "text", "timestamp"?}, ...] (or {"turns": [...]})',
    )
    p.add_argument(
        "--sent-at", metavar="TIMESTAMP", help="when the reply is sent (ISO 8601, HH:MM:SS or epoch seconds), for response-time rules"
    )
    p.add_argument(
        "--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="reject replies longer than this many UTF-8 bytes (default 64 KiB)"
    )
    p.add_argument("--server", metavar="HOST:PORT", help="check through a running `tactful serve` instead of in-process")
    add_rules_args(p)
    p.set_defaults(run=run)


def parse_time(value: str | None) -> tuple[int, int] | None:
    if value in (None, ""):
        return None
    try:
        hh, mm = (int(x) for x in str(value).split(":"))
    except ValueError:
        raise RecordError(f"time {value!r} is not HH:MM") from None
    if not (0 <= hh <= 23 and 0 <= mm <= 59):
        raise RecordError(f"time {value!r} is out of range (00:00-23:59)")
    return (hh, mm)


def make_context(raw: dict[str, Any], lang: str | None = None) -> Context:
    turn, channel = raw.get("turn") or None, raw.get("channel") or None
    locale = raw.get("locale") or lang or None
    if turn is not None and turn not in TURNS:
        raise RecordError(f"turn {turn!r} is not one of {', '.join(TURNS)}")
    if channel is not None and channel not in CHANNELS:
        raise RecordError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if locale is not None and locale not in LOCALES:
        raise RecordError(f"locale {locale!r} is not one of {', '.join(LOCALES)}")
    customer = raw.get("customer") or ""
    if not isinstance(customer, str):
        raise RecordError("context.customer must be a string")
    check_size(customer, sys.maxsize, "context.customer")
    try:
        conversation = parse_turns(raw["conversation"], "context.conversation") if raw.get("conversation") is not None else ()
        at = parse_timestamp(raw.get("sent_at"), "context.sent_at")
    except BadRecord as err:
        raise RecordError(str(err)) from None
    return Context(
        turn=turn, customer=customer, channel=channel, locale=locale, time=parse_time(raw.get("time")), conversation=conversation, at=at
    )


def read_conversation(path: str) -> list[Any]:
    """The turns of a --conversation file: a JSON list of turns, or an object with "turns"."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as err:
        raise RecordError(f"cannot read {path}: {err.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"{path}: not a JSON file: {err}") from None
    if isinstance(data, dict):
        data = data.get("turns")
    if not isinstance(data, list):
        raise RecordError(f'{path}: expected a list of turns or an object with "turns"')
    return data


def check_size(text: str, limit: int, field: str = "text") -> None:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as err:
        # A lone surrogate: a JSON escape such as "\ud800", or argv bytes that are not UTF-8.
        raise RecordError(
            f"{field} holds a lone surrogate (U+{ord(text[err.start]):04X}) at character {err.start}: not valid Unicode; send UTF-8 text"
        ) from None
    if size > limit:
        raise RecordError(f"text is {size} bytes, over the {limit}-byte limit (raise it with --max-bytes)")


def _checker(args: argparse.Namespace) -> Any:
    """A function (text, context) -> Result, in-process or through a server."""
    if args.server:
        from tactful.client import ServiceError, remote_checker  # the gRPC client is only needed for --server

        remote = remote_checker(args.server, args.ruleset)

        def via_server(text: str, ctx: Context) -> Result:
            try:
                return remote(text, ctx)
            except ServiceError as err:
                # A refused record is that record's problem (the batch goes on); anything else ends the run.
                if err.code.name == "INVALID_ARGUMENT":
                    raise RecordError(f"server {args.server}: {err}") from None
                raise UsageError(f"server {args.server}: {err}") from None

        return via_server
    library: Library = load_library(args.rules)

    def local(text: str, ctx: Context) -> Result:
        try:
            rs = library.select(args.ruleset, ctx.locale, text)
        except UnknownRuleset as err:
            raise UsageError(str(err.args[0])) from None
        return check(rs, text, ctx)

    return local


def run(args: argparse.Namespace) -> int:
    if args.input:
        return _run_batch(args)
    if args.text is None:
        return fail("give a reply to check, or --input FILE.jsonl")
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        check_size(text, args.max_bytes)
        ctx = make_context(
            {
                "turn": args.turn,
                "customer": args.customer,
                "channel": args.channel,
                "locale": args.locale,
                "time": args.time,
                "conversation": read_conversation(args.conversation) if args.conversation else None,
                "sent_at": args.sent_at,
            }
        )
    except RecordError as err:
        return fail(str(err))
    try:
        result = _checker(args)(text, ctx)
    except RecordError as err:
        return fail(str(err))
    fmt = args.format or "text"
    if fmt == "text":
        print(render_result(result, colour=sys.stdout.isatty()))
    else:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2 if fmt == "json" else None))
    return EXIT_FOUND if result.violations else EXIT_OK


def _records(path: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record, error) per non-empty line; decoding errors name the line."""
    try:
        handle = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    with handle:
        for n, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as err:
                yield n, None, f"not valid UTF-8 (byte {err.start})"
                continue
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                yield n, None, f"malformed JSON: {err.msg} (column {err.colno})"
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                yield n, None, 'expected an object with a string "text"'
                continue
            yield n, rec, None


def _check_record(checker: Any, rec: dict[str, Any], limit: int) -> Result:
    check_size(rec["text"], limit)
    ctx_raw = rec.get("context") or {}
    if not isinstance(ctx_raw, dict):
        raise RecordError("context must be an object")
    return checker(rec["text"], make_context(ctx_raw, rec.get("lang")))  # type: ignore[no-any-return]


def _run_batch(args: argparse.Namespace) -> int:
    """One output line per good record; bad records are reported on stderr and the rest still checked."""
    checker = _checker(args)
    indent = 2 if args.format == "json" else None
    errors = 0
    found = False
    for n, rec, err in _records(args.input):
        if rec is not None:
            try:
                result = _check_record(checker, rec, args.max_bytes)
            except RecordError as bad:
                err = str(bad)  # noqa: PLW2901 - the record's error replaces the (absent) read error
            else:
                found = found or bool(result.violations)
                print(json.dumps({"id": rec.get("id", n), **result.to_dict()}, ensure_ascii=False, indent=indent))
                continue
        errors += 1
        print(f"tactful: {args.input}:{n}: {err}", file=sys.stderr)
    sys.stdout.flush()
    if errors:
        print(f"tactful: {errors} record(s) could not be checked; the others were.", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FOUND if found else EXIT_OK
