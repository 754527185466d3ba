"""A check's Result -> a serialized tactful.v1.CheckResponse, written directly in protobuf wire format.

Building the answer as messages cost more than anything else of ours per call: with upb every
`add()` and every sub-message access (`pv.span`) costs 1-3 us, so the done-when reply's answer
(2 violations, 2 suggestions, 2 applied edits: 13 messages) took ~15 us to build in a tight loop and
twice that in the running server, a quarter of what the engine took to check it. grpc wants bytes in
the end anyway (app.py passes bytes through), so the answer is written as bytes: the parts that
depend only on the rule (rule_id, category, severity, id, rationale, pack) are encoded once per
ruleset version and rule, the rest field by field. Fields are written in field-number order and
defaults left out, as upb does, so the bytes are the ones `SerializeToString()` of the same message
gives (tests/service/test_response_bytes.py compares them).
"""

from __future__ import annotations

import hashlib

from tactful.compile.ruleset import Ruleset
from tactful.model import Edit, Result, Violation
from tactful.text import to_utf16

_VARINT, _LEN = 0, 2
_SEVERITY = {1: 1, 2: 2, 3: 3}  # model Severity -> tactful.v1.Severity (SEVERITY_INFO = 1 ... SEVERITY_ERROR = 3)
_SMALL = [bytes((i,)) for i in range(128)]


def varint(n: int) -> bytes:
    """Base-128, least significant group first (uint32/uint64/enum/length fields).

    >>> varint(5), varint(300)
    (b'\\x05', b'\\xac\\x02')
    """
    if n < 128:
        return _SMALL[n]
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _tag(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def _string(tag: bytes, value: str) -> bytes:
    """A string field; empty for the default "", which proto3 leaves out."""
    if not value:
        return b""
    data = value.encode()
    n = len(data)
    return tag + (_SMALL[n] if n < 128 else varint(n)) + data


def _nested(tag: bytes, data: bytes) -> bytes:
    """A sub-message field; written even when empty (the message is set, as `msg.sub.x = 0` sets it)."""
    return tag + varint(len(data)) + data


def _uint(tag: bytes, value: int) -> bytes:
    return tag + varint(value) if value else b""


# CheckResponse
_R_VIOLATIONS, _R_REWRITTEN, _R_COMPLIANT, _R_RULESET = _tag(1, _LEN), _tag(2, _LEN), _tag(3, _VARINT), _tag(4, _LEN)
_R_VERSION, _R_REQUEST_ID, _R_SEQUENCE = _tag(5, _LEN), _tag(6, _LEN), _tag(7, _VARINT)
_R_APPLIED, _R_EXPLANATION = _tag(8, _LEN), _tag(9, _LEN)
# Violation
_V_RULE, _V_CATEGORY, _V_SEVERITY, _V_MESSAGE, _V_SPAN = _tag(1, _LEN), _tag(2, _LEN), _tag(3, _VARINT), _tag(4, _LEN), _tag(5, _LEN)
_V_MATCHED, _V_SUGGESTIONS, _V_ID, _V_RATIONALE, _V_PACK, _V_TURN = (
    _tag(6, _LEN), _tag(7, _LEN), _tag(8, _LEN), _tag(9, _LEN), _tag(10, _LEN), _tag(11, _VARINT),
)  # fmt: skip
# Span, Edit, Suggestion
_S_START, _S_END, _S_U16_START, _S_U16_END = _tag(1, _VARINT), _tag(2, _VARINT), _tag(3, _VARINT), _tag(4, _VARINT)
_E_SPAN, _E_REPLACEMENT = _tag(1, _LEN), _tag(2, _LEN)
_G_DESCRIPTION, _G_EDITS = _tag(1, _LEN), _tag(2, _LEN)


def _span(start: int, end: int, utf16_start: int, utf16_end: int) -> bytes:
    """A Span's body."""
    if 0 < start and end < 128 and 0 < utf16_start and utf16_end < 128:  # the usual case: four one-byte varints
        return bytes((8, start, 16, end, 24, utf16_start, 32, utf16_end))
    return _uint(_S_START, start) + _uint(_S_END, end) + _uint(_S_U16_START, utf16_start) + _uint(_S_U16_END, utf16_end)


def _edit(e: Edit, u16: dict[int, int] | None) -> bytes:
    """An Edit's body."""
    span = _span(e.start, e.end, e.start, e.end) if u16 is None else _span(e.start, e.end, u16[e.start], u16[e.end])
    return _E_SPAN + _SMALL[len(span)] + span + _string(_E_REPLACEMENT, e.replacement)  # a Span is at most 24 bytes


def violation_id(v: Violation, occurrence: int) -> str:
    """The n-th violation of a rule keeps its id from draft to draft, so a UI highlight does not flicker.

    The matched words are deliberately not part of the id: while the agent types, a match grows
    ("是的,但" -> "是的,但是") and is still the same violation.

    >>> from tactful.model import Severity
    >>> a = Violation("no_but", "contrastive_but", Severity.WARNING, "m", 3, 6, 3, 6, "是的,但")
    >>> b = Violation("no_but", "contrastive_but", Severity.WARNING, "m", 3, 7, 3, 7, "是的,但是")
    >>> violation_id(a, 0) == violation_id(b, 0) != violation_id(b, 1)
    True
    """
    digest = hashlib.blake2b(f"{v.rule}\0{occurrence}".encode(), digest_size=4).hexdigest()
    return f"{v.rule}-{digest}"


class ResponseWriter:
    """Writes CheckResponses; caches, per ruleset version, each rule's encoded static fields."""

    def __init__(self) -> None:
        # (version, rule id, occurrence, with rationale) -> (fields 1-3, fields 8-10) of the Violation
        self._static: dict[tuple[str, str, int, bool], tuple[bytes, bytes]] = {}
        self._rules: dict[str, dict[str, tuple[str, str]]] = {}  # version -> rule id -> (rationale, pack)
        self._names: dict[tuple[str, str], bytes] = {}  # (ruleset, version) -> their two fields

    def _parts(self, rs: Ruleset, v: Violation, occurrence: int, rationale: bool) -> tuple[bytes, bytes]:
        key = (rs.version, v.rule, occurrence, rationale)
        found = self._static.get(key)
        if found is not None:
            return found
        rules = self._rules.get(rs.version)
        if rules is None:
            if len(self._rules) > 64:  # reloads add versions; old ones are never asked for again
                self._rules.clear()
                self._static.clear()
            rules = self._rules[rs.version] = {r.id: (r.rationale, r.pack) for r in rs.rules}
        why = rules.get(v.rule, ("", ""))[0] if rationale else ""
        head = _string(_V_RULE, v.rule) + _string(_V_CATEGORY, v.category) + _uint(_V_SEVERITY, _SEVERITY[v.severity])
        tail = _string(_V_ID, violation_id(v, occurrence)) + _string(_V_RATIONALE, why) + _string(_V_PACK, v.pack)
        if occurrence < 8 and len(self._static) < 65536:  # rules x first few occurrences; the rest are rare
            self._static[key] = (head, tail)
        return head, tail

    def _violation(self, v: Violation, n: int, rs: Ruleset, rationale: bool, u16: dict[int, int] | None) -> bytes:
        """The body of the `n`-th Violation of its rule."""
        head, tail = self._static.get((rs.version, v.rule, n, rationale)) or self._parts(rs, v, n, rationale)
        span = _span(v.start, v.end, v.utf16_start, v.utf16_end)
        message, match = v.message.encode(), v.match.encode()
        body = [head]
        if message:
            body += (_V_MESSAGE, _SMALL[len(message)] if len(message) < 128 else varint(len(message)), message)
        body += (_V_SPAN, _SMALL[len(span)], span)
        if match:
            body += (_V_MATCHED, _SMALL[len(match)] if len(match) < 128 else varint(len(match)), match)
        for sg in v.suggestions:
            suggestion = _string(_G_DESCRIPTION, sg.description)
            for e in sg.edits:
                edit = _edit(e, u16)
                suggestion += _G_EDITS + _SMALL[len(edit)] + edit if len(edit) < 128 else _G_EDITS + varint(len(edit)) + edit
            body += (_V_SUGGESTIONS, _SMALL[len(suggestion)] if len(suggestion) < 128 else varint(len(suggestion)), suggestion)
        body.append(tail)
        if v.turn_index is not None:  # `optional`: written when set, even to 0
            body.append(_V_TURN + varint(v.turn_index))
        return b"".join(body)

    def write(
        self, result: Result, rs: Ruleset, request_id: str, sequence: int = 0, rationale: bool = True, explanation: bytes | None = None
    ) -> bytes:
        """The serialized CheckResponse for `result`; `rationale=False` leaves Violation.rationale empty,
        `explanation` is a serialized Explanation to include."""
        # Written out rather than in small helpers: a Python call costs about as much as the bytes it
        # makes, and an answer has a hundred of them.
        parts: list[bytes] = []
        u16: dict[int, int] | None = None
        violations = result.violations
        if violations:
            text = result.text
            if text and max(text) > "\uffff":  # astral characters (emoji) count twice in UTF-16
                offsets = [x for v in violations for sg in v.suggestions for e in sg.edits for x in (e.start, e.end)]
                offsets += [x for e in result.applied for x in (e.start, e.end)]
                u16 = dict(zip(offsets, to_utf16(text, offsets), strict=True))
            seen: dict[str, int] = {}
            for v in violations:
                n = seen.get(v.rule, 0)
                seen[v.rule] = n + 1
                data = self._violation(v, n, rs, rationale, u16)
                parts += (_R_VIOLATIONS, _SMALL[len(data)] if len(data) < 128 else varint(len(data)), data)
        parts.append(_string(_R_REWRITTEN, result.rewritten))
        if not violations:
            parts.append(_R_COMPLIANT + b"\x01")
        names = self._names.get((result.ruleset, result.ruleset_version))
        if names is None:
            if len(self._names) > 64:
                self._names.clear()
            names = self._names[(result.ruleset, result.ruleset_version)] = (
                _string(_R_RULESET, result.ruleset) + _string(_R_VERSION, result.ruleset_version)
            )
        parts.append(names)
        parts.append(_string(_R_REQUEST_ID, request_id))
        if sequence:
            parts.append(_R_SEQUENCE + varint(sequence))
        for e in result.applied:
            edit = _edit(e, u16)
            parts += (_R_APPLIED, _SMALL[len(edit)] if len(edit) < 128 else varint(len(edit)), edit)
        if explanation is not None:
            parts.append(_nested(_R_EXPLANATION, explanation))
        return b"".join(parts)
