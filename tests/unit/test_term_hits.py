"""Matcher.scan_terms returns TermHits, a read-only mapping that makes Match objects on first read:
it must answer like the plain dict of every literal hit per term set it replaced."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.compile.matchers import Matcher

TERMS = ["不", "不保证", "保证", "u", "you", "ok", "好的", "的"]
SETS = [(0,), (0, 1), (1,), (2,), (2, 3), (3,), (4,), (1, 4)]  # term i belongs to sets SETS[i]
MATCHER = Matcher(TERMS, SETS, [])


def _word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def reference(text: str) -> dict[int, list[tuple[int, int, str]]]:
    """Every occurrence of every term (overlapping), Latin words only as whole words, by a scan."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    for idx, term in enumerate(TERMS):
        at = text.find(term)
        while at >= 0:
            end = at + len(term)
            whole = not (_word(term[0]) and at > 0 and _word(text[at - 1])) and not (
                _word(term[-1]) and end < len(text) and _word(text[end])
            )
            if whole:
                for sid in SETS[idx]:
                    out.setdefault(sid, []).append((at, end, term))
            at = text.find(term, at + 1)
    return {sid: sorted(hits) for sid, hits in out.items()}


texts = st.lists(st.sampled_from(["不保证", "保证", "不", "you", "u", " ", "ok", "好的", "book", "的", "x"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(texts)
def test_term_hits_answer_like_a_dict_of_every_hit(text: str) -> None:
    hits = MATCHER.scan_terms(text)
    expected = reference(text)
    assert sorted(hits) == sorted(expected) and len(hits) == len(expected)
    for sid in range(6):
        assert (sid in hits) == (sid in expected)
        got = hits.get(sid)
        assert got is hits.get(sid)  # made once, then the same list
        assert (sorted((m.start, m.end, m.term) for m in got) if got is not None else None) == expected.get(sid)
    kept = hits.keep(lambda start, end: start % 2 == 0)
    assert {sid: sorted((m.start, m.end) for m in kept[sid]) for sid in kept} == {
        sid: f for sid, h in expected.items() if (f := sorted((s, e) for s, e, _ in h if s % 2 == 0))
    }
