"""Markdown: each paragraph or list item is one reply; code, headings, tables, HTML and front matter are not.

A small line-based reader rather than a full CommonMark parser: script libraries use plain
paragraphs and lists, and we need the exact file offset of every character, which Markdown
parsers do not keep. Continuation lines are joined with a newline that maps back to the line break.
"""

from __future__ import annotations

import re

from tactful.lint.readers.base import ReadOptions, Reply
from tactful.lint.source import iter_lines
from tactful.lint.suppress import is_marker_line
from tactful.lint.textmap import TextBuilder

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(?:\[[ xX]\][ \t]+)?|$)")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_TABLE = re.compile(r"^[ \t]*\|")
_INDENTED = re.compile(r"^(?: {4}|\t)")
# Characters Markdown would read as markup: a rewrite containing one is not written back.
FORBIDDEN = "\r\n*_`<>[]\\"


class _Block:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.lines: list[tuple[int, str]] = []  # (file offset of the content, content)

    def reply(self) -> Reply | None:
        builder = TextBuilder()
        prev_end = None
        for offset, raw in self.lines:
            content = raw.rstrip()
            if prev_end is not None:
                builder.synthetic("\n", prev_end, offset)  # the soft line break and the indentation
            builder.verbatim(offset, content)
            prev_end = offset + len(content)
        text, tmap = builder.build()
        return Reply(text, tmap, FORBIDDEN, self.kind) if text else None


class _Reader:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.block: _Block | None = None
        self.in_list = False

    def flush(self) -> None:
        if self.block and (reply := self.block.reply()):
            self.replies.append(reply)
        self.block = None

    def content(self, offset: int, line: str) -> None:
        """A line of prose (after any quote prefix)."""
        if m := _ITEM.match(line):
            self.flush()
            self.in_list = True
            self.block = _Block("Markdown list item")
            self.block.lines.append((offset + m.end(), line[m.end() :]))
            return
        if self.block is None:
            self.block = _Block("Markdown paragraph")
        stripped = line.lstrip()
        self.block.lines.append((offset + len(line) - len(stripped), stripped))

    def line(self, offset: int, line: str) -> None:
        if line[:1] not in (" ", "\t", "") and not _ITEM.match(line):
            self.in_list = False  # an unindented line after the list ends it
        if not line.strip():
            self.flush()
        elif _SETEXT.match(line) and self.block and self.block.kind == "Markdown paragraph":
            self.block = None  # the paragraph was a heading
        elif _HEADING.match(line) or _HR.match(line) or _TABLE.match(line) or is_marker_line("md", line):
            self.flush()
        elif self.block is None and not self.in_list and _INDENTED.match(line):
            pass  # an indented code block
        elif m := _QUOTE.match(line):
            if self.block and self.block.kind != "Markdown quote":
                self.flush()
            if self.block is None:
                self.block = _Block("Markdown quote")
            rest = line[m.end() :]
            if rest.strip():
                self.block.lines.append((offset + m.end(), rest))
        else:
            self.content(offset, line)


def read_md(text: str, options: ReadOptions) -> list[Reply]:
    reader = _Reader()
    lines = iter_lines(text)
    i = 0
    if lines and lines[0][1].rstrip() == "---":  # YAML front matter
        i = next((j + 1 for j in range(1, len(lines)) if lines[j][1].rstrip() in ("---", "...")), 0)
    while i < len(lines):
        offset, line, _ = lines[i]
        if fence := _FENCE.match(line):
            reader.flush()
            reader.in_list = reader.in_list and line[:1] in (" ", "\t")
            mark = fence.group(1)
            i += 1
            while i < len(lines) and not lines[i][1].strip().startswith(mark[0] * len(mark)):
                i += 1
        elif line.lstrip().startswith("<!--") and not is_marker_line("md", line):
            reader.flush()
            while i < len(lines) and "-->" not in lines[i][1]:
                i += 1
        else:
            reader.line(offset, line)
        i += 1
    reader.flush()
    return reader.replies
