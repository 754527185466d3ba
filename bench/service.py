"""Benchmark the gRPC service against a bare echo server built the same way, in the same run.

    python bench/service.py [--seconds 5] [--workers N] [--concurrency 1,16,64] [--replies violating,compliant]
                            [--streams 100] [--rate 30] [--big 3] [--big-concurrency 16,64]

Each server is driven with two replies in turn: the done-when reply (two violations and a
rewrite) and a compliant one (most real traffic). Both servers use
tactful.server.app.build_server (same grpcio, grpc.aio event loop, channel
options) and the same number of SO_REUSEPORT worker processes; the echo server has no rules, no
guard, no logs: it parses the CheckRequest and answers a CheckResponse echoing the text. Load comes from
h2load (Debian: apt-get install -y nghttp2-client) with pre-framed gRPC requests; without it a
Python load generator is used, with a warning, since it burns a core of its own and skews both.
Then 100 concurrent CheckStream streams each send drafts at 30/s (one per keystroke).
Last, the worst case: while three 64 KiB adversarial requests (one repeated violating sentence,
~2,800 violations) are kept in flight, h2load drives compliant replies again, against the echo
server, the service, and the service with its check pool off (--pool-processes 0, every check
inline on the event loop: the behaviour before the pool), and the other requests' p50/p99 are
printed next to their figures without the long requests.
Loopback only. The figures are printed, not asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
import grpc.aio

from tactful.server.app import ServeConfig, build_server
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

HOST = "127.0.0.1"
TEXT = "是的,但是我们绝对保证明天到货"
# Two replies: the done-when reply (two violations and a rewrite) and a compliant one, which is
# what most traffic looks like (the shipped packs flag about 4 % of real JD.com agent replies).
REPLIES = {"violating": TEXT, "compliant": "好的,我这边帮您查询一下订单,请稍等。感谢您的耐心等待!"}
METHOD = "/tactful.v1.CheckerService/Check"
_UNIT = TEXT + "。"
ADVERSARIAL = _UNIT * (64 * 1024 // len(_UNIT.encode()))  # 64 KiB, ~2,800 violations: the most one request can ask for


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --- the echo server: same build_server, same options, no rules -----------------------------------


def echo_worker(port: int) -> None:
    """One echo process (run as `bench/service.py --echo-worker PORT`)."""
    asyncio.run(_echo(port))


async def _echo(port: int) -> None:
    config = ServeConfig(rules=Path("."), host=HOST, port=port, reuse_port=True)
    server = build_server(config)

    async def check(request: pb.CheckRequest, _context: grpc.aio.ServicerContext) -> pb.CheckResponse:
        return pb.CheckResponse(rewritten_text=request.text, compliant=True, request_id=request.request_id, sequence=request.sequence)

    handler = grpc.method_handlers_generic_handler(
        "tactful.v1.CheckerService",
        {
            "Check": grpc.unary_unary_rpc_method_handler(
                check, request_deserializer=pb.CheckRequest.FromString, response_serializer=pb.CheckResponse.SerializeToString
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"{HOST}:{port}")
    await server.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await server.stop(0)


@dataclass
class Server:
    name: str
    port: int
    procs: list[subprocess.Popen[bytes]]

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_ready(port: int, timeout: float = 60.0) -> None:
    """Wait until a Check succeeds (which also proves the request we will replay is valid)."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(f"{HOST}:{port}") as channel:
        stub = pb_grpc.CheckerServiceStub(channel)
        while True:
            try:
                stub.Check(pb.CheckRequest(text=TEXT), timeout=2)
                return
            except grpc.RpcError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def start_service(workers: int, log: Path, *extra: str, name: str = "service") -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "tactful", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    cmd += ["--reload-interval", "0", "--log-format", "json", *extra]
    # Decision logs stay on (one JSON line per request, as in production), written to a file.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        # Workers share the port, so one answering Check says nothing of the others: a call that
        # reaches one still compiling gets UNAVAILABLE. Wait for every worker's "serving" line first.
        wait_for_log(log, b'"serving"', workers, proc, timeout=300)  # minutes on a loaded machine
        wait_ready(port, timeout=60)
        verify_replies(port, list(REPLIES))
        if "--pool-processes" not in extra:
            # The pool processes compile the rules in the background after start: measure once they are done.
            wait_for_log(log, b'"pool process compiled the rules"', workers, proc, timeout=120, required=False)
    except BaseException:
        Server(name, port, [proc]).stop()  # never leave a server behind, whatever failed
        raise
    return Server(name, port, [proc])


def wait_for_log(log: Path, marker: bytes, count: int, proc: subprocess.Popen[bytes], timeout: float, required: bool = True) -> None:
    """Wait until `marker` appears `count` times in the server's log (or give up: raise if required)."""
    deadline = time.monotonic() + timeout
    while log.read_bytes().count(marker) < count:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} while starting; see {log}")
        if time.monotonic() > deadline:
            if required:
                raise TimeoutError(f"fewer than {count} {marker.decode()} lines in {log} after {timeout:g}s")
            return
        time.sleep(0.1)


def start_echo(workers: int) -> Server:
    port = free_port()
    procs = [subprocess.Popen([sys.executable, __file__, "--echo-worker", str(port)], stdout=subprocess.PIPE) for _ in range(workers)]
    for p in procs:
        assert p.stdout is not None
        p.stdout.readline()  # "ready"
    wait_ready(port)
    return Server("echo", port, procs)


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def framed_request(text: str) -> bytes:
    """One gRPC message on the wire: flag byte 0 (uncompressed), 4-byte big-endian length, the message."""
    body = pb.CheckRequest(text=text, request_id="bench").SerializeToString()
    return struct.pack(">BI", 0, len(body)) + body


def verify_replies(port: int, names: list[str]) -> None:
    """Each named reply must get the verdict its name promises, or the two rows measure the same case."""
    with grpc.insecure_channel(f"{HOST}:{port}") as channel:
        stub = pb_grpc.CheckerServiceStub(channel)
        for name in names:
            got = stub.Check(pb.CheckRequest(text=REPLIES[name], request_id="bench-verify"), timeout=30)
            if got.compliant != (name == "compliant"):
                rules = ", ".join(v.rule_id for v in got.violations) or "none"
                verdict = "compliant" if got.compliant else f"flagged ({rules})"
                sys.exit(f"bench: the '{name}' reply is {verdict} by the shipped packs; fix the rule or the reply before measuring")


def h2load(port: int, text: str, concurrency: int, seconds: float, workdir: Path) -> Load:
    data = workdir / "request.bin"
    data.write_bytes(framed_request(text))
    log = workdir / f"h2load-{port}-{concurrency}.log"
    cmd = [
        "h2load", f"http://{HOST}:{port}{METHOD}", "-d", str(data),
        "-H", "content-type: application/grpc", "-H", "te: trailers",
        "-c", str(concurrency), "-m", "1", "-t", "1",
        "-D", str(max(1, round(seconds))), "--warm-up-time", "1", "--log-file", str(log),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    lines = [ln.split("\t") for ln in log.read_text().splitlines() if ln.strip()]
    latencies = sorted(int(cols[2]) / 1000 for cols in lines)
    errors = sum(1 for cols in lines if cols[1] != "200")
    rps = len(lines) / seconds
    for ln in out.splitlines():
        if ln.startswith("finished in"):
            rps = float(ln.split(",")[1].split()[0])
    return Load(rps, percentile(latencies, 50), percentile(latencies, 99), errors)


def python_load(port: int, text: str, concurrency: int, seconds: float) -> Load:
    """Fallback load: `concurrency` threads, each with its own channel, calling Check in a loop."""
    request = pb.CheckRequest(text=text, request_id="bench")
    end = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def run(i: int) -> None:
        with grpc.insecure_channel(f"{HOST}:{port}", options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            stub = pb_grpc.CheckerServiceStub(channel)
            while (t0 := time.monotonic()) < end:
                try:
                    stub.Check(request, timeout=5)
                except grpc.RpcError:
                    errors[i] += 1
                latencies[i].append((time.monotonic() - t0) * 1000)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, range(concurrency)))
    flat = sorted(x for xs in latencies for x in xs)
    return Load(len(flat) / seconds, percentile(flat, 50), percentile(flat, 99), sum(errors))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1)))]


# --- the worst case: long adversarial requests in flight ------------------------------------------


class LongRequests:
    """Keeps `n` 64 KiB adversarial Check calls in flight (each on its own connection) until the block ends."""

    def __init__(self, port: int, n: int) -> None:
        self.port = port
        self.n = n
        self.latencies_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self._stop = False
        self._pool = ThreadPoolExecutor(n)

    def _run(self) -> None:
        options = [("grpc.use_local_subchannel_pool", 1), ("grpc.max_receive_message_length", -1)]
        request = pb.CheckRequest(text=ADVERSARIAL, request_id="long")
        with grpc.insecure_channel(f"{HOST}:{self.port}", options=options) as channel:
            stub = pb_grpc.CheckerServiceStub(channel)
            while not self._stop:
                t0 = time.monotonic()
                try:
                    stub.Check(request, timeout=120)
                    self.latencies_ms.append((time.monotonic() - t0) * 1000)
                except grpc.RpcError as err:
                    what = f"{err.code().name}: {err.details()}"
                    self.errors[what] = self.errors.get(what, 0) + 1

    def __enter__(self) -> LongRequests:
        for _ in range(self.n):
            self._pool.submit(self._run)
        time.sleep(1.0)  # let them reach the server before the measurement starts
        return self

    def __exit__(self, *_: object) -> None:
        self._stop = True
        self._pool.shutdown(wait=True)


# --- CheckStream ---------------------------------------------------------------------------------


async def stream_load(port: int, streams: int, rate: float, seconds: float, channels: int = 10) -> dict[str, float]:
    """`streams` concurrent CheckStream calls, each sending a growing draft `rate` times a second."""
    options = [("grpc.use_local_subchannel_pool", 1)]  # separate connections, so the kernel spreads them over workers
    chans = [grpc.aio.insecure_channel(f"{HOST}:{port}", options=options) for _ in range(channels)]
    sent = [0] * streams
    answered = [0] * streams
    latencies: list[float] = []

    async def one(i: int) -> None:
        stub = pb_grpc.CheckerServiceStub(chans[i % channels])
        sent_at: dict[int, float] = {}
        text = (TEXT + "。") * 20

        async def drafts() -> AsyncIterator[pb.CheckStreamRequest]:
            start = time.monotonic()
            n = 0
            while (now := time.monotonic()) - start < seconds:
                n += 1
                sent_at[n] = now
                sent[i] += 1
                yield pb.CheckStreamRequest(draft=pb.CheckRequest(text=text[: 2 + n % len(text)], sequence=n))
                await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))

        async for resp in stub.CheckStream(drafts(), timeout=seconds + 30):
            answered[i] += 1
            latencies.append((time.monotonic() - sent_at[resp.result.sequence]) * 1000)

    t0 = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(streams)))
    elapsed = time.monotonic() - t0
    for c in chans:
        await c.close()
    latencies.sort()
    per_stream = [s / seconds for s in sent]
    return {
        "streams": streams,
        "drafts_per_s_per_stream_min": min(per_stream),
        "drafts_per_s_total": sum(sent) / seconds,
        "answered_fraction": sum(answered) / max(sum(sent), 1),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "elapsed_s": elapsed,
    }


# --- main ----------------------------------------------------------------------------------------


LoadFn = Callable[[int, str, int], Load]  # (port, text, in flight) -> figures


def worst_case(server: Server, levels: list[int], load: LoadFn, big: int) -> dict[int, tuple[Load, Load, LongRequests]]:
    """Compliant replies at each level alone, then with `big` long adversarial requests kept in flight."""
    out = {}
    for c in levels:
        alone = load(server.port, REPLIES["compliant"], c)  # again, right before: the machine's load drifts
        with LongRequests(server.port, big) as long_requests:
            crowded = load(server.port, REPLIES["compliant"], c)
        out[c] = (alone, crowded, long_requests)
    return out


def print_worst(worst: dict[str, dict[int, tuple[Load, Load, LongRequests]]], big: int) -> None:
    print(f"\nWorst case: {big} x 64 KiB adversarial Check calls kept in flight while h2load sends compliant replies "
          "('inline' = the service with --pool-processes 0, every check on the event loop)")  # fmt: skip
    print(f"{'server':>8} {'in flight':>9} | {'alone req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'with long req/s':>15} {'p50 ms':>7}"
          f" {'p99 ms':>8} | {'p99 ratio':>9} | long calls done, p50 s, errors")  # fmt: skip
    for name, by_level in worst.items():
        for c, (alone, crowded, lr) in by_level.items():
            lat = sorted(lr.latencies_ms)
            print(f"{name:>8} {c:>9} | {alone.rps:>11.0f} {alone.p50_ms:>7.2f} {alone.p99_ms:>7.2f} | {crowded.rps:>15.0f}"
                  f" {crowded.p50_ms:>7.2f} {crowded.p99_ms:>8.2f} | {crowded.p99_ms / alone.p99_ms:>9.2f} |"
                  f" {len(lat)}, {percentile(lat, 50) / 1000:.2f}, {lr.errors or 0} (+{crowded.errors} short)")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=5, help="duration of each load step, whole seconds (default 5)")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="server processes, both servers (default: CPUs)")
    ap.add_argument("--concurrency", default="1,16,64", help="requests in flight per step (default 1,16,64)")
    ap.add_argument("--streams", type=int, default=100, help="concurrent CheckStream calls (default 100); 0 skips that step")
    ap.add_argument("--rate", type=float, default=30.0, help="drafts per second per stream (default 30)")
    ap.add_argument("--replies", default=",".join(REPLIES), help=f"which replies to send, of {', '.join(REPLIES)} (default both)")
    ap.add_argument("--big", type=int, default=3, help="64 KiB adversarial requests kept in flight in the worst-case step; 0 skips it")
    ap.add_argument("--big-concurrency", default="16,64", help="ordinary requests in flight during the worst-case step (default 16,64)")
    ap.add_argument("--repeat", type=int, default=1, help="measure every step this many times, echo and service alternating (default 1)")
    ap.add_argument("--echo-worker", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.echo_worker:
        echo_worker(args.echo_worker)
        return 0

    use_h2load = shutil.which("h2load") is not None
    if not use_h2load:
        print(
            "WARNING: h2load not found (Debian/Ubuntu: apt-get install -y nghttp2-client); falling back to a Python load\n"
            "         generator, which competes with the servers for CPU: figures are lower bounds.",
            file=sys.stderr,
        )
    levels = [int(x) for x in args.concurrency.split(",")]
    replies = [r.strip() for r in args.replies.split(",") if r.strip()]
    if unknown := [r for r in replies if r not in REPLIES]:
        ap.error(f"--replies: unknown {', '.join(unknown)}; choose from {', '.join(REPLIES)}")
    print(f"# {os.cpu_count()} CPUs, {args.workers} worker process(es) per server, {args.seconds:g}s per step, "
          f"load: {'h2load' if use_h2load else 'python'}, grpcio {grpc.__version__}")  # fmt: skip

    def load(port: int, text: str, c: int) -> Load:
        return h2load(port, text, c, args.seconds, workdir) if use_h2load else python_load(port, text, c, args.seconds)

    big_levels = [int(x) for x in args.big_concurrency.split(",")] if args.big else []
    with tempfile.TemporaryDirectory(prefix="tactful-bench-") as tmp:
        workdir = Path(tmp)
        results, stream, worst = measure(args, load, workdir, [(reply, c) for reply in replies for c in levels], big_levels)
    print_results(results)
    if stream is not None:
        print(f"\nCheckStream: {stream['streams']:.0f} streams, min {stream['drafts_per_s_per_stream_min']:.1f} drafts/s per stream "
              f"({stream['drafts_per_s_total']:.0f}/s in all), {stream['answered_fraction']:.1%} of drafts answered (the rest superseded), "
              f"draft->answer p50 {stream['p50_ms']:.2f} ms, p99 {stream['p99_ms']:.2f} ms")  # fmt: skip
    if big_levels:
        print_worst(worst, args.big)
    return 0


Steps = dict[tuple[str, int], list[tuple[Load, Load]]]
Worst = dict[str, dict[int, tuple[Load, Load, LongRequests]]]


def measure(
    args: argparse.Namespace, load: LoadFn, workdir: Path, steps: list[tuple[str, int]], big_levels: list[int]
) -> tuple[Steps, dict[str, float] | None, Worst]:
    """Every (reply, in flight) step on the echo server and the service, then streams and the worst case."""
    # Echo and service run side by side and each step is measured on one right after the other, so
    # both see the same background load: on a shared machine it drifts within a minute.
    results: Steps = {step: [] for step in steps}
    stream = None
    worst: Worst = {}
    echo = start_echo(args.workers)
    try:
        service = start_service(args.workers, workdir / "service.log")
        try:
            for _ in range(args.repeat):
                for reply, c in steps:
                    results[(reply, c)].append((load(echo.port, REPLIES[reply], c), load(service.port, REPLIES[reply], c)))
            if args.streams:
                stream = asyncio.run(stream_load(service.port, args.streams, args.rate, args.seconds))
            for server in (echo, service):
                worst[server.name] = worst_case(server, big_levels, load, args.big)
        finally:
            service.stop()
    finally:
        echo.stop()
    if big_levels:
        inline = start_service(args.workers, workdir / "inline.log", "--pool-processes", "0", name="inline")
        try:
            worst[inline.name] = worst_case(inline, big_levels, load, args.big)
        finally:
            inline.stop()
    return results, stream, worst


def print_results(results: Steps) -> None:
    print(f"\n{'reply':>9} {'in flight':>9} | {'echo req/s':>10} {'p50 ms':>7} {'p99 ms':>7} |"
          f" {'Check req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'thru ratio':>10} {'p99 ratio':>9} | errors")  # fmt: skip
    for (reply, c), pairs in results.items():
        for e, s in pairs:
            print(f"{reply:>9} {c:>9} | {e.rps:>10.0f} {e.p50_ms:>7.2f} {e.p99_ms:>7.2f} |"
                  f" {s.rps:>11.0f} {s.p50_ms:>7.2f} {s.p99_ms:>7.2f} |"
                  f" {s.rps / e.rps:>10.2f} {s.p99_ms / e.p99_ms:>9.2f} | {e.errors + s.errors}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
