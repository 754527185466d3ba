"""A decoded script file: its exact bytes, how they were decoded, and character offset -> line/column."""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from dataclasses import dataclass, field

# BOMs we recognise, longest first (a UTF-32 LE BOM starts with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Exported spreadsheets from Chinese Excel are often GB18030/GBK; anything else is refused rather than guessed.
_FALLBACK = "gb18030"
_BREAK = re.compile(r"\r\n|\r|\n")
BINARY_SNIFF = 8192


class SourceError(Exception):
    """The file cannot be read as text; `offset` (characters) locates the problem when known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first block means binary, unless a UTF-16/32 BOM explains it."""
    if any(head.startswith(bom) for bom, enc in _BOMS if enc != "utf-8"):
        return False
    return b"\0" in head[:BINARY_SNIFF]


@dataclass(slots=True)
class Source:
    path: str
    data: bytes
    text: str
    encoding: str
    bom: bytes
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.line_starts:
            self.line_starts = [0, *(m.end() for m in _BREAK.finditer(self.text))]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count code points."""
        line = bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def byte_offset(self, offset: int) -> int:
        """Offset in the file's bytes (BOM included) of a character offset."""
        line = bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[line]
        prefix = len(self.text[:start].encode(self.encoding)) if start else 0
        return len(self.bom) + prefix + len(self.text[start:offset].encode(self.encoding))

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)

    def round_trips(self) -> bool:
        """Whether re-encoding the decoded text gives back the exact bytes (required before any --fix)."""
        return self.encode(self.text) == self.data


def decode(path: str, data: bytes) -> Source:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Source(path, data, data[len(bom) :].decode(encoding), encoding, bom)
            except UnicodeDecodeError as err:
                raise SourceError(f"not valid {encoding} text (byte {err.start + len(bom)})") from None
    try:
        return Source(path, data, data.decode("utf-8"), "utf-8", b"")
    except UnicodeDecodeError as err:
        first = err.start
    try:
        return Source(path, data, data.decode(_FALLBACK), _FALLBACK, b"")
    except UnicodeDecodeError:
        raise SourceError(f"not UTF-8 (nor GB18030) text: invalid byte at offset {first}") from None


_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


def iter_lines(text: str) -> list[tuple[int, str, str]]:
    """(offset, line without its break, the break) for each line; CR, LF and CRLF all end a line."""
    out: list[tuple[int, str, str]] = []
    for m in _LINE.finditer(text):
        if m.start() == len(text) and (out or not text):
            break
        out.append((m.start(), m.group(1), m.group(2)))
    return out
