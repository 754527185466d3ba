"""--fix and --diff: write the chosen rewrites back into the file, touching nothing else.

Edits are made on the decoded text at the file offsets of verbatim reply characters, and the text
is re-encoded with the file's own codec and BOM; line endings live in the untouched text. Before
writing we re-read the new text with the same reader and require exactly the expected replies, so
a rewrite that would change the file's structure (a quote, a YAML indicator) is never written.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from itertools import pairwise
from pathlib import Path

from tactful.engine import apply_edits, choose_edits
from tactful.lint.checker import Checked, Linted, LintOptions
from tactful.lint.findings import Finding, FixRecord
from tactful.lint.readers import ReadError, reader_for
from tactful.model import Violation


def _chosen(item: Checked) -> list[tuple[Violation, Finding]]:
    """The violations whose whole rewrite wins the conflict resolution and can be written back."""
    accepted = set(choose_edits(item.active))
    return [
        (v, f)
        for v, f in zip(item.active, item.findings, strict=True)
        if v.suggestions and v.suggestions[0].edits and all(e in accepted for e in v.suggestions[0].edits)
    ]


def _plan(linted: Linted) -> tuple[list[tuple[int, int, str]], list[FixRecord]]:
    """(file edits, records of applied and skipped fixes)."""
    edits: list[tuple[int, int, str]] = []
    records: list[FixRecord] = []
    for item in linted.checked:
        for v, finding in _chosen(item):
            r = finding.region
            records.append(FixRecord(finding.path, r.line, r.column, v.rule, finding.suggestion or "", finding.fix_note))
            if not finding.fix_note:
                edits.extend((fe.region.offset, fe.region.end_offset, fe.replacement) for fe in finding.edits)
    return list(dict.fromkeys(edits)), records


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _overlapping(edits: list[tuple[int, int, str]]) -> bool:
    ordered = sorted(edits, key=lambda e: (e[0], e[1]))
    return any(b[0] < a[1] for a, b in pairwise(ordered))


def _verify(linted: Linted, new_text: str, options: LintOptions) -> str | None:
    """None when the fixed text reads back as exactly the expected replies, else what went wrong."""
    assert linted.source is not None
    found = reader_for(linted.source.path)
    if found is None:
        return "unknown file kind"
    _, read = found
    try:
        before = read(linted.source.text, options.read)
        after = read(new_text, options.read)
    except ReadError as err:
        return f"the fixed file would not parse ({err.message})"
    want: dict[int, str] = {}
    for item in linted.checked:
        chosen = [e for v, f in _chosen(item) if not f.fix_note for e in v.suggestions[0].edits]
        if chosen:
            want[item.reply.start] = apply_edits(item.reply.text, list(dict.fromkeys(chosen)))
    expected = [want.get(r.start, r.text) for r in before]
    if [r.text for r in after] != expected:
        return "re-reading the fixed file did not give the expected replies"
    return None


def fix_file(linted: Linted, options: LintOptions) -> tuple[list[FixRecord], str, bool]:
    """Apply (or, for --diff, only show) the fixes of one file: (records, unified diff, written)."""
    source = linted.source
    if source is None or not linted.checked:
        return [], "", False
    edits, records = _plan(linted)
    applied = [r for r in records if r.note is None]
    if not applied:
        return records, "", False

    def refuse(why: str) -> tuple[list[FixRecord], str, bool]:
        return [FixRecord(r.path, r.line, r.column, r.rule, r.change, r.note or f"not fixed: {why}") for r in records], "", False

    if _overlapping(edits):
        return refuse("rewrites overlap")
    if not source.round_trips():
        return refuse(f"the file does not re-encode byte for byte as {source.encoding}")
    new_text = _apply(source.text, edits)
    if problem := _verify(linted, new_text, options):
        return refuse(problem)
    diff = "".join(
        difflib.unified_diff(
            source.text.splitlines(keepends=True), new_text.splitlines(keepends=True), f"a/{source.path}", f"b/{source.path}"
        )
    )
    if options.fix != "fix":
        return records, diff, False
    path = Path(source.path)
    try:
        if path.read_bytes() != source.data:
            return refuse("the file changed while it was being linted")
        _write_atomically(path, source.encode(new_text))
    except OSError as err:
        return refuse(f"cannot write the file ({err.strerror})")
    return records, diff, True


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step, keeping its permission bits."""
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tactful")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
