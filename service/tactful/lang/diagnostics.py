"""Diagnostics: errors as values with a position, rendered with a caret and a hint at the edges."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A place in a rule file: 1-based line/column (columns in characters) plus length."""

    path: str
    line: int
    column: int
    length: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a rule file. Codes: E1xx syntax, E2xx names, E3xx patterns, E4xx examples."""

    code: str
    message: str
    span: SourceSpan | None
    hint: str | None = None
    severity: str = "error"
    related: tuple[SourceSpan, ...] = field(default=())

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.path, self.span.line, self.span.column, self.code)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.span.path if self.span else None,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
            "hint": self.hint,
        }


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide/fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render(diag: Diagnostic, source: str | None = None) -> str:
    """Render GNU-style `path:line:col: error[E203]: message`, the source line, a caret run, a hint."""
    head = f"{diag.span}: " if diag.span else ""
    lines = [f"{head}{diag.severity}[{diag.code}]: {diag.message}"]
    gutter = " " * len(str(diag.span.line)) if diag.span is not None else " "
    if diag.span is not None:
        if source is None:
            try:
                source = Path(diag.span.path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                source = None
        # Lines as the parser counts them: only \n ends one (splitlines() also splits at \x0c,
        # \x1c, \x85, U+2028..., which would show a line other than the one the position is on).
        src_lines = [ln.removesuffix("\r") for ln in source.split("\n")] if source is not None else []
        if 0 < diag.span.line <= len(src_lines):
            text = src_lines[diag.span.line - 1].replace("\t", " ")
            col = max(diag.span.column - 1, 0)
            pad = display_width(text[:col])
            marked = text[col : col + max(diag.span.length, 1)] or " "
            lines.append(f"{gutter} |")
            lines.append(f"{diag.span.line} | {text}")
            lines.append(f"{gutter} | {' ' * pad}{'^' * max(display_width(marked), 1)}")
    if diag.hint:
        lines.append(f"{gutter} = hint: {diag.hint}")
    for rel in diag.related:
        lines.append(f"{gutter} = note: see {rel}")
    return "\n".join(lines)


class CompileError(Exception):
    """Raised at the API edge when a ruleset cannot be built; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)
        super().__init__(f"{len(self.diagnostics)} error(s) in rule files")

    def render(self, limit: int = 20) -> str:
        shown = [render(d) for d in self.diagnostics[:limit]]
        if len(self.diagnostics) > limit:
            shown.append(f"... and {len(self.diagnostics) - limit} more")
        return "\n\n".join(shown)
