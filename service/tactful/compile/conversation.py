"""Lowering of the conversation conditions (customer said, agent said, repeated, reply after, comes before)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tactful.conditions import ComesBefore, Node, Repeated, ReplyAfter, SaidEarlier
from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic

if TYPE_CHECKING:
    from tactful.compile.lowering import Lowering

_MAX_TURNS = 1000


def _within(low: Lowering, n: int, expr: ast.SaidEarlier | ast.Repeated) -> bool:
    if 1 <= n <= _MAX_TURNS:
        return True
    low.diags.append(
        Diagnostic("E224", f"`within {n} turns` is out of range", expr.span, hint=f"count at least 1 and at most {_MAX_TURNS} turns back")
    )
    return False


def lower_conversation(low: Lowering, expr: ast.SaidEarlier | ast.Repeated | ast.ReplyAfter | ast.ComesBefore) -> Node | None:
    match expr:
        case ast.SaidEarlier(role=role, inner=inner, within=within, unanswered=unanswered):
            sub = low.node(inner)
            answer = None if unanswered is None else low.node(unanswered)
            if not _within(low, within, expr) or sub is None or (unanswered is not None and answer is None):
                return None
            return SaidEarlier(role, sub, within, answer)
        case ast.Repeated(inner=inner, within=within):
            sub = low.node(inner)
            return None if sub is None or not _within(low, within, expr) else Repeated(sub, within)
        case ast.ReplyAfter(seconds=seconds):
            if seconds <= 0:
                low.diags.append(Diagnostic("E225", "`reply after` needs a positive duration", expr.span, hint="e.g. reply after 30s"))
                return None
            return ReplyAfter(seconds)
        case ast.ComesBefore(left=left, right=right):
            lhs, rhs = low.node(left), low.node(right)
            return None if lhs is None or rhs is None else ComesBefore(lhs, rhs)
    raise AssertionError(f"unhandled conversation condition {expr!r}")  # pragma: no cover
