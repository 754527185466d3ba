"""One check pool process (`python -m tactful.server.pool_process`): long replies are checked here, off the server's event loop.

The serving process writes jobs to this process's stdin and reads answers from its stdout, each a
pickled tuple behind a 4-byte length (both ends are ours, from the same install). Anything else
written to file descriptor 1 goes to stderr, so a stray print cannot corrupt an answer.

The process compiles the rules from the private copy the job names (see RulesHolder's
keep_sources) and keeps the last few libraries, so a reload in the serving process reaches it
with the next job; it answers "stale" if the copy does not compile to the version the job
expects. The check itself runs under a CPU-time budget (ITIMER_PROF): past it, the check is
interrupted and "over" is answered, and the process stays usable. It runs at a lower priority
(nice) than the serving processes, so long replies take CPU time from each other, not from the
short replies the event loops answer. It ignores SIGINT/SIGTERM/SIGHUP (a Ctrl-C or a
systemd stop reaches the whole process group: the serving process drains first and then
closes this one) and exits when its stdin closes, so it cannot outlive the serving process.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import sys
from typing import Any, BinaryIO

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.engine import check
from tactful.engine.explain import explain
from tactful.lang.diagnostics import CompileError
from tactful.model import Context
from tactful.server import memory
from tactful.server.explain_proto import fill_explanation
from tactful.server.logging import configure, get_logger
from tactful.server.pool import HEADER, frame
from tactful.server.reload import LibraryKey, library_key
from tactful.server.response import ResponseWriter
from tactful.server.servicer import context_from_proto
from tactful.v1 import checker_pb2 as pb

NICENESS = 19  # CFS weight 15 against 1024: on a contended core the event loops get ~98 % of it, long replies the rest
# At most the served library and, until the warm job of a reload arrives, the one before it: each
# compiled library is ~85 MB. After the warm job only the served one stays (see Checker.run).
_KEPT_LIBRARIES = 2
_NO_LIMIT = 1 << 62  # sizes were already checked by the serving process


def _read(stream: BinaryIO) -> tuple[Any, ...] | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None  # the serving process closed the pipe: time to go
    (size,) = HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    message: tuple[Any, ...] = pickle.loads(data)
    return message


class _OverBudget(Exception):
    pass


_armed = [False]  # the SIGPROF handler interrupts only a check in progress, never the pipe I/O around it


def _on_cpu_budget(_signum: int, _frame: object) -> None:
    if _armed[0]:
        raise _OverBudget


def _relocate(message: Any, copy: str, origin: str) -> None:
    """Point every `location` in `message` (and its sub-messages) at the rules path the server was given,
    not at the private copy this process compiled: answers must not depend on where they were checked."""
    for field, value in message.ListFields():
        if field.name == "location" and isinstance(value, str) and value.startswith(copy):
            setattr(message, field.name, origin + value[len(copy) :])
        elif field.message_type is not None:
            for sub in value if field.is_repeated else (value,):
                _relocate(sub, copy, origin)


class Checker:
    """The state of one pool process: its compiled libraries and the response writer."""

    def __init__(self) -> None:
        self.libraries: dict[LibraryKey, Library] = {}
        self.retired: set[LibraryKey] = set()  # replaced by the serving process's last reload
        self.writer = ResponseWriter()

    def library(self, key: LibraryKey, sources: str) -> Library | None:
        found = self.libraries.get(key)
        if found is not None:
            return found
        default = key[0]
        try:
            library = compile_path(sources)
        except (CompileError, OSError):
            return None  # the copy is gone or was edited mid-copy: the serving process answers "retry"
        if default is not None and default in library.rulesets:
            library = dataclasses.replace(library, default_name=default)
        if library_key(library) != key:
            return None
        get_logger("tactful.pool").info("pool process compiled the rules", pid=os.getpid(), versions=dict(key[1]))
        evicted = False
        while len(self.libraries) >= _KEPT_LIBRARIES:
            del self.libraries[next(iter(self.libraries))]
            evicted = True
        self.libraries[key] = library
        if evicted:
            memory.release()  # nothing else refers to the evicted library: this process checks one reply at a time
        return library

    def _retire_all_but(self, key: LibraryKey) -> None:
        """A warm job means the serving process now serves `key`: drop every other library and return its memory."""
        self.retired = {k for k in self.libraries if k != key}
        for k in self.retired:
            del self.libraries[k]
        if self.retired:
            memory.release()

    def run(self, job: tuple[Any, ...], say: Any) -> tuple[Any, ...]:
        """Answer one job; `say` sends ("started",) once the rules are ready and the budgeted check begins."""
        kind, key, sources, origin, request_bytes, request_id, budget_s = job
        if kind == "check" and key in self.retired:
            # A call that read the rules before the last reload: rather than compile the old library again (seconds,
            # ~85 MB), answer "stale" and the serving process retries it once on the rules it serves now.
            return ("stale",)
        library = self.library(key, sources)
        if library is None:
            return ("stale",)
        say(("started",))
        if kind == "warm":
            self._retire_all_but(key)
            return ("warm",)
        req = pb.CheckRequest.FromString(request_bytes)
        try:
            _armed[0] = True  # before the timer starts, so even a tiny budget cannot expire unnoticed
            signal.setitimer(signal.ITIMER_PROF, budget_s)
            text = req.text
            ctx = context_from_proto(req.context, _NO_LIMIT) if req.HasField("context") else Context()
            rs = library.select(req.ruleset or None, ctx.locale, text)
            # As inline.Inline.check_one does it, explanation included.
            explanation = explain(rs, text, ctx) if req.explain else None
            result = check(rs, text, ctx) if explanation is None else explanation.result
            traced: bytes | None = None
            if explanation is not None:
                message = pb.Explanation()
                fill_explanation(message, explanation)
                _relocate(message, sources, origin)
                traced = message.SerializeToString()
            data = self.writer.write(result, rs, request_id, req.sequence, not req.omit_rationale, traced)
            _armed[0] = False
            signal.setitimer(signal.ITIMER_PROF, 0)
        except _OverBudget:
            return ("over",)
        finally:
            _armed[0] = False
            signal.setitimer(signal.ITIMER_PROF, 0)
        # What the serving process needs for the decision log and metrics, without the full
        # violations (unpickling 2,900 of them would cost the event loop ~30 ms).
        kinds: dict[tuple[str, str, int], int] = {}
        order = [kinds.setdefault((v.rule, v.category, int(v.severity)), len(kinds)) for v in result.violations]
        return ("ok", data, list(kinds), order, result.ruleset, result.ruleset_version, result.rewritten)


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGPROF, _on_cpu_budget)
    os.nice(NICENESS)
    jobs = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # from here on, fd 1 (print, a library's warning) is stderr, not the answer pipe
    configure(json_lines=None if os.environ.get("TACTFUL_LOG_FORMAT", "auto") == "auto" else os.environ["TACTFUL_LOG_FORMAT"] == "json")
    log = get_logger("tactful.pool")
    checker = Checker()

    def say(message: tuple[Any, ...]) -> None:
        answers.write(frame(message))
        answers.flush()

    while (job := _read(jobs)) is not None:
        try:
            answer = checker.run(job, say)
        except _OverBudget:  # the timer's signal handled just as the check finished, outside run()'s own handler
            answer = ("over",)
        except Exception as err:  # a fault of ours: the serving process answers INTERNAL; never the text in the log
            log.error("check failed in the pool process", error=type(err).__name__, exc_info=err)
            answer = ("error", type(err).__name__)
        say(answer)


if __name__ == "__main__":
    main()
