"""Where each character of a reply came from in its file, so findings and fixes map back exactly.

A reply's text is not always a slice of the file: CSV doubles quotes, JSON escapes, YAML folds lines.
A `TextMap` is a list of pieces. A verbatim piece copies file characters one to one; a synthetic piece
stands for characters the format produced from a different run of file text (an escape, a folded
line break). Only verbatim text can be rewritten in place.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Piece:
    start: int  # first reply character
    length: int  # reply characters
    src: int  # first file character
    src_length: int  # file characters
    verbatim: bool


class TextBuilder:
    """Accumulates a reply's text together with where every piece came from."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pieces: list[Piece] = []
        self._len = 0

    def verbatim(self, src: int, text: str) -> None:
        if not text:
            return
        last = self._pieces[-1] if self._pieces else None
        if last and last.verbatim and last.src + last.src_length == src:
            # Extend the previous piece: keeps maps of long plain runs at one piece.
            self._pieces[-1] = Piece(last.start, last.length + len(text), last.src, last.src_length + len(text), True)
        else:
            self._pieces.append(Piece(self._len, len(text), src, len(text), True))
        self._parts.append(text)
        self._len += len(text)

    def synthetic(self, text: str, src: int, src_end: int) -> None:
        """`text` (possibly empty) stands for file characters [src, src_end)."""
        if not text:
            return
        self._pieces.append(Piece(self._len, len(text), src, src_end - src, False))
        self._parts.append(text)
        self._len += len(text)

    def build(self, trim: bool = True) -> tuple[str, TextMap]:
        text = "".join(self._parts)
        pieces = self._pieces
        if trim:
            lead = len(text) - len(text.lstrip())
            keep = len(text.rstrip()) - lead
            if lead or keep != len(text):
                pieces = _slice(pieces, lead, lead + max(keep, 0))
                text = text[lead : lead + max(keep, 0)]
        return text, TextMap(pieces)


def _slice(pieces: list[Piece], a: int, b: int) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        lo, hi = max(a, p.start), min(b, p.start + p.length)
        if lo >= hi:
            continue
        if p.verbatim:
            out.append(Piece(lo - a, hi - lo, p.src + (lo - p.start), hi - lo, True))
        else:  # part of an escape still stands for the whole escape
            out.append(Piece(lo - a, hi - lo, p.src, p.src_length, False))
    return out


class TextMap:
    __slots__ = ("_pieces", "_starts")

    def __init__(self, pieces: list[Piece]) -> None:
        self._pieces = pieces
        self._starts = [p.start for p in pieces]

    @classmethod
    def plain(cls, src: int, length: int) -> TextMap:
        return cls([Piece(0, length, src, length, True)] if length else [])

    def _piece(self, i: int) -> Piece:
        return self._pieces[max(bisect_right(self._starts, i) - 1, 0)]

    def src_start(self, i: int) -> int:
        if not self._pieces:
            return 0
        p = self._piece(i)
        if i >= p.start + p.length:  # past the end: just after the last character
            return p.src + p.src_length
        return p.src + (i - p.start) if p.verbatim else p.src

    def src_end(self, i: int) -> int:
        """File offset just after reply character i."""
        p = self._piece(i)
        return p.src + (i - p.start) + 1 if p.verbatim else p.src + p.src_length

    def span(self, a: int, b: int) -> tuple[int, int]:
        """File character range covering reply characters [a, b) (an empty range at a's place if a == b)."""
        if b > a:
            return self.src_start(a), self.src_end(b - 1)
        pos = self.src_end(a - 1) if a > 0 else self.src_start(0)
        return pos, pos

    def writable(self, a: int, b: int) -> tuple[int, int] | None:
        """The file range to overwrite for reply characters [a, b), or None when they are not verbatim
        file text (an escape, a folded line) and rewriting them would need re-quoting."""
        total = self._pieces[-1].start + self._pieces[-1].length if self._pieces else 0
        if not self._pieces or b > total or a > b:
            return None
        if a == b:
            if a > 0 and self._piece(a - 1).verbatim:
                end = self.src_end(a - 1)
                return end, end
            if a < total and self._piece(a).verbatim:
                start = self.src_start(a)
                return start, start
            return None
        i = a
        while i < b:
            p = self._piece(i)
            if not p.verbatim:
                return None
            i = p.start + p.length
        start, end = self.src_start(a), self.src_end(b - 1)
        return (start, end) if end - start == b - a else None
