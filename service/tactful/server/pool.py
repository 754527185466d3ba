"""The check pool: long replies are checked in separate processes, so no single request can stall an event loop.

A serving process answers every call on one asyncio event loop. A short reply costs tens of
microseconds to check, but a maximal one (64 KiB of repeated violations) costs hundreds of
milliseconds, and inline it would hold up every other call on that loop for as long. Requests
over --offload-bytes are therefore handed to pool processes (tactful.server.pool_process), one
job at a time each; the loop only writes the job and reads the answer. Each job runs under a CPU
budget (--check-budget-ms) enforced inside the pool process; a pool process that does not answer
within a wall-clock backstop (10x the budget + 5 s: stuck outside Python, or starved) is killed
and replaced by a fresh one on the next job. Processes start on the first long reply (or at
start when `warm`), and `close()` ends them all once the server has drained.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any

from tactful.server.logging import get_logger
from tactful.server.status import ShuttingDown

HEADER = struct.Struct(">I")
_LOAD_TIMEOUT_S = 300.0  # compiling the rules in a pool process (seconds; minutes would mean a fault)
_READ_CHUNK = 1 << 22  # answers run to 1.4 MB: read them in few large chunks rather than many 64 KiB ones
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory that holds `tactful`


def frame(message: tuple[Any, ...]) -> bytes:
    """A message as written on the pipe: 4-byte length, then the pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


class _Process:
    """One pool process and its two pipes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid

    async def send(self, message: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        await self.proc.stdin.drain()

    async def receive(self) -> tuple[Any, ...]:
        assert self.proc.stdout is not None
        (size,) = HEADER.unpack(await self.proc.stdout.readexactly(HEADER.size))
        message: tuple[Any, ...] = pickle.loads(await self.proc.stdout.readexactly(size))
        return message

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()

    async def close(self, timeout: float) -> None:
        """Close its stdin (it finishes the job it has, then exits); kill it if it has not exited in `timeout` s."""
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()


class CheckPool:
    """`processes` pool processes shared by the calls of one event loop; use `run` from that loop only."""

    def __init__(self, processes: int, budget_s: float) -> None:
        self.processes = processes
        self.budget_s = budget_s
        self.backstop_s = budget_s * 10 + 5.0
        self._idle: asyncio.Queue[_Process | None] | None = None
        self._live: dict[int, _Process] = {}
        self._closing = False
        self._log = get_logger("tactful.pool")

    @property
    def pids(self) -> list[int]:
        """The pool processes running now."""
        return sorted(self._live)

    def _queue(self) -> asyncio.Queue[_Process | None]:
        if self._idle is None:
            # Created on first use, on the loop that runs the calls. None stands for a process not started
            # yet (or killed): whoever takes it starts one.
            self._idle = asyncio.Queue()
            for _ in range(self.processes):
                self._idle.put_nowait(None)
        return self._idle

    async def run(self, job: tuple[Any, ...]) -> tuple[Any, ...]:
        """Send `job` to the next free pool process and return its answer.

        Answers: ("ok", ...), ("warm",), ("over",) past the budget, ("stale",) when the rules copy does
        not compile to the version asked for, ("error", what) on a fault of the pool process.

        Raises:
            ShuttingDown: the pool is closing.
        """
        if self._closing:
            raise ShuttingDown("the server is shutting down; retry on another instance")
        process = await self._queue().get()
        # Shielded: if the caller goes away (cancelled, deadline), the exchange still runs to its end,
        # so the pool process is handed back idle (or replaced) and never left mid-answer.
        return await asyncio.shield(asyncio.ensure_future(self._exchange(process, job)))

    async def _exchange(self, process: _Process | None, job: tuple[Any, ...]) -> tuple[Any, ...]:
        clean = False  # True once the process is known to be idle again, ready for the next job
        try:
            process, first = await self._hand_over(process, job)
            if first[0] != "started":
                clean = True
                return first
            try:
                answer = await asyncio.wait_for(process.receive(), self.backstop_s)
            except TimeoutError:
                await self._discard(process, "pool process did not answer in time; killed and replaced", backstop_s=self.backstop_s)
                process = None
                return ("over",)
            clean = True
            return answer
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as err:
            if self._closing:
                raise ShuttingDown("the server is shutting down; retry on another instance") from None
            if process is not None:
                await self._discard(process, "pool process failed; replaced", error=type(err).__name__)
                process = None
            return ("error", type(err).__name__)
        finally:
            if not clean and process is not None:
                await self._discard(process, "pool process left in an unknown state; replaced")
                process = None
            if not self._closing:
                self._queue().put_nowait(process)

    async def _hand_over(self, process: _Process | None, job: tuple[Any, ...]) -> tuple[_Process, tuple[Any, ...]]:
        """Send `job` (to a fresh process if `process` is None or gone) and read its first answer."""
        for last_try in (False, True):
            if process is None or process.proc.returncode is not None:
                if process is not None:
                    await self._discard(process, "pool process exited while idle; replaced")
                process = await self._spawn()
            try:
                await process.send(job)
                return process, await asyncio.wait_for(process.receive(), _LOAD_TIMEOUT_S)
            except (asyncio.IncompleteReadError, ConnectionError):
                # It died before taking the job (killed while idle, say): the job has not run, so it
                # goes to a fresh process once.
                await self._discard(process, "pool process died before taking a job; replaced")
                process = None
                if last_try or self._closing:
                    raise
        raise AssertionError("unreachable")

    async def _discard(self, process: _Process, why: str, **fields: Any) -> None:
        self._live.pop(process.pid, None)
        self._log.warning(why, pid=process.pid, returncode=process.proc.returncode, **fields)
        await process.kill()

    async def _spawn(self) -> _Process:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tactful.server.pool_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            limit=_READ_CHUNK,
        )
        process = self._live[proc.pid] = _Process(proc)
        self._log.info("pool process started", pid=proc.pid)
        if self._closing:  # close() ran while this one started: it would not have been closed
            self._live.pop(proc.pid, None)
            await process.close(0)
            raise ConnectionResetError("the pool is closing")
        return process

    async def close(self, timeout: float = 5.0) -> None:
        """Stop taking jobs and end every pool process (each finishes the job it has, within `timeout` s)."""
        self._closing = True
        processes = list(self._live.values())
        self._live.clear()
        await asyncio.gather(*(p.close(timeout) for p in processes))
