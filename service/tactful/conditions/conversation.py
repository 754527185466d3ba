"""Conversation conditions: they read the turns before the reply (Context.conversation).

A condition that holds because of an earlier turn reports a zero-width match at 0 carrying that
turn's index, so the violation can say which turn triggered it; `reply after` also carries the
measured delay for the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from tactful.conditions.nodes import Node
from tactful.conditions.scan import Match, Outcome, Scan


def _holds(node: Node, scan: Scan | None) -> bool:
    return scan is not None and node.eval(scan)[0]


@dataclass(frozen=True, slots=True)
class SaidEarlier(Node):
    """A turn of `role` among the conversation's last `within` turns holds `inner`; with
    `unanswered`, no later turn of the other role holds it (e.g. no apology since the complaint).
    Reports the most recent such turn."""

    role: str
    inner: Node
    within: int
    unanswered: Node | None = None

    def eval(self, scan: Scan) -> Outcome:
        turns = scan.context.conversation
        for i in range(len(turns) - 1, max(0, len(turns) - self.within) - 1, -1):
            if turns[i].role != self.role or not _holds(self.inner, scan.turn(i)):
                continue
            if self.unanswered is not None and any(
                turns[j].role != self.role and _holds(self.unanswered, scan.turn(j)) for j in range(i + 1, len(turns))
            ):
                # An answer after this turn also follows every older one: nothing older is unanswered.
                return (False, [])
            return (True, [Match(0, 0, turn=i)])
        return (False, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None


@dataclass(frozen=True, slots=True)
class Repeated(Node):
    """The reply's matches of `inner` whose wording one of the agent's last `within` turns also
    matched (the same stalling formula again and again); reports them with that turn."""

    inner: Node
    within: int

    def eval(self, scan: Scan) -> Outcome:
        turns = scan.context.conversation
        if not turns:
            return (False, [])
        ok, found = self.inner.eval(scan)
        if not ok or not found:
            return (False, [])
        text = scan.text
        seen = 0
        for i in range(len(turns) - 1, -1, -1):
            if turns[i].role != "agent":
                continue
            seen += 1
            if seen > self.within:
                break
            earlier = scan.turn(i)
            if earlier is None:
                break
            held, prev = self.inner.eval(earlier)
            if not held:
                continue
            words = {earlier.text[m.start : m.end] for m in prev}
            kept = [Match(m.start, m.end, m.groups, m.term, turn=i) for m in found if text[m.start : m.end] in words]
            if kept:
                return (True, kept)
        return (False, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.inner.triggers()


@dataclass(frozen=True, slots=True)
class ReplyAfter(Node):
    """The customer has waited more than `seconds` for this reply: from the first customer turn
    after the agent's last turn to the reply's own time (Context.at). Needs both timestamps."""

    seconds: float

    def eval(self, scan: Scan) -> Outcome:
        ctx = scan.context
        turns = ctx.conversation
        if ctx.at is None or not turns:
            return (False, [])
        start = len(turns)
        while start > 0 and turns[start - 1].role == "customer":
            start -= 1
        if start == len(turns):
            return (False, [])  # the agent spoke last: nobody is waiting for this reply
        asked = turns[start].at
        if asked is None:
            return (False, [])
        delay = ctx.at - asked
        if delay <= self.seconds:
            return (False, [])
        return (True, [Match(0, 0, turn=start, delay=delay)])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None


@dataclass(frozen=True, slots=True)
class ComesBefore(Node):
    """`left`'s matches that end before `right`'s first match; holds only when both occur
    (explaining before apologising: 先处理感情,后处理事件)."""

    left: Node
    right: Node

    def eval(self, scan: Scan) -> Outcome:
        ok, lefts = self.left.eval(scan)
        if not ok or not lefts:
            return (False, [])
        ok, rights = self.right.eval(scan)
        if not ok or not rights:
            return (False, [])
        first = min(r.start for r in rights)
        kept = [m for m in lefts if m.end <= first]
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.left.triggers()
