"""Instructions per Check under callgrind: the service (one worker, no check pool) and bench/service.py's echo server.

    python bench/callgrind.py [--server service,echo] [--replies violating,compliant] [--calls 2000] [--in-flight 16]

Wall-clock throughput on a shared 2-core machine moves by +-10 % between runs; instruction counts do not
(+-1-2 % here, from how grpc batches the calls), so a change to the per-call path is decided with these
and confirmed with bench/service.py. Each server runs under `valgrind --tool=callgrind` with
instrumentation off; after a warm-up, it is switched on (callgrind_control) for exactly --calls Checks
sent by an async client outside valgrind with --in-flight calls at a time, then off again. Printed:
instructions per call (the server process, all threads). Needs valgrind (Debian: apt-get install -y
valgrind); the service's start-up (compiling the rules) takes a minute or two under valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import grpc.aio

from tactful.v1 import checker_pb2 as pb

HOST = "127.0.0.1"
METHOD = "/tactful.v1.CheckerService/Check"
REPLIES = {  # as bench/service.py
    "violating": "是的,但是我们绝对保证明天到货",
    "compliant": "好的,我这边帮您查询一下订单,请稍等。感谢您的耐心等待!",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


async def drive(port: int, text: str, calls: int, in_flight: int) -> None:
    """`calls` Checks of `text`, `in_flight` at a time."""
    async with grpc.aio.insecure_channel(f"{HOST}:{port}") as channel:
        check = channel.unary_unary(
            METHOD, request_serializer=pb.CheckRequest.SerializeToString, response_deserializer=pb.CheckResponse.FromString
        )
        numbers = iter(range(calls))

        async def caller() -> None:
            for _ in numbers:
                await check(pb.CheckRequest(text=text), timeout=300)

        await asyncio.gather(*(caller() for _ in range(in_flight)))


def measure(server: str, reply: str, calls: int, in_flight: int, work: Path) -> float:
    """Instructions per Check of `reply` by `server` ("service" or "echo")."""
    port = free_port()
    out = work / f"callgrind.{server}.{reply}.out"
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable]
    if server == "service":
        cmd += ["-m", "tactful", "serve", "--host", HOST, "--port", str(port), "--workers", "1", "--reload-interval", "0"]
        cmd += ["--log-format", "json", "--pool-processes", "0"]  # decision lines on, as in production; no pool process
    else:
        cmd += [str(Path(__file__).with_name("service.py")), "--echo-worker", str(port)]
    log = (work / f"{server}.{reply}.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 1800
        while True:
            try:
                asyncio.run(drive(port, REPLIES[reply], 1, 1))
                break
            except grpc.RpcError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(2)
        asyncio.run(drive(port, REPLIES[reply], 300, in_flight))  # warm-up: caches, first-call paths
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
        asyncio.run(drive(port, REPLIES[reply], calls, in_flight))
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
    # "totals:" is the sum over the profile; with instrumentation switched on and off, "summary:" is not.
    totals = [re.search(r"^totals: (\d+)", f.read_text(errors="replace"), re.M) for f in work.glob(out.name + "*")]
    total = sum(int(m.group(1)) for m in totals if m)
    return total / calls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default="service,echo", help="which servers, of service, echo (default both)")
    ap.add_argument("--replies", default=",".join(REPLIES), help=f"which replies, of {', '.join(REPLIES)} (default both)")
    ap.add_argument("--calls", type=int, default=2000, help="Checks measured per server and reply (default 2000)")
    ap.add_argument("--in-flight", type=int, default=16, help="calls in flight (default 16)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tactful-callgrind-") as tmp:
        for server in args.server.split(","):
            for reply in args.replies.split(","):
                per_call = measure(server, reply, args.calls, args.in_flight, Path(tmp))
                print(f"{server:8} {reply:10} {per_call:>10,.0f} instructions per Check", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
