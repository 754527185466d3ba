"""The typed client and `tactful check --server` against a running server give the in-process engine's answers."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import grpc
import pytest

from tactful.client import ServiceError, TactfulClient
from tactful.compile.compiler import compile_path
from tactful.engine import check
from tactful.model import Context

DONE_WHEN_TEXT = "是的,但是我们绝对保证明天到货"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tactful", *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=60, check=False
    )


def test_client_result_equals_the_in_process_result(shared_server, shipped_copy):
    ctx = Context(turn="middle", channel="chat", locale="zh-Hans", time=(23, 30))
    with TactfulClient(shared_server.target, timeout=5) as client:
        remote = client.check(DONE_WHEN_TEXT, context=ctx)
    local = check(compile_path(shipped_copy).select(None, "zh-Hans", DONE_WHEN_TEXT), DONE_WHEN_TEXT, ctx)
    assert remote.to_dict() == local.to_dict()
    assert remote.applied == local.applied


def test_client_lists_rules_of_the_chosen_ruleset(shared_server, shipped_copy):
    with TactfulClient(shared_server.target, timeout=5, ruleset="zh") as client:
        rules = client.list_rules()
    local = {r.id: r.info() for r in compile_path(shipped_copy).get("zh").rules}
    assert "no_absolute_promise" in {r.id for r in rules}
    # The same rule summary as the in-process ruleset gives, except `source`, which the API does not carry.
    assert all(r == dataclasses.replace(local[r.id], source="") for r in rules) and len(rules) == len(local)


def test_client_errors_carry_the_status_and_the_servers_message(shared_server):
    with TactfulClient(shared_server.target, timeout=5, ruleset="klingon") as client, pytest.raises(ServiceError) as info:
        client.check("好")
    assert info.value.code is grpc.StatusCode.NOT_FOUND
    assert "available" in str(info.value)


def test_cli_check_through_the_server(shared_server):
    out = _cli("check", "--server", shared_server.target, "--format", "json", DONE_WHEN_TEXT)
    assert out.returncode == 1, out.stderr
    result = json.loads(out.stdout)
    assert {"contrastive_but", "unfulfillable_promise"} <= {v["category"] for v in result["violations"]}
    assert result["ruleset_version"]


def test_cli_check_through_the_server_reports_refusals_in_one_line(shared_server):
    out = _cli("check", "--server", shared_server.target, "--ruleset", "klingon", "好")
    assert out.returncode == 2
    assert out.stderr.startswith("tactful: server ") and "NOT_FOUND" in out.stderr and "Traceback" not in out.stderr


def test_cli_check_with_no_server_listening_says_so(shared_server):
    out = _cli("check", "--server", "127.0.0.1:1", "好")
    assert out.returncode == 2
    assert "cannot reach the checking service at 127.0.0.1:1" in out.stderr and "Traceback" not in out.stderr
