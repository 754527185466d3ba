"""JSON and JSON Lines with the file position of every string (the json module keeps none)."""

from __future__ import annotations

import re

from tactful.lint.readers.base import ReadError, ReadOptions, Reply
from tactful.lint.readers.tree import Node, select
from tactful.lint.textmap import TextBuilder

_WS = re.compile(r"[ \t\r\n]*")
_RUN = re.compile(r'[^"\\\x00-\x1f]+')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# Written into a JSON string as-is, these would end it or be invalid: such rewrites are skipped.
FORBIDDEN = '"\\' + "".join(chr(c) for c in range(0x20))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def fail(self, what: str) -> ReadError:
        got = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of file"
        return ReadError(f"malformed JSON: expected {what}, found {got}", self.pos)

    def value(self) -> Node:
        self.ws()
        start = self.pos
        c = self.text[start : start + 1]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            return self.string()
        for word in ("true", "false", "null"):
            if self.text.startswith(word, start):
                self.pos += len(word)
                return Node("other", start)
        if m := _NUMBER.match(self.text, start):
            if m.end() > start:
                self.pos = m.end()
                return Node("other", start)
        raise self.fail("a value")

    def obj(self) -> Node:
        node = Node("map", self.pos)
        self.pos += 1
        self.ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return node
        while True:
            self.ws()
            if not self.text.startswith('"', self.pos):
                raise self.fail("a string key")
            key = self.string()
            self.ws()
            if not self.text.startswith(":", self.pos):
                raise self.fail("':'")
            self.pos += 1
            node.items.append((key.reply.text if key.reply else "", self.value()))
            self.ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("}", self.pos):
                self.pos += 1
                return node
            else:
                raise self.fail("',' or '}'")

    def arr(self) -> Node:
        node = Node("seq", self.pos)
        self.pos += 1
        self.ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return node
        while True:
            node.elements.append(self.value())
            self.ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("]", self.pos):
                self.pos += 1
                return node
            else:
                raise self.fail("',' or ']'")

    def string(self) -> Node:
        text, start = self.text, self.pos
        builder = TextBuilder()
        i = start + 1
        while True:
            if m := _RUN.match(text, i):
                builder.verbatim(i, m.group())
                i = m.end()
            c = text[i : i + 1]
            if c == '"':
                break
            if c != "\\":
                self.pos = i
                raise self.fail("a closing quote" if not c else "no control character in a string")
            esc = text[i + 1 : i + 2]
            if esc in _ESCAPES:
                builder.synthetic(_ESCAPES[esc], i, i + 2)
                i += 2
            elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                code, end = int(text[i + 2 : i + 6], 16), i + 6
                if 0xD800 <= code < 0xDC00 and re.fullmatch(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}", text[end : end + 6]):
                    code = 0x10000 + ((code - 0xD800) << 10) + (int(text[end + 2 : end + 6], 16) - 0xDC00)
                    end += 6
                builder.synthetic(chr(code), i, end)
                i = end
            else:
                self.pos = i
                raise self.fail("a valid escape")
        self.pos = i + 1
        value, tmap = builder.build()
        return Node("str", start, reply=Reply(value, tmap, FORBIDDEN, "JSON string"))


def parse_documents(text: str, many: bool) -> list[Node]:
    parser = _Parser(text)
    roots: list[Node] = []
    try:
        while True:
            parser.ws()
            if parser.pos >= len(text):
                break
            if roots and not many:
                raise parser.fail("end of file")
            roots.append(parser.value())
    except RecursionError:
        raise ReadError("JSON nested too deeply", parser.pos) from None
    return roots


def read_json(text: str, options: ReadOptions) -> list[Reply]:
    return select(parse_documents(text, many=False), options.fields)


def read_jsonl(text: str, options: ReadOptions) -> list[Reply]:
    return select(parse_documents(text, many=True), options.fields)
