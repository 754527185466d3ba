"""Soak: many requests against several replicas while the rules are reloaded (good and broken), SIGHUP arrives and a
worker is killed with SIGKILL; every request is accounted for.

    python bench/soak.py [--requests 100000] [--clients 3] [--threads 2] [--replicas 2] [--workers 2] [--json]

Starts `--replicas` `tactful serve` processes (each with `--workers` worker processes) on loopback ports over one
shared copy of the shipped packs, and `--clients` client processes whose threads call Check in a loop through the
documented client options (TactfulClient's round_robin over every replica's address, with health checking, and
RETRY_POLICY). Faults, at fixed shares of the requests done:

    10 %  broken reloads: a syntax error, a failing example, a regex RE2 rejects (each: write, SIGHUP, refused)
    30 %  SIGHUP with unchanged rules (reloaded, same version)
    50 %  SIGKILL of one worker of the first replica (the supervisor restarts it)
    70 %  a good reload (a new rule; the version changes)

Clients keep going past --requests until the last fault has happened, so every fault happens under load.
Prints failed and lost requests (sent but never answered), the ruleset versions seen and when, and the RSS of each
server process (supervisor, workers, their check pool processes) at the start, after each fault (once every worker
has handed the compile's memory back) and at the end. Exits 0 when nothing failed or was lost, the version changed
only on the good reload, no process grew by 40 MB or more (half a compile) and every replica stopped
cleanly on SIGTERM; stops by itself after --max-seconds in any case.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
TEXT = "是的,但是我们绝对保证明天到货"
GOOD = 'rule soak_probe {\n  category rude\n  message "probe"\n  when /不耐烦/\n  example bad "你不耐烦了"\n  example good "好的"\n}\n'
BROKEN = {
    "syntax": "rule broken {\n  category rude\n  when /不耐烦/\n",
    "failing example": 'rule wrong {\n  category rude\n  message "m"\n  when /不耐烦/\n  example bad "好的"\n  example good "你好"\n}\n',
    "regex RE2 rejects": (
        'rule patho {\n  category rude\n  message "m"\n  when /((((a{100}){100}){100}){100})/\n  example bad "a"\n  example good "b"\n}\n'
    ),
}
REFUSED = "reload failed; still serving the last good rules"
RELEASED = "memory released after reload"
POOL_READY = "pool process compiled the rules"
# Under half of what one compile of the shipped packs allocates (~85 MB): a worker that kept a replaced library's
# memory, or a second library, grows by more.
FLAT_MB = 40.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Replica:
    """One `tactful serve` process; its JSON log lines are collected on a thread."""

    def __init__(self, rules: Path, workers: int) -> None:
        self.port = free_port()
        env = {**os.environ, "TACTFUL_LOG_FORMAT": "json", "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tactful", "serve", "--port", str(self.port), "--workers", str(workers),
             "--rules", str(rules), "--reload-interval", "0", "--grace", "10"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
        )  # fmt: skip
        self.workers = workers
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") != "decision":  # a soak writes millions; only the operational lines matter here
                self.events.append(event)

    def count(self, event: str) -> int:
        return sum(1 for e in list(self.events) if e.get("event") == event)

    def worker_pids(self) -> list[int]:
        """The current workers: the first ones, with restarted ones in their place."""
        pids: list[int] = []
        for e in list(self.events):
            if e.get("event") == "supervising":
                pids = list(e["pids"])
            elif e.get("event") == "worker restarted":
                pids = [e["pid"] if p == e["replaces"] else p for p in pids]
        return pids or [self.proc.pid]

    def rss_mb(self) -> dict[str, float]:
        """RSS of the supervisor, each worker and each worker's check pool processes (its children)."""
        out = {}
        procs = [("supervisor", self.proc.pid)] + [(f"worker {p}", p) for p in self.worker_pids() if p != self.proc.pid]
        for label, pid in procs:
            out[label] = _rss_mb(pid)
            if label != "supervisor":
                for child in _children(pid):
                    out[f"  its pool {child}"] = _rss_mb(child)
        return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return round(kb / 1024, 1)
    except (OSError, StopIteration):
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return sorted(out)


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def client_main(target: str, quota: int, threads: int, done: Any, stop: Any, faulted: Any, results: Any) -> None:
    """One client process: `threads` threads sharing one round_robin channel with retries, `quota` calls in all, and
    more until every fault has happened (on a slow machine reloads take long), so every fault happens under load."""
    from tactful.client import ServiceError, TactfulClient

    lock = threading.Lock()
    state = {"sent": 0, "ok": 0}
    failed: Counter[str] = Counter()
    first_seen: dict[str, float] = {}
    with TactfulClient(target, timeout=10, ruleset="zh", round_robin=True, retries=True) as client:

        def run() -> None:
            while not stop.is_set():
                with lock:
                    if state["sent"] >= quota and faulted.is_set():
                        return
                    state["sent"] += 1
                try:
                    version = client.check(TEXT).ruleset_version
                    with lock:
                        state["ok"] += 1
                        first_seen.setdefault(version, time.monotonic())
                except ServiceError as err:
                    with lock:
                        failed[f"{err.code.name}: {str(err)[:100]}"] += 1
                with done.get_lock():
                    done.value += 1

        pool = [threading.Thread(target=run) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    results.put({"sent": state["sent"], "ok": state["ok"], "failed": dict(failed), "first_seen": first_seen})


class Soak:
    """The replicas, the client processes, and the faults driven at fixed shares of the requests done."""

    def __init__(self, args: argparse.Namespace, rules: Path) -> None:
        self.args = args
        self.rules = rules
        self.replicas = [Replica(rules, args.workers) for _ in range(args.replicas)]
        ctx = multiprocessing.get_context("spawn")
        self.ctx = ctx
        self.done, self.stop, self.faulted, self.results = ctx.Value("q", 0), ctx.Event(), ctx.Event(), ctx.Queue()
        self.clients: list[Any] = []
        self.rss: dict[str, dict[str, dict[str, float]]] = {}
        self.log: list[str] = []
        self.started = self.good_at = 0.0

    def note(self, message: str) -> None:
        self.log.append(message)
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def sample_rss(self, phase: str) -> None:
        self.rss[phase] = {f"replica {i}": r.rss_mb() for i, r in enumerate(self.replicas)}

    def at(self, share: float) -> None:
        wait_for(lambda: self.done.value >= share * self.args.requests or self.stop.is_set(), self.args.max_seconds, f"{share:.0%} done")

    def sighup_all(self, event: str, what: str) -> None:
        """SIGHUP every replica; wait until each worker logged `event` and has handed the compile's memory back."""
        before = [(r.count(event), r.count(RELEASED)) for r in self.replicas]
        for r in self.replicas:
            r.proc.send_signal(signal.SIGHUP)

        def done() -> bool:
            pairs = zip(self.replicas, before, strict=True)
            return all(r.count(event) >= n + r.workers and r.count(RELEASED) >= m + r.workers for r, (n, m) in pairs)

        wait_for(done, 120, what)

    def start(self) -> None:
        for r in self.replicas:
            wait_for(lambda r=r: r.count("serving") >= r.workers or r.proc.poll() is not None, 180, "the replicas to serve")
            if r.proc.poll() is not None:
                raise SystemExit(f"soak: a replica exited with {r.proc.returncode} before serving")
        for r in self.replicas:  # the check pool processes compile the rules right after SERVING: sample RSS after that
            wait_for(lambda r=r: r.count(POOL_READY) >= r.workers or r.proc.poll() is not None, 180, "the pool processes to compile")
        args = self.args
        self.note(f"{args.replicas} replicas x {args.workers} workers serving on ports {[r.port for r in self.replicas]}")
        self.sample_rss("start")
        target = "ipv4:" + ",".join(f"{HOST}:{r.port}" for r in self.replicas)
        self.started = time.monotonic()
        quotas = [args.requests // args.clients + (i < args.requests % args.clients) for i in range(args.clients)]
        shared = (self.done, self.stop, self.faulted, self.results)
        self.clients = [self.ctx.Process(target=client_main, args=(target, q, args.threads, *shared)) for q in quotas]
        for c in self.clients:
            c.start()
        watchdog = threading.Timer(args.max_seconds, self.stop.set)
        watchdog.daemon = True
        watchdog.start()

    def faults(self) -> None:
        self.at(0.10)
        probe = self.rules / "zh" / "zz_soak_probe.tact"
        for kind, text in BROKEN.items():
            probe.write_text(text, encoding="utf-8")
            self.sighup_all(REFUSED, kind)
            self.note(f"broken reload ({kind}) refused by every worker at {self.done.value} requests")
        self.sample_rss("3 broken")
        probe.unlink()
        self.at(0.30)
        self.sighup_all("rules reloaded", "SIGHUP")
        self.note(f"SIGHUP with unchanged rules reloaded by every worker at {self.done.value} requests")
        self.sample_rss("SIGHUP")
        self.at(0.50)
        victim = self.replicas[0].worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        if self.args.workers > 1:
            wait_for(lambda: self.replicas[0].count("worker restarted") >= 1, 60, "the killed worker's restart")
        if self.args.workers > 1:
            first = self.replicas[0]
            wait_for(lambda: first.count("serving") >= first.workers + 1, 180, "the restarted worker to serve")
            wait_for(lambda: first.count(POOL_READY) >= first.workers + 1, 180, "the restarted worker's pool to compile")
        self.note(f"SIGKILL of worker {victim} of replica 0 at {self.done.value} requests; restarted")
        self.sample_rss("SIGKILL")
        self.at(0.70)
        probe.write_text(GOOD, encoding="utf-8")
        self.good_at = time.monotonic()
        self.sighup_all("rules reloaded", "the good reload")
        self.note(f"good reload (a new rule) served by every worker at {self.done.value} requests")
        self.sample_rss("good")
        self.at(0.90)  # some load on the new rules, then let the clients finish their quotas
        self.faulted.set()

    def collect(self) -> tuple[list[dict[str, Any]], float]:
        outcomes = [self.results.get(timeout=self.args.max_seconds + 60) for _ in self.clients]
        elapsed = time.monotonic() - self.started
        for c in self.clients:
            c.join(timeout=60)
        self.sample_rss("end")
        return outcomes, elapsed

    def shutdown(self) -> list[int]:
        self.stop.set()
        for c in self.clients:
            if c.is_alive():
                c.kill()
        for r in self.replicas:
            if r.proc.poll() is None:
                r.proc.send_signal(signal.SIGTERM)
        codes = []
        for r in self.replicas:
            try:
                codes.append(r.proc.wait(timeout=60))
            except subprocess.TimeoutExpired:
                r.proc.kill()
                codes.append(r.proc.wait())
        return codes


def rss_growth(rss: dict[str, dict[str, dict[str, float]]]) -> dict[str, float]:
    """The largest RSS growth of any serving process (supervisor or worker) and of any pool process, from the first
    sample it appears in to the last (a killed worker: to its last sample alive; its replacement: from its first)."""
    series: dict[tuple[str, str], list[float]] = {}
    for phase in rss.values():
        for replica, procs in phase.items():
            for proc, mb in procs.items():
                if mb:
                    series.setdefault((replica, proc), []).append(mb)
    growth = {"serving": 0.0, "pool": 0.0}
    for (_replica, proc), values in series.items():
        kind = "pool" if "pool" in proc else "serving"
        growth[kind] = round(max(growth[kind], values[-1] - values[0]), 1)
    return growth


def summarize(soak: Soak, outcomes: list[dict[str, Any]], elapsed: float, codes: list[int]) -> dict[str, Any]:
    growth = rss_growth(soak.rss)
    sent = sum(o["sent"] for o in outcomes)
    ok = sum(o["ok"] for o in outcomes)
    failed: Counter[str] = Counter()
    first_seen: dict[str, float] = {}
    for o in outcomes:
        failed.update(o["failed"])
        for version, seen in o["first_seen"].items():
            first_seen[version] = min(seen, first_seen.get(version, seen))
    old = min(first_seen, key=first_seen.__getitem__) if first_seen else ""
    new = [v for v in first_seen if v != old]
    return {
        "requests": soak.args.requests,
        "sent": sent,
        "ok": ok,
        "failed": sum(failed.values()),
        "failures": dict(failed),
        "lost": sent - ok - sum(failed.values()),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(sent / elapsed) if elapsed else 0,
        "versions": {v: round(t - soak.started, 2) for v, t in first_seen.items()},
        "versions_ok": len(new) == 1 and first_seen[new[0]] >= soak.good_at,
        "exit_codes": codes,
        "rss_mb": soak.rss,
        "rss_growth_mb": growth,
        "rss_flat": growth["serving"] < FLAT_MB and growth["pool"] < FLAT_MB,
        "events": soak.log,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"\nsent {report['sent']}  ok {report['ok']}  failed {report['failed']}  lost {report['lost']}  in {report['seconds']} s "
          f"({report['requests_per_s']} requests/s)")  # fmt: skip
    for failure, n in Counter(report["failures"]).most_common():
        print(f"  {n} x {failure}")
    print(f"ruleset versions first seen (s after start): {report['versions']}; changed only on the good reload: {report['versions_ok']}")
    rss = report["rss_mb"]
    print("RSS (MB)".ljust(34) + "".join(f"{phase:>10}" for phase in rss))
    for replica in rss.get("start", {}):
        procs = list(dict.fromkeys(p for phase in rss.values() for p in phase.get(replica, {})))  # first seen first
        for proc in procs:
            cells = "".join(f"{rss[phase].get(replica, {}).get(proc, '-'):>10}" for phase in rss)
            print(f"{replica}, {proc}".ljust(34) + cells)
    growth = report["rss_growth_mb"]
    print(f"RSS growth, first to last sample: supervisors and workers at most {growth['serving']} MB, "
          f"check pool processes at most {growth['pool']} MB; flat (under {FLAT_MB} MB): {report['rss_flat']}")  # fmt: skip
    print(f"replica exit codes on SIGTERM: {report['exit_codes']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=3, help="client processes")
    ap.add_argument("--threads", type=int, default=2, help="threads per client process")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="worker processes per replica")
    ap.add_argument("--max-seconds", type=float, default=1800.0, help="stop the clients after this long whatever happened")
    ap.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    args = ap.parse_args()

    from tactful.cli.library import shipped_rules

    workdir = Path(tempfile.mkdtemp(prefix="tactful-soak-"))
    rules = workdir / "rules"
    shutil.copytree(shipped_rules(), rules, symlinks=False)
    soak = Soak(args, rules)
    try:
        soak.start()
        soak.faults()
        outcomes, elapsed = soak.collect()
    finally:
        codes = soak.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    report = summarize(soak, outcomes, elapsed, codes)
    print_report(report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    clean = report["failed"] == report["lost"] == 0 and report["versions_ok"] and report["rss_flat"] and report["sent"] >= args.requests
    return 0 if clean and all(c == 0 for c in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
