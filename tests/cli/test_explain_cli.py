"""`tactful explain` as a real subprocess on the shipped packs: the done-when reply, JSON, --rule, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Cli = Callable[..., Any]
DONE_WHEN = "为了保证您的账户安全,请勿透露验证码"


def test_done_when_shows_the_exception_that_excused_the_promise(cli: Cli) -> None:
    res = cli("explain", DONE_WHEN)
    assert res.rc == 0, res.err
    block = res.out.split("rule no_absolute_promise ", 1)[1].split("\nrule ", 1)[0]
    assert "EXCUSED" in block.splitlines()[0]
    assert "“保证” at 2..4 overlaps “为了保证” at 0..4 of `unless @promise_exceptions`" in block
    lines = block.splitlines()
    reply = next(i for i, line in enumerate(lines) if line.strip() == DONE_WHEN)
    assert lines[reply + 1].strip().startswith("~~~~ removed by unless")
    assert lines[reply + 1].index("~") == lines[reply].index("保")  + 2  # two cells per CJK character before it


def test_json_trace_of_the_done_when_reply(cli: Cli) -> None:
    res = cli("explain", "--format", "json", "--rule", "no_absolute_promise", DONE_WHEN)
    assert res.rc == 0, res.err
    out = json.loads(res.out)
    assert out["violations"] == [] and out["text"] == DONE_WHEN
    (t,) = out["trace"]
    assert (t["rule"], t["verdict"], t["fired"]) == ("no_absolute_promise", "excused", False)
    (r,) = t["removed"]
    assert (r["by"], r["span"]["text"], r["span"]["start"], r["span"]["end"]) == ("unless", "保证", 2, 4)
    assert (r["cue"]["text"], r["source"]) == ("为了保证", "@promise_exceptions")
    assert r["location"].endswith(tuple(f":{n}" for n in range(1, 200)))
    assert t["when"]["holds"] and [s["text"] for s in t["when"]["spans"]] == ["保证"]


SCOPED_PACK = """
pack "s" { version "1" locale zh-Hans }
list negators = ["不", "没"]
scope negated { before @negators within 2 clause }
rule promise {
  category unfulfillable_promise
  message "m"
  when ["保证"]
  unless in negated
  example bad "我保证" example good "不能保证"
}
"""


def test_a_firing_rule_exits_1_and_a_scope_removal_names_scope_and_cue(cli: Cli, write_pack) -> None:
    fired = cli("explain", "--format", "json", "是的,但是我们绝对保证明天到货")
    assert fired.rc == 1
    verdicts = {t["rule"]: t["verdict"] for t in json.loads(fired.out)["trace"]}
    assert verdicts["no_absolute_promise"] == "fired" and verdicts["yes_and_over_but"] == "fired"
    pack = write_pack({"s.tact": SCOPED_PACK})
    res = cli("explain", "--rules", str(pack), "--format", "json", "我们不能保证")
    assert res.rc == 0, res.err
    (t,) = json.loads(res.out)["trace"]
    (r,) = t["removed"]
    assert (r["by"], r["scope"], r["direction"], r["distance"], r["cue"]["text"]) == ("scope", "negated", "before", 1, "不")
    assert r["source"] == "before @negators within 2 clause" and r["location"].endswith("s.tact:4:17")
    text = cli("explain", "--rules", str(pack), "我们不能保证").out
    assert "in scope negated, cue “不” 2..3 1 char(s) before it, within 2" in text


def test_context_flags_reach_the_trace(cli: Cli) -> None:
    res = cli("explain", "--format", "json", "--turn", "first", "--rule", "greet_first", "请问有什么可以帮您")
    (t,) = json.loads(res.out)["trace"]
    assert t["verdict"] == "fired"
    assert t["when"]["children"][0]["note"] == "turn is first"


def test_unknown_rule_and_bad_context_are_usage_errors(cli: Cli) -> None:
    res = cli("explain", "--rule", "no_such_rule", DONE_WHEN)
    assert res.rc == 2 and "unknown rule 'no_such_rule'" in res.err and "Traceback" not in res.err
    res = cli("explain", "--time", "25:00", DONE_WHEN)
    assert res.rc == 2 and "out of range" in res.err
