"""Plain text: every non-empty line is one reply (marker comment lines are not replies)."""

from __future__ import annotations

from tactful.lint.readers.base import ReadOptions, Reply, span_reply
from tactful.lint.source import iter_lines
from tactful.lint.suppress import is_marker_line


def read_txt(text: str, options: ReadOptions) -> list[Reply]:
    replies: list[Reply] = []
    for offset, line, _ in iter_lines(text):
        if not line.strip() or is_marker_line("txt", line):
            continue
        reply = span_reply(offset, line)
        if reply:
            replies.append(reply)
    return replies
