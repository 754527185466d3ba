"""Linearity: on long repetitive replies the engine's work grows linearly with the reply's length.

Work is counted, not timed: a trace hook counts every Python line the tactful package executes
(and every call or generator step into it) during one check. A linear engine does at most about
twice the work on a reply twice as long; a quadratic one (every match tested against every cue
hit, say) does about four times as much. C code called from the engine (RE2, the automaton,
sorting, bisect) is not counted here; bench/engine.py times the same kind of inputs end to end.
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tactful
from tactful.cli.library import shipped_rules
from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.conditions import Match
from tactful.conditions.nodes import Contains, Near, near_indexed
from tactful.conditions.spans import SpanIndex
from tactful.engine import check

PACKAGE = str(Path(tactful.__file__).resolve().parent)
SHORT, LONG = 1_500, 3_000
MAX_GROWTH = 2.3


@lru_cache(maxsize=1)
def library() -> Library:
    return compile_path(shipped_rules())


def operations(rs: Any, text: str) -> int:
    """Python lines executed inside the tactful package while checking `text`."""
    count = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        count += 1
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if frame.f_code.co_filename.startswith(PACKAGE):
            count += 1
            return local
        return None

    check(rs, text)  # untraced first: lazy tables and caches are built once per process, not per reply
    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        check(rs, text)
    finally:
        sys.settrace(previous)
    return count


def repeat_to(unit: str, n: int) -> str:
    return (unit * math.ceil(n / len(unit)))[:n]


def _trigger_words() -> list[str]:
    """A spread of every shipped pack's literal terms (a few dozen per pack) and phrases that
    its regexes and scopes react to, with punctuation and filler to separate them."""
    words: list[str] = []
    for name in library().leaves:
        terms = sorted(library().get(name).matcher.terms)
        words += terms[:: max(1, len(terms) // 40)]
    words += ["是的,但是", "不保证明天到货。", "绝对保证", "不知道", "您", "不", "吗", "如果", "“", "验证码", "好哒~", "666"]
    words += ["but ", "I guarantee ", "don't know ", "sorry", "not ", "you ", "?", "lol "]
    return [*words, ",", "。", "!", " ", "\n", "的", "a", "x", "*", "…"]


PIECES = _trigger_words()
units = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(units)
@example("是的,但是")  # contrastive_but: a match per unit, each checked against every scope cue
@example("不保证明天到货。")  # a negation cue before every promise: scope windows
@example("亲,不知道吗?如果")  # hedges after and conditionals before: both directions of a scope
@example("您好!谢谢")  # greetings and closings everywhere
@example("是的但是不保证绝对您不知道如果吗")  # one long clause: no punctuation to stop a window
@example("but I guarantee you don't know. sorry lol ")
@example("“以后不会再,")  # an unpaired quotation mark per clause: `unless quoted` searched to the end for each
@example(", , 不过")  # leading punctuation shared by many clause starts
def test_work_grows_linearly_on_repetitive_replies(unit: str) -> None:
    for name in library().leaves:
        rs = library().get(name)
        short, long = operations(rs, repeat_to(unit, SHORT)), operations(rs, repeat_to(unit, LONG))
        assert long <= MAX_GROWTH * short, f"{name}: {unit!r} x{SHORT} chars -> {short} ops, x{LONG} -> {long} ({long / short:.2f}x)"


# The index answers exactly what the all-pairs loops answered.
spans = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8)).map(lambda p: Match(p[0], p[0] + p[1])), max_size=30)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(spans, spans, st.integers(0, 6), st.booleans())
def test_near_index_agrees_with_pairwise_test(lefts: list[Match], rights: list[Match], within: int, ordered: bool) -> None:
    node = Near(Contains(0), Contains(0), within, ordered)  # only _close is used; the compiled core requires real nodes
    expected = [m for m in lefts if any(node._close(m, r) for r in rights)]
    assert near_indexed(lefts, rights, within, ordered) == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(spans, st.integers(0, 48), st.integers(0, 8))
def test_span_index_answers_like_a_scan(found: list[Match], start: int, length: int) -> None:
    end = start + length
    index = SpanIndex(found)
    assert index.overlaps(start, end) == any(s.start < end and start < s.end for s in found)
    assert index.overlaps_other(start, end) == any(s.start < end and start < s.end and (s.start, s.end) != (start, end) for s in found)
    assert index.first_start_from(start) == min((s.start for s in found if s.start >= start), default=None)
    assert index.last_end_upto(end) == max((s.end for s in found if s.end <= end), default=None)


def test_a_long_check_leaves_the_collector_as_it_found_it() -> None:
    import gc

    rs = library().get("zh")
    text = repeat_to("是的,但是", LONG * 2)
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            assert check(rs, text).violations
            assert gc.isenabled() is state
    finally:
        (gc.enable if was else gc.disable)()


def test_work_is_counted_on_the_pure_python_engine() -> None:
    """Compiled modules (the mypyc core `pip install .` builds) execute no Python lines for the
    trace hook to count, so where the installed engine is compiled the counting test is run again
    on the pure sources of this checkout, which are the same code."""
    import importlib
    import os
    import subprocess

    engine_file = importlib.import_module("tactful.engine.check").__file__ or ""
    if engine_file.endswith(".py"):
        assert engine_file.startswith(PACKAGE)  # the counting above ran the pure engine itself
        return
    service = Path(__file__).resolve().parents[2] / "service"
    env = {**os.environ, "PYTHONPATH": str(service)}
    probe = [sys.executable, "-c", "import importlib; print(importlib.import_module('tactful.engine.check').__file__)"]
    assert subprocess.run(probe, env=env, capture_output=True, text=True, check=True).stdout.strip().endswith(".py")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "work_grows_linearly"],
        env=env,
        capture_output=True,
        text=True,
        cwd=service.parent,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
