"""What every reader yields: replies with their text, where it came from, and what may be written back."""

from __future__ import annotations

from dataclasses import dataclass, field

from tactful.lint.textmap import TextBuilder, TextMap

DEFAULT_KEYS: tuple[str, ...] = ("text", "reply", "content", "话术")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    column: str | None = None  # CSV/TSV column name (or 1-based number)
    fields: tuple[str, ...] = ()  # JSON/YAML paths such as scripts[].reply


@dataclass(slots=True)
class Reply:
    text: str
    map: TextMap
    # Characters a replacement may not contain to be written into this spot verbatim
    # (a quote inside a quoted cell, a newline in a one-line reply ...); None: never rewritable.
    forbidden: str | None = "\r\n"
    where: str = "line"  # how the reply is stored, for "not fixed" messages
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.map.src_start(0)


class ReadError(Exception):
    """Malformed input; `offset` (file characters) locates it when known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def span_reply(src: int, text: str, forbidden: str | None = "\r\n", where: str = "line") -> Reply | None:
    """A reply that is a plain slice of the file (trimmed); None when it is blank."""
    builder = TextBuilder()
    builder.verbatim(src, text)
    value, tmap = builder.build()
    return Reply(value, tmap, forbidden, where) if value else None
