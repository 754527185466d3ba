"""The tokens of .tact text as the grammar's lexer sees them, for editors: tolerant of half-typed input."""

from __future__ import annotations

from dataclasses import dataclass

from lark.exceptions import UnexpectedInput

from tactful.lang.grammar import parser


@dataclass(frozen=True, slots=True)
class Tok:
    """One token; line and columns 1-based, columns in characters, `end` exclusive."""

    type: str
    text: str
    line: int
    column: int
    end: int


def tokens(text: str) -> list[Tok]:
    """Every token of `text` (comments dropped). A line the lexer cannot read (an unclosed string
    while typing) is skipped from the bad character on, so the rest of the file still counts."""
    out: list[Tok] = []
    offset_line, rest = 0, text
    while True:
        try:
            for tok in parser().lex(rest):
                line = (tok.line or 1) + offset_line
                out.append(Tok(tok.type, str(tok), line, tok.column or 1, (tok.column or 1) + len(str(tok))))
            return out
        except UnexpectedInput as err:
            pos = getattr(err, "pos_in_stream", None)
            if pos is None:
                return out
            newline = rest.find("\n", pos)
            if newline < 0:
                return out
            offset_line += rest.count("\n", 0, newline + 1)
            rest = rest[newline + 1 :]
