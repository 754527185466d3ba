"""Linting many files: in this process for small inputs, across cores with a process pool for big ones."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.lint.checker import LintOptions, lint_file
from tactful.lint.findings import FileResult
from tactful.lint.fix import fix_file

# Below this much input, starting workers (each compiles the rules) costs more than it saves.
PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 512 * 1024
BATCHES_PER_WORKER = 8

_worker: tuple[Library, LintOptions] | None = None


def process_file(path: str, library: Library, options: LintOptions) -> FileResult:
    linted = lint_file(path, path, library, options)
    if options.fix == "none" or linted.source is None:
        return linted.result
    records, diff, written = fix_file(linted, options)
    result = linted.result
    if written:  # report what is left in the file as it now is
        result = lint_file(path, path, library, replace(options, fix="none")).result
    result.fixes, result.diff = records, diff
    return result


def _init_worker(rules: str, options: LintOptions) -> None:
    global _worker  # noqa: PLW0603 - one compiled library per worker process, built once
    _worker = (compile_path(Path(rules)), options)


def _run_batch(paths: list[str]) -> list[FileResult]:
    assert _worker is not None, "worker not initialised"
    library, options = _worker
    return [process_file(p, library, options) for p in paths]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _size(paths: list[str]) -> int:
    total = 0
    for p in paths:
        try:
            total += os.path.getsize(p)
        except OSError:
            pass
    return total


class Progress:
    """A one-line progress bar on stderr; only on a terminal, never in CI logs."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled

    def advance(self, n: int) -> None:
        self.done += n
        if self.enabled:
            width = 30
            filled = width * self.done // max(self.total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def lint_paths(
    files: list[str],
    library: Library,
    rules: str,
    options: LintOptions,
    jobs: int,
    progress: bool | None = None,
    on_start: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Lint every file; results in the order of `files`. `rules` is what each worker compiles."""
    show = sys.stderr.isatty() if progress is None else progress
    bar = Progress(len(files), show and len(files) >= PARALLEL_MIN_FILES)
    parallel = jobs > 1 and len(files) >= PARALLEL_MIN_FILES and _size(files) >= PARALLEL_MIN_BYTES
    if on_start:
        on_start(jobs if parallel else 1)
    try:
        if not parallel:
            results = []
            for path in files:
                results.append(process_file(path, library, options))
                bar.advance(1)
            return results
        size = max(1, len(files) // (jobs * BATCHES_PER_WORKER))
        batches = [files[i : i + size] for i in range(0, len(files), size)]
        done: dict[int, list[FileResult]] = {}
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(rules, options)) as pool:
            futures = {pool.submit(_run_batch, batch): i for i, batch in enumerate(batches)}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                bar.advance(len(done[futures[future]]))
        return [r for i in range(len(batches)) for r in done[i]]
    finally:
        bar.close()
