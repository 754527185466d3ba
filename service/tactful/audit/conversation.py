"""One transcript line -> its QA record: every agent turn checked in context (its position, the
conversation so far, its timestamp), scored. Pure given the library: `tactful audit` and the Spark
job call the same function, so they produce identical records."""

from __future__ import annotations

import json
from typing import Any

from tactful.audit.records import BadRecord, parse_turns
from tactful.audit.score import score
from tactful.compile.ruleset import Library, UnknownRuleset
from tactful.engine import check
from tactful.model import LOCALES, Context, Turn


def _position(k: int, count: int) -> str:
    """The k-th of `count` agent turns: the first opens (greeting), the last closes (thanks)."""
    if k == 0:
        return "first"
    return "last" if k == count - 1 else "middle"


def parse_line(raw: bytes | str) -> dict[str, Any]:
    """A JSON object per line, or BadRecord saying what is wrong."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as err:
        raise BadRecord(f"not valid UTF-8 (byte {err.start})") from None
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRecord(f"malformed JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(rec, dict):
        raise BadRecord('expected an object {"id", "agent_id"?, "lang"?, "turns": [...]}')
    return rec


def audit_record(library: Library, rec: dict[str, Any], line: int, ruleset: str | None = None) -> dict[str, Any]:
    """The QA record of one conversation; BadRecord for a record that cannot be audited."""
    if "turns" not in rec:
        raise BadRecord('missing "turns": a list of {"role": "customer"|"agent", "text", "timestamp"?}')
    turns = parse_turns(rec["turns"])
    conv_id = rec.get("id", f"line-{line}")
    if not isinstance(conv_id, str | int) or isinstance(conv_id, bool):
        raise BadRecord('"id" must be a string or a number')
    agent_id = rec.get("agent_id")
    if agent_id is not None and not isinstance(agent_id, str | int):
        raise BadRecord('"agent_id" must be a string')
    lang = rec.get("lang") or None
    if lang is not None and lang not in LOCALES:
        raise BadRecord(f'"lang" {lang!r} is not one of {", ".join(LOCALES)}')
    agent_turns = [i for i, t in enumerate(turns) if t.role == "agent"]
    try:
        rs = library.select(ruleset, lang, "".join(turns[i].text for i in agent_turns[:3]) or "".join(t.text for t in turns[:3]))
    except UnknownRuleset as err:
        raise BadRecord(str(err.args[0])) from None
    violations: list[dict[str, Any]] = []
    for k, i in enumerate(agent_turns):
        turn: Turn = turns[i]
        ctx = Context(turn=_position(k, len(agent_turns)), locale=lang, conversation=turns[:i], at=turn.at)
        for v in check(rs, turn.text, ctx).violations:
            item: dict[str, Any] = {
                "turn": i,
                "rule": v.rule,
                "category": v.category,
                "severity": v.severity.label,
                "message": v.message,
                "start": v.start,
                "end": v.end,
                "match": v.match,
            }
            if v.turn_index is not None:
                item["turn_index"] = v.turn_index
            violations.append(item)
    by_rule: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for item in violations:
        by_rule[item["rule"]] = by_rule.get(item["rule"], 0) + 1
        by_category[item["category"]] = by_category.get(item["category"], 0) + 1
    started = next((t.at for t in turns if t.at is not None), None)
    return {
        "id": conv_id,
        "agent_id": None if agent_id is None else str(agent_id),
        "lang": lang,
        "ruleset": rs.name,
        "ruleset_version": rs.version,
        "turns": len(turns),
        "agent_turns": len(agent_turns),
        "started_at": started,
        "score": score(item["severity"] for item in violations),
        "violation_count": len(violations),
        "by_category": dict(sorted(by_category.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "violations": violations,
    }


def audit_line(library: Library, line: int, raw: bytes | str, ruleset: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) or (None, what is wrong with the line)."""
    try:
        return audit_record(library, parse_line(raw), line, ruleset), None
    except BadRecord as err:
        return None, str(err)
