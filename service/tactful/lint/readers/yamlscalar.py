"""Character maps for YAML scalars: plain, quoted (with escapes) and block (| and >) styles.

PyYAML gives each scalar's value and where its token starts and ends, not where each character
came from. We rebuild the value from the token with the YAML folding rules and keep a map; if the
rebuilt text differs from PyYAML's value (an exotic construct), we fall back to a map that points
every character at the scalar's start, which keeps positions honest and makes the reply unfixable.
"""

from __future__ import annotations

import re

from tactful.lint.readers.base import Reply
from tactful.lint.textmap import Piece, TextBuilder, TextMap

_BREAK = re.compile(r"\r\n|\r|\n")
_DQ_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX = {"x": 2, "u": 4, "U": 8}
FORBIDDEN = {
    "plain": "\r\n#:",
    "'": "'\r\n",
    '"': '"\\\r\n',
    "|": "\r\n",
    ">": "\r\n",
}
WHERE = {"plain": "YAML plain scalar", "'": "YAML single-quoted string", '"': "YAML double-quoted string",
         "|": "YAML literal block", ">": "YAML folded block"}  # fmt: skip


def _lines(text: str, a: int, b: int) -> list[tuple[int, str]]:
    """(offset, line) for the lines of text[a:b]."""
    out: list[tuple[int, str]] = []
    pos = a
    for m in _BREAK.finditer(text, a, b):
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:b]))
    return out


def _content(builder: TextBuilder, offset: int, line: str, style: str) -> None:
    """One line of a flow scalar, unescaping quotes."""
    if style == "plain":
        builder.verbatim(offset, line)
        return
    i = 0
    while i < len(line):
        j = line.find("'" if style == "'" else "\\", i)
        if j < 0:
            builder.verbatim(offset + i, line[i:])
            return
        builder.verbatim(offset + i, line[i:j])
        if style == "'":  # '' stands for '
            builder.synthetic("'", offset + j, offset + j + 2)
            i = j + 2
            continue
        esc = line[j + 1 : j + 2]
        if esc in _HEX:
            n = _HEX[esc]
            builder.synthetic(chr(int(line[j + 2 : j + 2 + n], 16)), offset + j, offset + j + 2 + n)
            i = j + 2 + n
        else:
            builder.synthetic(_DQ_ESCAPES.get(esc, esc), offset + j, offset + j + 2)
            i = j + 2


def _flow(text: str, a: int, b: int, style: str) -> TextBuilder:
    builder = TextBuilder()
    lines = _lines(text, a, b)
    prev_end: int | None = None
    empties = 0
    joined = False  # the previous line ended with an escaped line break
    for n, (offset, line) in enumerate(lines):
        first, last = n == 0, n == len(lines) - 1
        body = line if first else line.lstrip(" \t")
        start = offset + len(line) - len(body)
        if not last:
            body = body.rstrip(" \t")
        if not body and not first and not last:
            empties += 1
            continue
        escaped_break = style == '"' and not last and body.endswith("\\") and (len(body) - len(body.rstrip("\\"))) % 2 == 1
        if prev_end is not None:
            joiner = "" if joined else ("\n" * empties if empties else " ")
            builder.synthetic(joiner, prev_end, start)
        _content(builder, start, body[:-1] if escaped_break else body, style)
        prev_end = start + len(body)
        joined, empties = escaped_break, 0
    return builder


def _block(text: str, a: int, b: int, style: str) -> TextBuilder:
    builder = TextBuilder()
    header = _BREAK.search(text, a, b)
    if not header:
        return builder
    lines = _lines(text, header.end(), b)
    indent = next((len(line) - len(line.lstrip(" ")) for _, line in lines if line.strip()), 0)
    prev_end: int | None = None
    prev_more = False
    empties = 0
    for offset, line in lines:
        if not line[indent:].strip() and len(line) - len(line.lstrip(" ")) >= min(indent, len(line)):
            if line.strip() == "":
                empties += 1
                continue
        if len(line) - len(line.lstrip(" ")) < indent:
            break  # dedented: the scalar ended (a comment or the next key)
        body = line[indent:]
        more = body[:1] in (" ", "\t")
        start = offset + indent
        if prev_end is not None:
            if style == ">" and not more and not prev_more:
                joiner = "\n" * empties if empties else " "
            else:
                joiner = "\n" * (empties + 1)
            builder.synthetic(joiner, prev_end, start)
        builder.verbatim(start, body)
        prev_end, prev_more, empties = start + len(body), more, 0
    return builder


_PROPERTY = re.compile(r"(?:[&!][^ \t\r\n]*[ \t\r\n]+)+")


def scalar_reply(text: str, start: int, end: int, style: str | None, value: str) -> Reply:
    style = style or "plain"
    if prop := _PROPERTY.match(text, start, end):  # an anchor or tag before the value
        start = prop.end()
    if style in ("|", ">"):
        builder = _block(text, start, end, style)
    elif style in ("'", '"'):
        builder = _flow(text, start + 1, end - 1, style)
    else:
        builder = _flow(text, start, end, "plain")
    built, tmap = builder.build()
    if built == value.strip():
        return Reply(built, tmap, FORBIDDEN[style], WHERE[style])
    # Could not rebuild the value: point everything at the scalar, never write it back.
    trimmed = value.strip()
    return Reply(trimmed, TextMap([Piece(0, len(trimmed), start, end - start, False)]) if trimmed else TextMap([]), None, WHERE[style])
