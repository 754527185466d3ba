"""What linting one file produces: findings with original positions, file problems, fix records."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from tactful.model import Severity


def reply_hash(text: str) -> str:
    """Identity of a reply for baselines: survives re-indenting, re-wrapping and moving it."""
    canonical = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Region:
    line: int  # 1-based
    column: int  # 1-based, code points
    end_line: int
    end_column: int  # exclusive
    offset: int  # characters into the decoded file
    end_offset: int
    byte_offset: int  # bytes into the file, BOM included
    byte_end: int


@dataclass(frozen=True, slots=True)
class FileEdit:
    region: Region
    replacement: str


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    region: Region
    rule: str
    category: str
    severity: Severity
    message: str
    pack: str
    reply_hash: str
    match: str
    suggestion: str | None = None  # "old → new", human readable
    edits: tuple[FileEdit, ...] = ()  # the rewrite in file coordinates, when it can be written back
    fix_note: str | None = None  # why the rewrite cannot be applied automatically
    suppressed: str | None = None  # the inline suppression's reason


@dataclass(frozen=True, slots=True)
class FileProblem:
    """The file could not be (fully) linted: unreadable, malformed, no script column."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FixRecord:
    path: str
    line: int
    column: int
    rule: str
    change: str  # "“old” → “new”"
    note: str | None = None  # set when the fix was not applied, saying why


@dataclass(slots=True)
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)  # reported
    suppressed: list[Finding] = field(default_factory=list)  # inline markers with reasons
    baselined: list[Finding] = field(default_factory=list)  # known in the baseline
    problems: list[FileProblem] = field(default_factory=list)
    fixes: list[FixRecord] = field(default_factory=list)
    diff: str = ""
    replies: int = 0
    lines: int = 0
    skipped: str | None = None  # binary files and the like: not linted, not an error
