"""Which candidate rules cannot fire on a reply, told from the atoms its scan already found.

A rule is a candidate when any one of its trigger atoms (a term set with hits, a regex the RE2 set
says can match) occurs. Most candidates then fail their `when` on something the scan also knows:
`refuse_bare` is a candidate whenever a refusal word or regex occurs (half of all zh replies,
不行 / 不能 …) but `and not @alternatives` fails on most of them, and `X followed by Y` needs
both X's and Y's atoms. Evaluating such a rule costs its regexes and condition tree for nothing.

So each rule's `when` is summarised once, at ruleset build time, as what it *needs*:

- **vetoes**: term sets and regexes whose presence makes `when` false (`and not @alternatives`,
  `and not /…/`);
- **clauses**: sets of atoms of which at least one must be present (each side of `near` /
  `followed by`, each conjunct of an `and`, every item of an `or` for each choice of clauses).

Both are necessary conditions derived from the node semantics, never heuristics: a rule that
would fire is never dropped. A term-set atom is present exactly when `Contains` would hold (the
same TermHits); a regex atom when the RE2 set reports the regex, which every regex match needs
(an opener-anchored regex also lists the opener atoms, as its `triggers` does). A regex vetoes
only when it cannot match the empty string (`nonempty`, proved at build time): the RE2 set reports
a regex that matches anywhere, and the engine drops empty matches, so for such a regex "reported by
the set" and "`/…/` holds" are the same fact, and the regex itself need not run to know it. Anything the
summary does not understand (context tests, the customer's message, earlier turns) needs nothing.
`explain` does not use this: it still lists every rule with a present trigger as considered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product
from typing import Final, final

from tactful.conditions import (
    And,
    ComesBefore,
    Contains,
    Count,
    Edge,
    Near,
    Node,
    Not,
    Or,
    RegexMatch,
    Repeated,
    Valid,
)
from tactful.conditions.clauses import OpenedRegex, OpenedStart, SegmentNear, SegmentStarts, Without

Atom = tuple[str, int]  # ("t", term-set id) | ("r", regex id), as Node.triggers names them
_MAX_PRODUCT: Final = 64  # clause combinations of an `or` considered; beyond, one wider clause
_MAX_CLAUSES: Final = 6  # clauses kept per rule (the narrowest): each costs a few lookups per candidate

# Nodes that hold only when each of these children holds (and, for `without`, only its left side).
_Needs = tuple[list[frozenset[Atom]], frozenset[Atom], frozenset[Atom]]  # clauses, vetoes, sure


def _required(node: Node) -> tuple[Node, ...] | None:
    """The children that must hold for `node` to hold, for the node kinds that pass it through."""
    if isinstance(node, Edge | Valid | SegmentStarts | OpenedStart | Repeated):
        return (node.inner,)
    if isinstance(node, Count):
        return None if node.triggers() is None else (node.inner,)  # `count < 2` holds on no match
    if isinstance(node, Near | SegmentNear | ComesBefore):
        return (node.left, node.right)
    if isinstance(node, Without):
        return (node.left,)
    return None


def _atom_needs(node: Node, nonempty: frozenset[int]) -> _Needs | None:
    """_needs of a term-set or regex leaf (None for any other node). A regex is sure only when it
    cannot match empty: then the set reporting it means the node holds."""
    none: frozenset[Atom] = frozenset()
    if isinstance(node, Contains):
        atom = frozenset({("t", node.set_id)})
        return [atom], none, atom
    if isinstance(node, RegexMatch):
        atom = frozenset({("r", node.rid)})
        return [atom], none, (atom if node.rid in nonempty else none)
    if isinstance(node, OpenedRegex):
        trig = node.triggers()
        return ([trig] if trig else []), none, none
    return None


def _needs(node: Node, nonempty: frozenset[int]) -> _Needs:
    """(clauses, vetoes, sure): the atom sets of which one must occur for `node` to hold; atoms
    whose presence makes it false; atoms whose presence alone makes it true."""
    none: frozenset[Atom] = frozenset()
    leaf = _atom_needs(node, nonempty)
    if leaf is not None:
        return leaf
    if isinstance(node, Not):
        _, vetoes, sure = _needs(node.inner, nonempty)
        return [], sure, vetoes
    if isinstance(node, And):
        clauses: list[frozenset[Atom]] = []
        vetoed: set[Atom] = set()
        for item in node.items:
            c, v, _ = _needs(item, nonempty)
            clauses += c
            vetoed |= v
        return clauses, frozenset(vetoed), none
    if isinstance(node, Or):
        parts = [_needs(item, nonempty) for item in node.items]
        sure = frozenset().union(*(p[2] for p in parts))
        vetoes = frozenset.intersection(*(p[1] for p in parts)) if parts else none
        if not parts or any(not p[0] for p in parts):
            return [], vetoes, sure
        count = 1
        for p in parts:
            count *= len(p[0])
        if count > _MAX_PRODUCT:  # still sound: any one clause of each item, joined
            return [frozenset().union(*(p[0][0] for p in parts))], vetoes, sure
        return [frozenset().union(*combo) for combo in product(*(p[0] for p in parts))], vetoes, sure
    children = _required(node)
    if children is None:
        return [], none, none
    clauses = []
    vetoed = set()
    for child in children:
        c, v, _ = _needs(child, nonempty)
        clauses += c
        vetoed |= v
    return clauses, frozenset(vetoed), none


@final
class Prefilter:
    """One rule's needs beyond its trigger: `admits` is False only when `when` cannot hold."""

    __slots__ = ("clauses", "regex_vetoes", "vetoes")

    def __init__(
        self,
        vetoes: tuple[int, ...],
        clauses: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...],
        regex_vetoes: tuple[int, ...] = (),
    ) -> None:
        self.vetoes = vetoes  # term-set ids
        self.clauses = clauses  # (term-set ids, regex ids): at least one of them present
        self.regex_vetoes = regex_vetoes  # regex ids (never empty-matching: see the module doc)

    def admits(self, terms: Mapping[int, object], regex_ok: frozenset[int]) -> bool:
        for sid in self.vetoes:
            if sid in terms:
                return False
        for rid in self.regex_vetoes:
            if rid in regex_ok:
                return False
        for term_ids, regex_ids in self.clauses:
            met = False
            for sid in term_ids:
                if sid in terms:
                    met = True
                    break
            if not met:
                for rid in regex_ids:
                    if rid in regex_ok:
                        met = True
                        break
            if not met:
                return False
        return True

    def __repr__(self) -> str:
        return f"Prefilter(vetoes={self.vetoes!r}, clauses={self.clauses!r}, regex_vetoes={self.regex_vetoes!r})"


def prefilter(when: Node, nonempty: frozenset[int] = frozenset()) -> Prefilter | None:
    """The Prefilter of a rule's `when`, or None when it needs nothing its triggers do not already
    guarantee (a candidate has at least one trigger atom present). `nonempty`: the ids of the
    regexes that cannot match the empty string (only those can veto)."""
    clauses, vetoes, _ = _needs(when, nonempty)
    return _prefilter_of(clauses, vetoes, when.triggers())


def _prefilter_of(clauses: list[frozenset[Atom]], vetoes: frozenset[Atom], met: frozenset[Atom] | None) -> Prefilter | None:
    """The narrowest clauses (those `met`'s atoms already satisfy dropped) and the vetoes as a
    Prefilter, or None when nothing is left to test."""
    kept: list[frozenset[Atom]] = []
    for clause in sorted(set(clauses), key=lambda c: (len(c), sorted(c))):
        if met is not None and met <= clause:
            continue  # met by every candidate
        if any(k <= clause for k in kept):
            continue  # implied by a narrower clause already kept
        kept.append(clause)
    kept = kept[:_MAX_CLAUSES]
    if not kept and not vetoes:
        return None
    return Prefilter(_ids(vetoes, "t"), tuple((_ids(c, "t"), _ids(c, "r")) for c in kept), _ids(vetoes, "r"))


def _ids(atoms: Iterable[Atom], kind: str) -> tuple[int, ...]:
    return tuple(sorted(i for k, i in atoms if k == kind))


@final
class GuardTest:
    """A fix guard (`append "…" if @pending_case`) decided from the scan's atoms where they decide
    it: a guard is tested on every reply its rule fires on, and running its regex there (all its
    matches, a ~2 us RE2 call each) only to read "any?" was most of a violating reply's guard cost.
    `decide` is 0 when a needed atom is missing (as Prefilter.admits), 1 when an atom that alone
    makes the guard hold is present (a term set with hits, a never-empty regex the RE2 set reports),
    else -1: evaluate the guard."""

    __slots__ = ("need", "sure_regexes", "sure_terms")

    def __init__(self, need: Prefilter | None, sure_terms: tuple[int, ...], sure_regexes: tuple[int, ...]) -> None:
        self.need = need
        self.sure_terms = sure_terms
        self.sure_regexes = sure_regexes

    def decide(self, terms: Mapping[int, object], regex_ok: frozenset[int]) -> int:
        need = self.need
        if need is not None and not need.admits(terms, regex_ok):
            return 0
        for sid in self.sure_terms:
            if sid in terms:
                return 1
        for rid in self.sure_regexes:
            if rid in regex_ok:
                return 1
        return -1


def guard_test(guard: Node, nonempty: frozenset[int] = frozenset()) -> GuardTest | None:
    """The GuardTest of a fix's guard, or None when the atoms never decide it. Unlike a rule's
    `when`, a guard has no trigger known to be present, so no clause is dropped as met."""
    clauses, vetoes, sure = _needs(guard, nonempty)
    need = _prefilter_of(clauses, vetoes, None)
    if need is None and not sure:
        return None
    return GuardTest(need, _ids(sure, "t"), _ids(sure, "r"))
