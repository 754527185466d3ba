"""One checked reply's decision and its JSON log line, rendered from cached pieces (compiled with mypyc).

This is the one log line written per request, thousands a second: rendered by the structlog chain
(or even one json.dumps of the dict) it cost as much as checking a short reply, and interpreted, the
cached-pieces rendering still cost more than a tenth of our part of a violating call under callgrind.
logging.DecisionLog decides when a line is written and where; this module only makes it.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from tactful.model import Result


@dataclass  # not frozen: one is made per request, and a frozen init costs 4x more (interpreted)
class Decision:
    """What one checked reply decided, for the log and the metrics."""

    rpc: str
    request_id: str
    result: Result
    latency_s: float
    sequence: int = 0
    skipped: int = 0  # CheckStream: drafts superseded by this one before they were checked
    at: float = field(default_factory=time.time)


def dumps(value: object) -> str:
    """JSON as the structlog chain writes it (no ASCII escaping of Chinese text)."""
    return json.dumps(value, ensure_ascii=False)


def unique(items: Iterable[str]) -> list[str]:
    """`items` without repeats, first occurrence first."""
    return list(dict.fromkeys(items))


_second: list[tuple[int, str]] = [(-1, "")]  # the last whole second and its text; one tuple, so threads see a matching pair


def iso(at: float | None) -> str:
    """`at` (epoch seconds; None: now) as ISO-8601 UTC with microseconds, "2023-11-14T22:13:20.250000Z".

    Formatting a datetime costs ~2 us; lines come thousands a second, so the part up to the
    second is formatted once per second.

    >>> iso(1_700_000_000.25)
    '2023-11-14T22:13:20.250000Z'
    """
    if at is None:
        at = time.time()
    whole = math.floor(at)
    cached_at, prefix = _second[0]
    if cached_at != whole:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second[0] = (whole, prefix)
    return f"{prefix}.{int((at - whole) * 1_000_000):06d}Z"


def millis(seconds: float) -> str:
    """`repr(round(seconds * 1000, 3))`, the JSON the chain writes for latency_ms, with one decimal conversion instead of three.

    Both round the exact binary value to three decimals, correctly rounded; below 10^15 ms two decimals
    with three places never map to one double, so the shortest repr of the rounded value is those digits.

    >>> millis(0.0012), millis(0.0), millis(0.0123456), millis(2.5)
    ('1.2', '0.0', '12.346', '2500.0')
    """
    ms = seconds * 1000
    if not 0 <= ms < 1e15:  # never a latency; whatever it is, written as before
        return repr(round(ms, 3))
    text = f"{ms:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def line(parts: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]], decision: Decision) -> str:
    """The JSON line the structlog chain renders for DecisionLog.fields(decision) (no context variables are bound in
    the server); `parts` caches the pieces that depend only on the rpc, ruleset version and rules. A test compares the two."""
    result = decision.result
    key = (decision.rpc, result.ruleset_version, tuple([v.rule for v in result.violations]))
    found = parts.get(key)
    if found is None:
        if len(parts) > 4096:  # rpc x version x rule combinations; reloads add versions
            parts.clear()
        found = (
            f'{{"rpc": {dumps(decision.rpc)}, "request_id": ',
            f', "ruleset": {dumps(result.ruleset)}, "ruleset_version": {dumps(result.ruleset_version)}, '
            f'"rules": {dumps(unique(key[2]))}, "categories": {dumps(unique([v.category for v in result.violations]))}, '
            f'"compliant": {dumps(not result.violations)}, ',
        )
        parts[key] = found
    rid = decision.request_id
    rid = f'"{rid}"' if rid.isprintable() and '"' not in rid and "\\" not in rid else dumps(rid)
    encoded = result.text.encode("utf-8")
    sequence = f', "sequence": {decision.sequence}' if decision.rpc == "CheckStream" else ""
    return (
        f"{found[0]}{rid}{found[1]}"
        f'"latency_ms": {millis(decision.latency_s)}, "text_bytes": {len(encoded)}, '
        f'"text_sha256": "{hashlib.sha256(encoded).hexdigest()}"{sequence}, '
        f'"event": "decision", "level": "info", "timestamp": "{iso(decision.at)}"}}'
    )
