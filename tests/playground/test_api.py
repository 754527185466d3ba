"""The playground's HTTP/JSON API on a real server: compile errors as diagnostics, bad requests as
400 with what to fix, bounds, and the check + explain answer."""

from __future__ import annotations

from tactful.cli.playground_cmd import is_loopback

PACK = {
    "t/pack.tact": 'pack "t" { version "1" locale zh-Hans }\nlist p = ["保证"]\nlist ex = ["为了保证"]\n'
    'rule r {\n  category unfulfillable_promise\n  message "m"\n  when @p\n  unless @ex\n'
    '  example bad "我保证" example good "为了保证"\n}\n'
}


def test_starters_include_the_shipped_zh_pack_with_its_parent_and_the_example(playground) -> None:
    status, body = playground.request("/api/starters")
    assert status == 200
    names = [s["name"] for s in body["starters"]]
    assert names[0] == "zh" and "example" in names
    zh = body["starters"][0]["files"]
    assert {"zh/pack.tact", "common/pack.tact", "zh/slang.txt"} <= set(zh)


def test_compile_error_comes_back_as_a_diagnostic_at_its_file_and_line(playground) -> None:
    broken = {"t/pack.tact": PACK["t/pack.tact"].replace("when @p", "when @q")}
    status, body = playground.request("/api/compile", {"files": broken})
    assert status == 200 and body["ok"] is False
    (d,) = body["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["column"]) == ("E203", "t/pack.tact", 7, 8)
    assert "tactful-playground-" not in str(body)  # no temp paths leak to the page


def test_check_returns_violations_and_the_trace(playground) -> None:
    status, body = playground.request("/api/check", {"files": PACK, "text": "为了保证安全,我保证", "context": {"turn": "middle"}})
    assert status == 200 and body["ok"]
    assert [(v["rule"], v["start"], v["end"]) for v in body["violations"]] == [("r", 8, 10)]
    (t,) = body["trace"]
    assert t["verdict"] == "fired" and t["location"] == "t/pack.tact:4:6"
    (removed,) = t["removed"]
    assert (removed["span"]["text"], removed["cue"]["text"], removed["location"]) == ("保证", "为了保证", "t/pack.tact:8:10")


def test_test_endpoint_runs_the_examples(playground) -> None:
    status, body = playground.request("/api/test", {"files": PACK})
    assert status == 200 and (body["passed"], body["failed"]) == (2, 0)
    assert {(o["file"], o["line"]) for o in body["outcomes"]} == {("t/pack.tact", 9)}


def test_bad_requests_say_what_to_fix(playground) -> None:
    assert playground.request("/api/compile", raw=b"not json")[0] == 400
    status, body = playground.request("/api/compile", {"files": {"../evil.tact": "x"}})
    assert status == 400 and "file name" in body["error"]
    status, body = playground.request("/api/check", {"files": PACK, "text": "x", "context": {"turn": "sometimes"}})
    assert status == 400 and "context.turn" in body["error"]
    status, body = playground.request("/api/check", {"files": PACK, "text": "x", "ruleset": "nope"})
    assert status == 400 and "unknown ruleset" in body["error"]
    status, body = playground.request("/api/compile", {"files": {"a.tact": "x" * (1024 * 1024 + 1)}})
    assert status == 400 and "over the limit" in body["error"]
    status, body = playground.request("/api/compile", raw=b'{"files": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    assert status == 413 and "over" in body["error"]


def test_only_loopback_addresses_count_as_local() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.com")
