"""Golden tests on the scripts quoted from the training documents (tests/packs/fixtures).

seed_good.jsonl: the recommended scripts (标准话术, 开头语/结束语, 受理人 answers). They must not
get an error-severity violation from the Chinese pack, except where another norm of the documents
contradicts the script (listed in SEED_GOOD_EXCEPTIONS and in rules/README.md).
seed_bad.jsonl: the wrong replies the documents show; each must be flagged with all its categories.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tactful.compile.ruleset import Library
from tactful.engine import check
from tactful.model import Context, Severity

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# id -> the rules allowed to report an error there, and why (see rules/README.md).
SEED_GOOD_EXCEPTIONS: dict[str, set[str]] = {
    # 001 recommends “以后决不会有类似的事发生,我保证不会有同样事情发生”; 003 话術合規 forbids
    # promising what cannot be kept. We keep flagging it: the stricter, later norm wins.
    "seed-good-031": {"no_absolute_promise", "no_never_again_promise"},
}


def _load(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


SEED_GOOD = _load("seed_good.jsonl")
SEED_BAD = _load("seed_bad.jsonl")


def _ctx(rec: dict) -> Context:
    return Context(locale=rec.get("lang"))


@pytest.mark.parametrize("rec", SEED_GOOD, ids=[r["id"] for r in SEED_GOOD])
def test_recommended_script_has_no_error(library: Library, rec: dict) -> None:
    rs = library.get("zh")
    errors = [v for v in check(rs, rec["text"], _ctx(rec)).violations if v.severity >= Severity.parse("error")]
    allowed = SEED_GOOD_EXCEPTIONS.get(rec["id"], set())
    unexpected = [f"{v.rule}: “{v.match}”" for v in errors if v.rule not in allowed]
    assert not unexpected, f"{rec['id']} {rec['text']!r}: {unexpected}"


def test_exceptions_are_still_needed(library: Library) -> None:
    """An exception that no longer fires should be removed from the list (and the README)."""
    rs = library.get("zh")
    by_id = {r["id"]: r for r in SEED_GOOD}
    for sid, rules in SEED_GOOD_EXCEPTIONS.items():
        fired = {v.rule for v in check(rs, by_id[sid]["text"], _ctx(by_id[sid])).violations}
        assert fired & rules, f"{sid}: exception no longer needed"


@pytest.mark.parametrize("rec", SEED_BAD, ids=[r["id"] for r in SEED_BAD])
def test_wrong_reply_is_flagged_with_its_categories(library: Library, rec: dict) -> None:
    rs = library.get("zh")
    got = {v.category for v in check(rs, rec["text"], _ctx(rec)).violations}
    missing = set(rec["norms"]) - got
    assert not missing, f"{rec['id']} {rec['text']!r}: missing {sorted(missing)} (got {sorted(got)})"


def test_traditional_and_simplified_agree(library: Library) -> None:
    """t2s normalization: a Traditional wrong reply and its Simplified form get the same categories."""
    rs = library.get("zh")
    pairs = [("這不是我們的問題,您找錯地方了", "这不是我们的问题,您找错地方了"), ("您別吵了,我會處理的", "您别吵了,我会处理的")]
    for hant, hans in pairs:
        a = {v.category for v in check(rs, hant).violations}
        b = {v.category for v in check(rs, hans).violations}
        assert a == b and a
