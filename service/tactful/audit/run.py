"""`tactful audit` on one machine: lines are read in chunks, audited in worker processes (each
compiles the rules once) and written in input order as they come back."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tactful.audit.conversation import audit_line
from tactful.audit.output import RecordWriter, write_summary
from tactful.audit.summary import Summary
from tactful.compile.compiler import load_rules
from tactful.compile.ruleset import Library

CHUNK_LINES = 64

_worker: dict[str, Any] = {}


class Progress:
    """A one-line progress bar on stderr, by bytes read; only on a terminal, never in CI logs."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.count, self.enabled = max(total, 1), 0, 0, enabled

    def advance(self, size: int, count: int) -> None:
        self.done += size
        self.count += count
        if self.enabled:
            width = 30
            filled = min(width, width * self.done // self.total)
            pct = min(100, 100 * self.done // self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:3d}% {self.count:,} conversations")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def _chunks(path: str) -> Iterator[list[tuple[int, bytes]]]:
    with open(path, "rb") as handle:
        chunk: list[tuple[int, bytes]] = []
        for n, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            chunk.append((n, raw))
            if len(chunk) >= CHUNK_LINES:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _init_worker(rules: str | None, ruleset: str | None) -> None:
    _worker["library"] = load_rules(rules)
    _worker["ruleset"] = ruleset


def _audit_chunk(chunk: list[tuple[int, bytes]]) -> tuple[int, list[tuple[int, dict[str, Any] | None, str | None]]]:
    library: Library = _worker["library"]
    size = sum(len(raw) for _, raw in chunk)
    return size, [(n, *audit_line(library, n, raw, _worker["ruleset"])) for n, raw in chunk]


def audit_file(
    path: str,
    out: Path,
    library: Library,
    rules: str | None,
    ruleset: str | None = None,
    jobs: int = 1,
    progress: bool | None = None,
    on_error: Callable[[int, str], None] | None = None,
) -> Summary:
    """Audit every line of `path` into `out`; bad lines go to on_error(line, message) and are skipped."""
    show = sys.stderr.isatty() if progress is None else progress
    bar = Progress(os.path.getsize(path), show)
    summary = Summary()
    writer = RecordWriter(out)
    try:
        if jobs <= 1:
            _worker.update(library=library, ruleset=ruleset)
            results: Iterator[tuple[int, list[tuple[int, dict[str, Any] | None, str | None]]]] = map(_audit_chunk, _chunks(path))
            _consume(results, writer, summary, bar, on_error)
        else:
            # spawn: fresh interpreters, safe whatever threads the parent runs; each compiles the rules once.
            with get_context("spawn").Pool(jobs, initializer=_init_worker, initargs=(rules, ruleset)) as pool:
                _consume(pool.imap(_audit_chunk, _chunks(path)), writer, summary, bar, on_error)
    finally:
        writer.close()
        bar.close()
    write_summary(summary, out, os.path.basename(path))
    return summary


def _consume(
    results: Iterator[tuple[int, list[tuple[int, dict[str, Any] | None, str | None]]]],
    writer: RecordWriter,
    summary: Summary,
    bar: Progress,
    on_error: Callable[[int, str], None] | None,
) -> None:
    for size, items in results:
        for n, rec, err in items:
            if rec is None:
                summary.errors += 1
                if on_error is not None:
                    on_error(n, err or "cannot be audited")
                continue
            writer.write(rec)
            summary.add(rec)
        bar.advance(size, len(items))
