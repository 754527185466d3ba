"""Linting one file: read its replies, check each, map findings back, apply suppressions and baseline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from tactful.compile.ruleset import Library
from tactful.engine import apply_edits, check
from tactful.lint.baseline import Baseline
from tactful.lint.findings import FileEdit, FileProblem, FileResult, Finding, Region, reply_hash
from tactful.lint.readers import FieldPathError, ReadError, ReadOptions, Reply, reader_for
from tactful.lint.source import Source, SourceError, decode, looks_binary
from tactful.lint.suppress import SUPPRESSION_RULE, Marker, assign, find_markers
from tactful.model import Context, Edit, Severity, Violation


@dataclass(frozen=True, slots=True)
class LintOptions:
    ruleset: str | None = None
    locale: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    fix: str = "none"  # none | fix | diff
    baseline: Baseline | None = None


@dataclass(slots=True)
class Checked:
    """A reply with its violations, kept for --fix."""

    reply: Reply
    active: list[Violation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Linted:
    result: FileResult
    source: Source | None = None
    kind: str = ""
    checked: list[Checked] = field(default_factory=list)


def region(source: Source, start: int, end: int) -> Region:
    line, col = source.position(start)
    end_line, end_col = source.position(end)
    return Region(line, col, end_line, end_col, start, end, source.byte_offset(start), source.byte_offset(end))


def _problem(path: str, message: str, source: Source | None = None, offset: int | None = None) -> FileProblem:
    if source is not None and offset is not None:
        line, col = source.position(min(offset, len(source.text)))
        return FileProblem(path, message, line, col)
    return FileProblem(path, message)


def _fix_note(reply: Reply, v: Violation) -> str | None:
    edits = v.suggestions[0].edits if v.suggestions else ()
    if not edits:
        return None
    if reply.forbidden is None:
        return f"not fixable automatically: the {reply.where} could not be mapped character by character"
    for e in edits:
        if reply.map.writable(e.start, e.end) is None:
            return f"not fixable automatically: the text is escaped or folded in the {reply.where}"
        if bad := next((c for c in e.replacement if c in reply.forbidden), None):
            return f"not fixable automatically: the rewrite contains {bad!r}, which would need re-quoting in a {reply.where}"
    return None


def _finding(source: Source, reply: Reply, v: Violation, digest: str) -> Finding:
    if v.end > v.start:
        start, end = reply.map.span(v.start, v.end)
    else:  # a whole-reply violation (e.g. a missing greeting) marks the whole reply
        start, end = reply.map.span(0, len(reply.text))
    edits = v.suggestions[0].edits if v.suggestions else ()
    suggestion = None
    if edits:
        lo, hi = min(e.start for e in edits), max(e.end for e in edits)
        before = reply.text[lo:hi]
        after = apply_edits(before, [Edit(e.start - lo, e.end - lo, e.replacement) for e in edits])
        suggestion = f"“{before}” → “{after}”" if before else f"insert “{after}”"
    elif v.suggestions:
        suggestion = v.suggestions[0].description
    note = _fix_note(reply, v)
    file_edits: tuple[FileEdit, ...] = ()
    if edits and note is None:
        for e in edits:
            span = reply.map.writable(e.start, e.end)
            if span is not None:  # always, once _fix_note found nothing in the way
                file_edits += (FileEdit(region(source, *span), e.replacement),)
    return Finding(
        path=source.path,
        region=region(source, start, end),
        rule=v.rule,
        category=v.category,
        severity=v.severity,
        message=v.message,
        pack=v.pack,
        reply_hash=digest,
        match=v.match,
        suggestion=suggestion,
        edits=file_edits,
        fix_note=note,
    )


def _marker_finding(source: Source, marker: Marker) -> Finding:
    return Finding(
        path=source.path,
        region=region(source, marker.offset, marker.offset + marker.length),
        rule=SUPPRESSION_RULE,
        category="suppression",
        severity=Severity.ERROR,
        message=marker.problem or "",
        pack="tactful",
        reply_hash=reply_hash(source.text[marker.offset : marker.offset + marker.length]),
        match=source.text[marker.offset : marker.offset + marker.length],
    )


def read_source(path: str, display: str) -> tuple[Source | None, FileResult]:
    result = FileResult(display)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        result.problems.append(FileProblem(display, f"cannot read file: {err.strerror or err}"))
        return None, result
    if looks_binary(data):
        result.skipped = "binary file"
        return None, result
    try:
        return decode(display, data), result
    except SourceError as err:
        result.problems.append(FileProblem(display, err.message))
        return None, result


def lint_source(source: Source, result: FileResult, library: Library, options: LintOptions) -> Linted:
    linted = Linted(result, source)
    found = reader_for(source.path)
    if found is None:
        result.problems.append(FileProblem(source.path, "not a script file (.txt .md .csv .tsv .json .jsonl .yaml .yml)"))
        return linted
    linted.kind, read = found
    try:
        replies = read(source.text, options.read)
    except ReadError as err:
        result.problems.append(_problem(source.path, err.message, source, err.offset))
        return linted
    except FieldPathError as err:
        result.problems.append(FileProblem(source.path, str(err)))
        return linted
    result.replies = len(replies)
    result.lines = len(source.line_starts)
    markers = [_check_rule_ids(m, library) for m in find_markers(linted.kind, source.text)]
    covered = assign(markers, [r.start for r in replies])
    found_all = [_marker_finding(source, m) for m in markers if m.problem]
    ctx = Context(locale=options.locale)
    for i, reply in enumerate(replies):
        rs = library.select(options.ruleset, options.locale, reply.text)
        outcome = check(rs, reply.text, ctx)
        if not outcome.violations:
            continue
        digest = reply_hash(reply.text)
        item = Checked(reply)
        reasons = {rule: m.reason for m in covered.get(i, ()) for rule in m.rules}
        for v in outcome.violations:
            finding = _finding(source, reply, v, digest)
            if v.rule in reasons:
                result.suppressed.append(_with_reason(finding, reasons[v.rule]))
                continue
            item.active.append(v)
            item.findings.append(finding)
            found_all.append(finding)
        linted.checked.append(item)
    found_all.sort(key=lambda f: (f.region.offset, f.region.end_offset, f.rule))
    if options.baseline is not None:
        result.findings, result.baselined = options.baseline.partition(found_all)
        known = {id(f) for f in result.baselined}
        for item in linted.checked:
            keep = [(v, f) for v, f in zip(item.active, item.findings, strict=True) if id(f) not in known]
            item.active, item.findings = [v for v, _ in keep], [f for _, f in keep]
    else:
        result.findings = found_all
    return linted


def _check_rule_ids(marker: Marker, library: Library) -> Marker:
    """A marker naming a rule no pack has (a typo) would silently suppress nothing: report it."""
    if marker.problem:
        return marker
    known = {r.id for rs in library.rulesets.values() for r in rs.rules}
    unknown = [x for x in marker.rules if x not in known]
    if unknown:
        return replace(marker, problem=f"suppression names unknown rule {unknown[0]!r}")
    return marker


def _with_reason(finding: Finding, reason: str) -> Finding:
    return replace(finding, suppressed=reason)


def lint_file(path: str, display: str, library: Library, options: LintOptions) -> Linted:
    source, result = read_source(path, display)
    if source is None:
        return Linted(result)
    return lint_source(source, result, library, options)
