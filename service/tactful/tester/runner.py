"""Every rule's `example bad` must fire (and rewrite as written, and the rewrite must be clean of
the rule); every `example good` must not fire."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tactful.compile.ruleset import CompiledRule, Library, Ruleset
from tactful.engine import apply_edits, check, choose_edits
from tactful.lang import ast
from tactful.model import Context, Turn


@dataclass(frozen=True, slots=True)
class ExampleOutcome:
    ruleset: str
    rule: str
    location: str  # path:line:col of the example
    bad: bool
    text: str
    passed: bool
    reason: str = ""


def _clock(value: str | None) -> float | None:
    """HH:MM[:SS] as seconds since midnight: examples put the whole conversation on one day's clock."""
    if value is None:
        return None
    parts = [int(p) for p in value.split(":")]
    return float(parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0))


def context_of(given: ast.Given) -> Context:
    time = None
    if given.time:
        hh, mm = given.time.split(":")
        time = (int(hh), int(mm))
    conversation = tuple(Turn(t.role, t.text, _clock(t.at)) for t in given.turns)
    return Context(
        turn=given.turn,
        customer=given.customer,
        channel=given.channel,
        locale=given.locale,
        time=time,
        conversation=conversation,
        at=_clock(given.at),
    )


def _run_one(rs: Ruleset, rule: CompiledRule, ex: ast.Example) -> ExampleOutcome:
    ctx = context_of(ex.given)
    result = check(rs, ex.text, ctx)
    hits = [v for v in result.violations if v.rule == rule.id]

    def outcome(passed: bool, reason: str = "") -> ExampleOutcome:
        return ExampleOutcome(rs.name, rule.id, str(ex.span), ex.bad, ex.text, passed, reason)

    if not ex.bad:
        if hits:
            return outcome(False, f"good example was flagged at “{hits[0].match}” ({hits[0].start}:{hits[0].end})")
        return outcome(True)
    if not hits:
        return outcome(False, "bad example was not flagged")
    edits = choose_edits(hits)
    if ex.expected is None:
        if edits:
            return outcome(
                False, f'the rule rewrites this example to “{apply_edits(ex.text, edits)}”: add -> "..." with the expected rewrite'
            )
        return outcome(True)
    got = apply_edits(ex.text, edits)
    if got != ex.expected:
        return outcome(False, f"rewrite differs:\n      expected: {ex.expected}\n      got:      {got}")
    again = [v for v in check(rs, got, ctx).violations if v.rule == rule.id]
    if again:
        return outcome(False, f"the rewrite “{got}” is still flagged by this rule")
    return outcome(True)


def run_examples(library: Library) -> Iterator[ExampleOutcome]:
    """Each rule's examples run once, in the ruleset of the pack that defines the rule."""
    done: set[tuple[str, str]] = set()
    for name in library.names:
        rs = library.rulesets[name]
        for rule in rs.rules:
            home = library.rulesets.get(rule.pack, rs)
            key = (rule.pack, rule.id)
            if key in done:
                continue
            done.add(key)
            home_rule = home.rule(rule.id) or rule
            for ex in home_rule.examples:
                yield _run_one(home, home_rule, ex)
