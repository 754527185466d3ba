"""Conditions written back in the rule language: how `tactful explain` quotes a condition whose
source spans several lines (or whose file text is not at hand)."""

from __future__ import annotations

from typing import Any

from tactful.lang import ast


def unparse(expr: Any) -> str:  # noqa: C901, PLR0912 - one arm per construct
    """A condition written back in the rule language (for conditions spanning lines)."""
    match expr:
        case ast.Contains(terms=ast.Ref(name=name)):
            return f"@{name}"
        case ast.Contains(terms=ast.Lits(terms=terms)):
            return "[" + ", ".join(f'"{t}"' for t in terms) + "]"
        case ast.Regex(pattern=p, ignore_case=i):
            return f"/{p}/" + ("i" if i else "")
        case ast.Starts(inner=x):
            return f"starts with {_paren(x)}"
        case ast.Ends(inner=x):
            return f"ends with {_paren(x)}"
        case ast.Count(inner=x, op=op, n=n):
            return f"count({unparse(x)}) {op} {n}"
        case ast.Near(left=lhs, right=rhs, within=w, ordered=o):
            return f"{_paren(lhs)} {'followed by' if o else 'near'} {_paren(rhs)} within {w}"
        case ast.SegmentNear(left=lhs, right=rhs, segment=seg, ordered=o):
            return f"{_paren(lhs)} {'followed by' if o else 'near'} {_paren(rhs)} within {seg}"
        case ast.Without(left=lhs, right=rhs, segment=seg):
            return f"{_paren(lhs)} without {_paren(rhs)} in {seg}"
        case ast.SegmentStarts(inner=x, segment=seg):
            return f"{seg} starts with {_paren(x)}"
        case ast.Quoted():
            return "quoted"
        case ast.Valid(inner=x, check=c):
            return f"{_paren(x)} valid {c}"
        case ast.TurnIs(turns=turns):
            return f"turn is {turns[0]}" if len(turns) == 1 else f"turn in [{', '.join(turns)}]"
        case ast.ChannelIs(channel=c):
            return f"channel is {c}"
        case ast.LocaleIs(locale=loc):
            return f"locale is {loc}"
        case ast.Customer(inner=x):
            return f"customer {_paren(x)}"
        case ast.TimeIn(start=lo, end=hi):
            if lo is None:
                return f"time before {_hhmm(hi)}"
            if hi is None:
                return f"time after {_hhmm(lo)}"
            return f"time between {_hhmm(lo)} and {_hhmm(hi)}"
        case ast.InScope(name=name):
            return f"in {name}"
        case ast.And(items=items):
            return " and ".join(_paren(i) for i in items)
        case ast.Or(items=items):
            return " or ".join(_paren(i) for i in items)
        case ast.Not(inner=x):
            return f"not {_paren(x)}"
    return "?"


def _paren(expr: Any) -> str:
    text = unparse(expr)
    return f"({text})" if isinstance(expr, (ast.And, ast.Or, ast.Near, ast.SegmentNear, ast.Without)) else text


def _hhmm(minutes: int | None) -> str:
    m = minutes or 0
    return f"{m // 60:02d}:{m % 60:02d}"


def unparse_cue(cue: ast.ScopeCue) -> str:
    terms = f"@{cue.terms.name}" if isinstance(cue.terms, ast.Ref) else "[" + ", ".join(f'"{t}"' for t in cue.terms.terms) + "]"
    return f"{cue.direction} {terms} within {cue.within}{' clause' if cue.clause else ''}"
