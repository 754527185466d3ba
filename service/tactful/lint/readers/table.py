"""CSV and TSV: one reply per row from the script column, with positions through RFC 4180 quoting.

Python's csv module does not report where a cell starts, and a quoted cell may span lines and
double its quotes, so this is a small tokenizer that keeps a character map for every cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tactful.lint.readers.base import DEFAULT_KEYS, ReadError, ReadOptions, Reply
from tactful.lint.textmap import TextBuilder


@dataclass(slots=True)
class _Cell:
    builder: TextBuilder
    raw: str  # value, for header matching
    quoted: bool
    offset: int


def _cells(text: str, delim: str) -> Iterator[list[_Cell]]:
    unquoted = re.compile(rf"[^{re.escape(delim)}\r\n]*")
    i, n = 0, len(text)
    record: list[_Cell] = []
    while i < n or record:
        builder = TextBuilder()
        start = i
        if i < n and text[i] == '"':
            parts: list[str] = []
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ReadError("unterminated quoted CSV field", start)
                builder.verbatim(j, text[j:k])
                parts.append(text[j:k])
                if text.startswith('""', k):
                    builder.synthetic('"', k, k + 2)
                    parts.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            if i < n and text[i] not in (delim, "\r", "\n"):
                raise ReadError(f"unexpected {text[i]!r} after a closing quote (a quote inside a field must be doubled)", i)
            record.append(_Cell(builder, "".join(parts), True, start))
        else:
            m = unquoted.match(text, i)
            value = m.group() if m else ""
            builder.verbatim(i, value)
            i += len(value)
            record.append(_Cell(builder, value, False, start))
        if i < n and text[i] == delim:
            i += 1
            if i == n:
                record.append(_Cell(TextBuilder(), "", False, i))
            else:
                continue
        elif i < n:
            i += 2 if text.startswith("\r\n", i) else 1
        yield record
        record = []


def _pick_column(header: list[str], wanted: str | None) -> int:
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if wanted is not None:
        if wanted in names:
            return names.index(wanted)
        if wanted.lower() in lowered:
            return lowered.index(wanted.lower())
        if wanted.isdigit() and 1 <= int(wanted) <= len(names):
            return int(wanted) - 1
        raise ReadError(f"no column {wanted!r}; the header has: {', '.join(names)}", 0)
    for key in DEFAULT_KEYS:
        if key in lowered:
            return lowered.index(key)
    raise ReadError(f"no column named {'/'.join(DEFAULT_KEYS)}; the header has: {', '.join(names)} (choose one with --column)", 0)


def read_table(text: str, options: ReadOptions, delim: str = ",") -> list[Reply]:
    rows = _cells(text, delim)
    header = next(rows, None)
    if header is None:
        return []
    col = _pick_column([c.raw for c in header], options.column)
    replies: list[Reply] = []
    for row in rows:
        if col >= len(row):
            continue
        cell = row[col]
        value, tmap = cell.builder.build()
        if not value:
            continue
        if cell.quoted:
            replies.append(Reply(value, tmap, '"', "quoted CSV cell"))
        else:
            replies.append(Reply(value, tmap, f'{delim}"\r\n', "CSV cell"))
    return replies


def read_csv(text: str, options: ReadOptions) -> list[Reply]:
    return read_table(text, options, ",")


def read_tsv(text: str, options: ReadOptions) -> list[Reply]:
    return read_table(text, options, "\t")
