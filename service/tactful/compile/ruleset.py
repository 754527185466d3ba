"""The compiled, immutable ruleset a checker runs, and the library of rulesets loaded from a path.

Plain Python classes (not compiled by the wheel's mypyc build, unlike the rules in rules.py): the
service holds weak references to a replaced Library, which a mypyc class cannot take."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import re2

from tactful.compile.gates import ContextRules, context_rules, depends_on_context, facts
from tactful.compile.matchers import Matcher, Probe
from tactful.compile.prefilter import GuardTest, Prefilter, guard_test, prefilter
from tactful.compile.rules import CompiledFix, CompiledRule, RuleOrigin
from tactful.compile.unknown import UnknownRuleset
from tactful.conditions import Node
from tactful.model import Context
from tactful.text import Normalizer

__all__ = ["CompiledFix", "CompiledRule", "Library", "RuleOrigin", "Ruleset", "UnknownRuleset"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_GATE_CACHE = 4096  # distinct request facts remembered per ruleset (the time of day makes most of them)


def _never_empty(pattern: str) -> bool:
    """Can no match of this RE2 pattern be empty? Proved from Python's parse of the same text: its
    minimum width counts assertions (^ $ \\b) as zero and every character, class or `.` as one,
    and the two syntaxes agree on what consumes a character (where they differ, e.g. `{,3}`, Python
    reads the looser pattern). A pattern Python cannot parse (\\p{Han}, \\x{…}) is not proved.

    >>> _never_empty("是的[,,]?但是"), _never_empty("^(好的)?$"), _never_empty(r"\\bok\\b"), _never_empty(r"\\p{Han}")
    (True, False, True, False)
    """
    try:
        from re import _parser  # type: ignore[attr-defined]  # Python >= 3.11

        return bool(re2.search(pattern, "") is None and _parser.parse(pattern).getwidth()[0] >= 1)
    except Exception:  # a syntax Python does not share, or a parser that moved: no proof, no veto
        return False


@dataclass(frozen=True)
class Ruleset:
    """Everything needed to check a reply; frozen and safe to share between threads."""

    name: str
    version: str
    pack_version: str
    locale: str | None
    description: str
    normalizer: Normalizer
    matcher: Matcher
    rules: tuple[CompiledRule, ...]
    by_atom: Mapping[tuple[str, int], tuple[int, ...]]
    always: tuple[int, ...]
    uses_customer: bool
    chain: tuple[str, ...]
    warnings: tuple[object, ...] = field(default=())
    sources: Mapping[str, str] = field(default_factory=dict)  # rule file path -> text, for explain's source quotes
    # `sign_off /…/` compiled (RE2, on normalized text): where appended text goes. None: at the end.
    sign_off: Probe | None = field(default=None, compare=False)
    # by_atom split by atom kind with frozenset values: choosing a reply's candidate rules is then
    # one set union instead of a tuple key and a dict lookup per present term set and regex.
    always_set: frozenset[int] = field(init=False, repr=False, compare=False)
    term_rules: dict[int, frozenset[int]] = field(init=False, repr=False, compare=False)
    regex_rules: dict[int, frozenset[int]] = field(init=False, repr=False, compare=False)
    # Rules with context tests (turn, time, customer …), and per distinct request facts which of
    # them can fire (see gates.py): a trigger-less rule the request rules out is never evaluated.
    _gated: tuple[tuple[int, Node], ...] = field(init=False, repr=False, compare=False)
    _gates: dict[object, ContextRules] = field(init=False, repr=False, compare=False)
    # Per rule (by index), what its `when` needs beyond one trigger (prefilter.py): candidates
    # that cannot hold are dropped before evaluation. None for the rules that need nothing more.
    prefilters: tuple[Prefilter | None, ...] = field(init=False, repr=False, compare=False)
    # Per rule (by index), per fix (in CompiledRule.fixes order): its guard's GuardTest, or None
    # (no guard, or one the scan's atoms never decide).
    guard_tests: tuple[tuple[GuardTest | None, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "always_set", frozenset(self.always))
        for kind, name in (("t", "term_rules"), ("r", "regex_rules")):
            object.__setattr__(self, name, {key: frozenset(rules) for (k, key), rules in self.by_atom.items() if k == kind})
        object.__setattr__(self, "_gated", tuple((i, r.when) for i, r in enumerate(self.rules) if depends_on_context(r.when)))
        object.__setattr__(self, "_gates", {})
        nonempty = frozenset(i for i, p in enumerate(self.matcher.patterns) if _never_empty(p))
        object.__setattr__(self, "prefilters", tuple(prefilter(r.when, nonempty) for r in self.rules))
        object.__setattr__(
            self,
            "guard_tests",
            tuple(tuple(None if f.guard is None else guard_test(f.guard, nonempty) for f in r.fixes) for r in self.rules),
        )

    def context_rules(self, ctx: Context, customer: bool) -> ContextRules:
        """The trigger-less rules this request lets through and the triggered ones it rules out,
        from its context alone (`customer`: the request carries a customer message)."""
        key = facts(ctx, customer and self.uses_customer)
        found = self._gates.get(key)
        if found is None:
            if len(self._gates) >= _GATE_CACHE:
                self._gates.clear()  # bounded; a dict swap is atomic enough for concurrent readers
            found = self._gates[key] = context_rules(self._gated, self.always_set, ctx, key)
        return found

    def rule(self, rule_id: str) -> CompiledRule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None


@dataclass(frozen=True)
class Library:
    """All rulesets compiled from one rules path, and how a default is picked by locale."""

    rulesets: Mapping[str, Ruleset]
    leaves: tuple[str, ...]
    default_name: str | None = None
    # locale family -> the ruleset `select` picks for it: the service asks once per request, and the walk
    # over the leaves (a split of each one's locale) cost more than the rest of the choice
    _by_family: dict[str, Ruleset] = field(init=False, repr=False, compare=False, default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted(self.rulesets)

    def get(self, name: str) -> Ruleset:
        try:
            return self.rulesets[name]
        except KeyError:
            raise UnknownRuleset(name, self.names) from None

    def select(self, name: str | None = None, locale: str | None = None, text: str = "") -> Ruleset:
        """An explicit name wins; otherwise the leaf pack whose locale family matches the
        request's locale, or (no locale) the reply's script: any CJK character means Chinese."""
        if name:
            return self.get(name)
        if self.default_name and not locale:
            return self.get(self.default_name)
        family = locale.split("-")[0] if locale else ("zh" if _CJK.search(text) else "en")
        found = self._by_family.get(family)
        if found is None:
            if len(self._by_family) >= 64:  # families are a caller's locales: bounded, whatever they send
                self._by_family.clear()
            found = self._by_family[family] = self._for_family(family)  # a dict store: safe for concurrent readers
        return found

    def _for_family(self, family: str) -> Ruleset:
        for leaf in self.leaves:
            rs = self.rulesets[leaf]
            if rs.locale and rs.locale.split("-")[0] == family:
                return rs
        if self.default_name:
            return self.get(self.default_name)
        return self.rulesets[self.leaves[0] if self.leaves else self.names[0]]
