"""The CheckResponse written in wire format (server/response.py) against the same answer built with the
generated message classes: byte for byte, on engine results and on hand-made edge cases."""

from __future__ import annotations

import hashlib

import pytest

from tactful.compile.compiler import compile_text
from tactful.engine import check
from tactful.model import Context, Edit, Result, Severity, Suggestion, Turn, Violation
from tactful.server.response import ResponseWriter
from tactful.text import to_utf16
from tactful.v1 import checker_pb2 as pb

PACK = """
pack "t" { version "1" locale zh-Hans }
rule but {
  category contrastive_but
  message "避免“{match}”"
  rationale "认同之后再转折,等于否认前面的认同。"
  when /(是的)[,，]?但是/
  rewrite "{1},同时"
  example bad "是的,但是" -> "是的,同时"
  example good "不但"
}
rule sorry {
  category missing_courtesy
  severity info
  message "不必道歉"
  when "抱歉"
  example bad "抱歉" -> "抱歉"
  example good "好的"
}
"""


@pytest.fixture(scope="module")
def ruleset():
    return compile_text(PACK, "t.tact")


def reference(result: Result, rs, request_id: str, sequence: int, rationale: bool = True) -> pb.CheckResponse:
    """The answer as the generated classes build it: field by field, from the Result."""
    rationales = {r.id: r.rationale for r in rs.rules}
    text = result.text
    offsets = [x for v in result.violations for s in v.suggestions for e in s.edits for x in (e.start, e.end)]
    offsets += [x for e in result.applied for x in (e.start, e.end)]
    u16 = dict(zip(offsets, to_utf16(text, offsets), strict=True))

    def edit(e: Edit) -> pb.Edit:
        return pb.Edit(span=pb.Span(start=e.start, end=e.end, utf16_start=u16[e.start], utf16_end=u16[e.end]), replacement=e.replacement)

    out = pb.CheckResponse(
        rewritten_text=result.rewritten, compliant=not result.violations, ruleset=result.ruleset,
        ruleset_version=result.ruleset_version, request_id=request_id, sequence=sequence,
        applied_edits=[edit(e) for e in result.applied],
    )  # fmt: skip
    seen: dict[str, int] = {}
    for v in result.violations:
        n = seen[v.rule] = seen.get(v.rule, -1) + 1
        digest = hashlib.blake2b(f"{v.rule}\0{n}".encode(), digest_size=4).hexdigest()
        pv = out.violations.add(
            rule_id=v.rule, category=v.category, severity=int(v.severity), message=v.message, matched_text=v.match,
            id=f"{v.rule}-{digest}", rationale=rationales.get(v.rule, "") if rationale else "", pack=v.pack,
            span=pb.Span(start=v.start, end=v.end, utf16_start=v.utf16_start, utf16_end=v.utf16_end),
            suggestions=[pb.Suggestion(description=s.description, edits=[edit(e) for e in s.edits]) for s in v.suggestions],
        )  # fmt: skip
        if v.turn_index is not None:
            pv.turn_index = v.turn_index
    return out


@pytest.mark.parametrize(
    "text",
    ["是的,但是明天到", "好的", "", "😀是的,但是好😀,是的,但是,抱歉", "抱歉" * 3 + "是的,但是" * 70],
    ids=["one", "clean", "empty", "astral", "long"],
)
def test_engine_answers_are_the_bytes_the_generated_classes_give(ruleset, text: str) -> None:
    result = check(ruleset, text)
    writer = ResponseWriter()
    for _ in range(2):  # the second time from the per-rule cache
        data = writer.write(result, ruleset, "req-1", 300)
        assert data == reference(result, ruleset, "req-1", 300).SerializeToString()
    parsed = pb.CheckResponse.FromString(data)
    assert parsed.compliant == (not result.violations) and parsed.sequence == 300
    if any(v.rule == "but" for v in result.violations):
        assert next(v for v in parsed.violations if v.rule_id == "but").rationale == "认同之后再转折,等于否认前面的认同。"
        assert not any(v.rationale for v in pb.CheckResponse.FromString(writer.write(result, ruleset, "r", 0, rationale=False)).violations)
        without = reference(result, ruleset, "r", 0, rationale=False).SerializeToString()
        assert writer.write(result, ruleset, "r", 0, rationale=False) == without


def test_edge_cases_of_the_wire_format(ruleset) -> None:
    """Multi-byte varints (offsets past 127, a 64-bit sequence), an earlier turn at index 0 (an `optional`
    field set to its default), a suggestion without edits, a deletion, a rule the ruleset does not know."""
    text = "x" * 200 + "😀是的,但是"
    v1 = Violation("but", "contrastive_but", Severity.WARNING, "m", 201, 206, 202, 207, "是的,但是",
                   (Suggestion("删掉", (Edit(203, 206, ""),)), Suggestion("only advice")), "t", 0)  # fmt: skip
    v2 = Violation("gone", "c", Severity.ERROR, "", 0, 0, 0, 0, "", (), "", None)
    result = Result(text, (v1, v2, v1), text[:203] + text[206:], "t", ruleset.version, (Edit(203, 206, ""),))
    data = ResponseWriter().write(result, ruleset, "", 2**40 + 5)
    assert data == reference(result, ruleset, "", 2**40 + 5).SerializeToString()
    parsed = pb.CheckResponse.FromString(data)
    assert parsed.violations[0].HasField("turn_index") and not parsed.violations[1].HasField("turn_index")
    assert parsed.violations[0].id != parsed.violations[2].id  # the second occurrence of the rule


def test_context_turns_do_not_change_the_encoding(ruleset) -> None:
    ctx = Context(conversation=(Turn("customer", "抱歉?", None),))
    result = check(ruleset, "是的,但是抱歉", ctx)
    assert ResponseWriter().write(result, ruleset, "id", 1) == reference(result, ruleset, "id", 1).SerializeToString()


def test_every_answer_field_is_one_the_writer_knows() -> None:
    """response.py writes these messages by hand: a field added to the proto must be added there (and
    to `reference` above), or answers would silently lack it. This fails first, naming the message."""
    written = {
        "CheckResponse": {"violations", "rewritten_text", "compliant", "ruleset", "ruleset_version", "request_id", "sequence",
                          "applied_edits", "explanation"},
        "Violation": {"rule_id", "category", "severity", "message", "span", "matched_text", "suggestions", "id", "rationale", "pack",
                      "turn_index"},
        "Span": {"start", "end", "utf16_start", "utf16_end"},
        "Edit": {"span", "replacement"},
        "Suggestion": {"description", "edits"},
    }  # fmt: skip
    for name, fields in written.items():
        assert {f.name for f in getattr(pb, name).DESCRIPTOR.fields} == fields, name
