"""The work budget: long replies are checked in pool processes, off the event loop, under a CPU budget.

Real servers on loopback, real stubs, real pool processes (and a real SIGSTOP to hold one still);
ordering and completion are asserted, never timings.
"""

from __future__ import annotations

import fcntl
import os
import signal
import termios
from pathlib import Path

import grpc
import pytest

from tactful.compile.compiler import compile_path
from tactful.engine import check
from tactful.model import Context
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

UNIT = "是的,但是我们绝对保证明天到货。"
BIG = UNIT * (64 * 1024 // len(UNIT.encode()))  # 64 KiB of repeated violations: the adversarial request
SHORT = "是的,但是我们绝对保证明天到货"
PROBE = 'rule pool_probe {\n  category rude\n  message "probe"\n  when /不耐烦/\n  example bad "你不耐烦了"\n  example good "好的"\n}\n'
BIG_OPTIONS = [("grpc.max_receive_message_length", -1)]


def _stub(running) -> pb_grpc.CheckerServiceStub:
    return pb_grpc.CheckerServiceStub(grpc.insecure_channel(running.target, options=BIG_OPTIONS))


def test_a_long_reply_is_checked_off_the_loop_and_short_ones_keep_being_answered(start_server, shipped_copy, poll):
    running = start_server(shipped_copy, pool_warm=True)
    pool = running.service.pool
    [pid] = poll(lambda: pool.pids, what="the pool process to start")
    stub = _stub(running)
    os.kill(pid, signal.SIGSTOP)  # the pool process cannot answer until SIGCONT: the long check is surely in flight
    try:
        big = stub.Check.future(pb.CheckRequest(text=BIG, ruleset="zh"), timeout=300)
        answered = [stub.Check(pb.CheckRequest(text=SHORT, ruleset="zh", request_id=f"s{i}"), timeout=30) for i in range(20)]
        assert not big.done()
        assert [r.request_id for r in answered] == [f"s{i}" for i in range(20)]
        assert all({"contrastive_but", "unfulfillable_promise"} <= {v.category for v in r.violations} for r in answered)
    finally:
        os.kill(pid, signal.SIGCONT)
    response = big.result()
    expected = check(compile_path(shipped_copy).get("zh"), BIG, Context())
    assert len(expected.violations) > 2000
    assert [(v.rule_id, v.span.start, v.span.end) for v in response.violations] == [(v.rule, v.start, v.end) for v in expected.violations]
    assert response.rewritten_text == expected.rewritten
    assert response.ruleset_version == expected.ruleset_version
    assert pool.pids == [pid]


def test_a_check_over_the_budget_gets_resource_exhausted_and_the_pool_process_stays(start_server, shipped_copy):
    running = start_server(shipped_copy, check_budget_ms=1)
    stub = _stub(running)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Check(pb.CheckRequest(text=BIG, ruleset="zh"), timeout=300)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "budget of 1 ms of CPU time" in caught.value.details() and "shorter reply" in caught.value.details()
    pids = running.service.pool.pids
    # Short replies are checked inline, as before; the interrupted pool process is reused, not replaced.
    assert stub.Check(pb.CheckRequest(text=SHORT), timeout=30).violations
    batch = stub.BatchCheck(
        pb.BatchCheckRequest(requests=[pb.CheckRequest(text=SHORT), pb.CheckRequest(text=BIG), pb.CheckRequest(text=SHORT)])
    )
    assert [(e.index, e.code) for e in batch.errors] == [(1, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0])]
    assert batch.responses[0].violations and batch.responses[2].violations and not batch.responses[1].violations
    assert running.service.pool.pids == pids and len(pids) == 1


def test_check_stream_drafts_over_the_threshold_go_through_the_pool(start_server, shipped_copy):
    running = start_server(shipped_copy, offload_bytes=64)
    drafts = [pb.CheckStreamRequest(draft=pb.CheckRequest(text=SHORT * n, ruleset="zh", sequence=n)) for n in (1, 4)]
    answers = []
    for draft in drafts:  # one at a time, so neither is superseded
        answers += list(_stub(running).CheckStream(iter([draft]), timeout=120))
    assert [a.result.sequence for a in answers] == [1, 4]
    assert [len(a.result.violations) for a in answers] == [2, 8]
    assert len(running.service.pool.pids) == 1  # the 4x draft (over 64 bytes) started the pool process


def test_a_pooled_answer_is_the_inline_answer_explanation_included(start_server, shipped_copy):
    pooled, inline = start_server(shipped_copy, offload_bytes=64), start_server(shipped_copy, pool_processes=0)
    ctx = pb.Context(turn=pb.TURN_MIDDLE, channel="chat", customer_message="什么时候到?")
    request = pb.CheckRequest(text=SHORT * 3 + "我们不能保证", context=ctx, explain=True, request_id="same", sequence=7)
    answer = _stub(pooled).Check(request, timeout=120)
    assert answer == _stub(inline).Check(request, timeout=30)
    assert answer.explanation.ByteSize() and answer.violations
    assert len(pooled.service.pool.pids) == 1 and inline.service.pool is None


def test_a_reload_reaches_the_pool_and_a_killed_pool_process_is_replaced(start_server, rules_copy, poll):
    running = start_server(rules_copy, reload_interval=0.05)
    stub = _stub(running)
    text = "你不耐烦了。" + BIG[: 8 * 1024]
    before = stub.Check(pb.CheckRequest(text=text, ruleset="zh"), timeout=300)
    assert before.ruleset_version == stub.Check(pb.CheckRequest(text="你好", ruleset="zh"), timeout=30).ruleset_version
    assert "pool_probe" not in {v.rule_id for v in before.violations}

    (rules_copy / "zh" / "probe.tact").write_text(PROBE, encoding="utf-8")
    new = poll(
        lambda: (v := stub.Check(pb.CheckRequest(text="你好", ruleset="zh"), timeout=30).ruleset_version) != before.ruleset_version and v
    )
    after = stub.Check(pb.CheckRequest(text=text, ruleset="zh"), timeout=300)
    assert after.ruleset_version == new
    assert "pool_probe" in {v.rule_id for v in after.violations}

    # Break the rules on disk, then kill the pool process: its replacement compiles the last good rules (a private
    # copy), not the broken files.
    failures = running.metric("tactful_ruleset_reloads_total", result="failure")
    (rules_copy / "zh" / "broken.tact").write_text("rule broken {\n  category rude\n  when /(/\n}\n", encoding="utf-8")
    poll(lambda: running.metric("tactful_ruleset_reloads_total", result="failure") > failures, what="the broken file to be rejected")
    [old_pid] = running.service.pool.pids
    os.kill(old_pid, signal.SIGKILL)
    again = stub.Check(pb.CheckRequest(text=text, ruleset="zh"), timeout=300)
    assert again.ruleset_version == new and "pool_probe" in {v.rule_id for v in again.violations}
    assert running.service.pool.pids and old_pid not in running.service.pool.pids


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None if it is gone."""
    try:
        state, ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    except OSError:
        return None
    return state, int(ppid)


def _pool_processes() -> dict[int, int]:
    """Every live pool process on the machine (pid -> parent pid), from /proc; a zombie has exited."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            is_pool = entry.name.isdigit() and b"tactful.server.pool_process" in (entry / "cmdline").read_bytes()
        except OSError:
            continue
        stat = _stat(int(entry.name)) if is_pool else None
        if stat is not None and stat[0] != "Z":
            found[int(entry.name)] = stat[1]
    return found


def _pools_under(root: int) -> set[int]:
    """The pool processes of `root` and of its children (the supervisor's workers)."""
    pools = _pool_processes()
    return {pid for pid, ppid in pools.items() if ppid == root or (_stat(ppid) or ("", 0))[1] == root}


def _pending_input(pid: int) -> int:
    """Bytes written to a process's stdin pipe that it has not read yet (FIONREAD on the same pipe)."""
    fd = os.open(f"/proc/{pid}/fd/0", os.O_RDONLY | os.O_NONBLOCK)
    try:
        buf = bytearray(4)
        fcntl.ioctl(fd, termios.FIONREAD, buf)
        return int.from_bytes(buf, "little")
    finally:
        os.close(fd)


def test_sigterm_drains_a_pooled_call_and_leaves_no_pool_process(serve_process, shipped_copy, poll):
    workers = 2  # the supervisor's workers each have a pool process
    server = serve_process("--port", "0", "--workers", str(workers), "--rules", str(shipped_copy), "--grace", "60")
    port = server.wait_serving(workers=workers, timeout=180.0)
    pools = poll(lambda: (p := _pools_under(server.proc.pid)) and len(p) == workers and p, 60.0, "a pool process per worker")
    poll(lambda: len(server.events("pool process compiled the rules")) == workers, 120.0, "the pool processes to compile the rules")
    for pid in pools:
        os.kill(pid, signal.SIGSTOP)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}", options=BIG_OPTIONS) as channel:
            big = pb_grpc.CheckerServiceStub(channel).Check.future(pb.CheckRequest(text=BIG[: 16 * 1024], ruleset="zh"), timeout=300)
            # The job is in a pool process's pipe (it may still be compiling the rules, or stopped): the call is in flight.
            poll(lambda: any(_pending_input(pid) for pid in pools), 60.0, "the long reply to reach a pool process")
            server.proc.send_signal(signal.SIGTERM)
            poll(lambda: server.events("shutting down"), 30.0, "the server to start draining")
            for pid in pools:
                os.kill(pid, signal.SIGCONT)
            assert len(big.result().violations) > 500  # drained: the call in flight was answered
    finally:
        for pid in pools:
            if _stat(pid):
                os.kill(pid, signal.SIGCONT)
    assert server.wait(timeout=60) == 0
    assert not set(_pool_processes()) & pools


def test_no_pool_process_outlives_a_killed_server(serve_process, shipped_copy, poll):
    server = serve_process("--port", "0", "--workers", "1", "--rules", str(shipped_copy))
    server.wait_serving(timeout=180.0)
    pools = poll(lambda: _pools_under(server.proc.pid), 60.0, "the pool process")
    server.proc.kill()
    server.wait(timeout=30)
    poll(lambda: not set(_pool_processes()) & pools, 30.0, "the pool process to exit once its server is gone")
