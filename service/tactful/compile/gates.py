"""What a rule needs of the reply's context, known before the reply is read.

`turn is first and not @greetings` cannot hold when the request says nothing of the turn, and a
`customer …` condition cannot hold without the customer's message: such rules have no literal
trigger, so the engine used to evaluate every one of them on every reply (~7 µs of a 48 µs check
with the zh pack). Their context tests depend on a handful of facts of the request only, so the
rules that can still fire are computed once per distinct set of facts and cached on the ruleset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from tactful.conditions import And, ComesBefore, ContextTest, CustomerTest, Node, Not, Or, Repeated, ReplyAfter, SaidEarlier
from tactful.conditions.scan import Match, Scan
from tactful.model import Context
from tactful.text import NormalizedText

_CONVERSATION = (SaidEarlier, Repeated, ReplyAfter)
_NEW: Any = tuple.__new__


class Facts(NamedTuple):
    """Everything a context test reads (ContextTest.eval), plus whether a customer message and
    a conversation exist: two requests with equal facts let the same rules through."""

    turn: str | None
    channel: str | None
    locale: str | None
    time: tuple[int, int] | None
    agent_spoke: bool  # decides `turn` when the request names none but has a conversation
    customer: bool  # a customer message to evaluate `customer …` on
    conversation: bool


def facts(ctx: Context, customer: bool) -> Facts:
    conversation = ctx.conversation
    agent_spoke = bool(conversation) and ctx.turn is None and any(t.role == "agent" for t in conversation)
    # tuple.__new__: a NamedTuple's own __new__ runs in the interpreter, and this runs once per check
    return _NEW(Facts, (ctx.turn, ctx.channel, ctx.locale, ctx.time, agent_spoke, customer, bool(conversation)))  # type: ignore[no-any-return]


def _no_matches(rid: int, text: str, data: bytes | None = None) -> list[Match]:
    return []


def _context_only(ctx: Context) -> Scan:
    """A scan of an empty reply: a context test evaluated ahead of the reply reads only `context`."""
    return Scan(NormalizedText("", "", None), {}, frozenset(), ctx, _no_matches)


def static_value(node: Node, ctx: Context, f: Facts) -> bool | None:
    """Whether `node` holds, when the request alone decides it; None when the reply may matter."""
    if isinstance(node, ContextTest):
        return node.eval(_context_only(ctx))[0]
    if isinstance(node, CustomerTest):
        return False if not f.customer else None
    if isinstance(node, _CONVERSATION):
        return False if not f.conversation else None
    if isinstance(node, Not):
        inner = static_value(node.inner, ctx, f)
        return None if inner is None else not inner
    if isinstance(node, And | ComesBefore):
        items: Iterable[Node] = node.items if isinstance(node, And) else (node.left, node.right)
        values = [static_value(item, ctx, f) for item in items]
        if False in values:
            return False
        return True if all(v is True for v in values) and isinstance(node, And) else None
    if isinstance(node, Or):
        values = [static_value(item, ctx, f) for item in node.items]
        if all(v is False for v in values):
            return False
        return None  # an Or that holds still reports its items' spans: leave it to evaluation
    return None


def depends_on_context(node: Any) -> bool:
    """Could static_value ever say False for this node (so the rule is worth gating)?"""
    if isinstance(node, (ContextTest, CustomerTest, *_CONVERSATION)):
        return True
    if isinstance(node, Not):
        return depends_on_context(node.inner)
    if isinstance(node, And | Or):
        return any(depends_on_context(item) for item in node.items)
    if isinstance(node, ComesBefore):
        return depends_on_context(node.left) or depends_on_context(node.right)
    return False


class ContextRules(NamedTuple):
    always: frozenset[int]  # the trigger-less rules this request lets through
    blocked: frozenset[int]  # the triggered rules it rules out (usually none)


def context_rules(whens: Iterable[tuple[int, Node]], always: frozenset[int], ctx: Context, f: Facts) -> ContextRules:
    """Split the gated rules (index, `when`) of a ruleset by whether this request lets them fire."""
    blocked = frozenset(idx for idx, when in whens if static_value(when, ctx, f) is False)
    return ContextRules(always - blocked, blocked - always)
