"""Conversations as JSON: turns and timestamps read from batch records and audit input lines.

A bad value raises BadRecord with a message that says what to fix; callers add FILE:LINE.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tactful.model import ROLES, Turn

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$")
MAX_TURNS = 1000


class BadRecord(ValueError):
    """A conversation or timestamp that cannot be used; the message says what to fix."""


def parse_timestamp(value: Any, where: str = "timestamp") -> float | None:
    """Seconds on one clock: a number is epoch seconds, "HH:MM[:SS]" is seconds since midnight
    (a conversation within one day), anything else must be ISO 8601 (naive means UTC).

    >>> parse_timestamp("10:00:30"), parse_timestamp(12.5), parse_timestamp("1970-01-01T00:01:00Z")
    (36030.0, 12.5, 60.0)
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{where} must be a number of seconds or a time string, not {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise BadRecord(f"{where} must be a number of seconds or a time string, not {type(value).__name__}")
    m = _CLOCK.match(value.strip())
    if m:
        hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hh > 23 or mm > 59 or ss > 59:
            raise BadRecord(f"{where} {value!r} is out of range (00:00:00-23:59:59)")
        return hh * 3600 + mm * 60 + ss + float(m.group(4) or 0)
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRecord(f"{where} {value!r} is not ISO 8601 (2024-05-01T10:00:30+08:00), HH:MM:SS or epoch seconds") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def parse_turns(raw: Any, where: str = "turns") -> tuple[Turn, ...]:
    """[{"role": "customer"|"agent", "text": "...", "timestamp"?: ...}, ...] as Turns."""
    if not isinstance(raw, list):
        raise BadRecord(f"{where} must be a list of {{role, text, timestamp?}} objects")
    if len(raw) > MAX_TURNS:
        raise BadRecord(f"{where} has {len(raw)} turns, over the limit of {MAX_TURNS}")
    turns = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise BadRecord(f"{here} must be an object with role and text")
        role, text = item.get("role"), item.get("text")
        if role not in ROLES:
            raise BadRecord(f"{here}.role must be one of {', '.join(ROLES)} (got {role!r})")
        if not isinstance(text, str):
            raise BadRecord(f"{here}.text must be a string")
        turns.append(Turn(role, text, parse_timestamp(item.get("timestamp"), f"{here}.timestamp")))
    return tuple(turns)
