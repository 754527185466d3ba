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
from tactful.audit.output import RecordWriter, csv_row, record_line, write_summary
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


Rendered = tuple[int, str | None, list[Any] | None, str | None]  # line number, JSONL line, CSV row, error


def _audit_chunk(chunk: list[tuple[int, bytes]]) -> tuple[int, list[Rendered], Summary]:
    """Audit, render and sum up a chunk in the worker: the writing process only copies strings and
    merges counters, so it does not become the bottleneck of the workers."""
    library: Library = _worker["library"]
    size = sum(len(raw) for _, raw in chunk)
    summary = Summary()
    out: list[Rendered] = []
    for n, raw in chunk:
        rec, err = audit_line(library, n, raw, _worker["ruleset"])
        if rec is None:
            out.append((n, None, None, err))
            continue
        summary.add(rec)
        out.append((n, record_line(rec), csv_row(rec), None))
    return size, out, summary


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
            _consume(map(_audit_chunk, _chunks(path)), writer, summary, bar, on_error)
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
    results: Iterator[tuple[int, list[Rendered], Summary]],
    writer: RecordWriter,
    summary: Summary,
    bar: Progress,
    on_error: Callable[[int, str], None] | None,
) -> None:
    for size, items, part in results:
        for n, line, row, err in items:
            if line is None or row is None:
                summary.errors += 1
                if on_error is not None:
                    on_error(n, err or "cannot be audited")
                continue
            writer.write_rendered(line, row)
        summary.merge(part)
        bar.advance(size, len(items))
