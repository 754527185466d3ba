"""The rule language's syntax tree: frozen dataclasses, each with the source span it came from."""

from __future__ import annotations

from dataclasses import dataclass

from tactful.lang.diagnostics import SourceSpan


# ---- term sets ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ref:
    span: SourceSpan
    name: str


@dataclass(frozen=True, slots=True)
class Lits:
    span: SourceSpan
    terms: tuple[str, ...]


TermSet = Ref | Lits


# ---- conditions --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Contains:
    span: SourceSpan
    terms: TermSet


@dataclass(frozen=True, slots=True)
class Regex:
    span: SourceSpan
    pattern: str
    ignore_case: bool


@dataclass(frozen=True, slots=True)
class Starts:
    span: SourceSpan
    inner: Expr


@dataclass(frozen=True, slots=True)
class Ends:
    span: SourceSpan
    inner: Expr


@dataclass(frozen=True, slots=True)
class Count:
    span: SourceSpan
    inner: Expr
    op: str
    n: int


@dataclass(frozen=True, slots=True)
class Near:
    span: SourceSpan
    left: Expr
    right: Expr
    within: int
    ordered: bool  # `followed by`: right must come after left


@dataclass(frozen=True, slots=True)
class Valid:
    """`X valid luhn`: keep X's matches whose digits pass a checksum."""

    span: SourceSpan
    inner: Expr
    check: str


@dataclass(frozen=True, slots=True)
class SegmentNear:
    """`X near Y within clause|sentence` (ordered: `followed by`): a Y in the same clause/sentence."""

    span: SourceSpan
    left: Expr
    right: Expr
    segment: str  # clause | sentence
    ordered: bool


@dataclass(frozen=True, slots=True)
class Without:
    """`X without Y in clause|sentence`: X's matches whose clause/sentence has no Y."""

    span: SourceSpan
    left: Expr
    right: Expr
    segment: str


@dataclass(frozen=True, slots=True)
class SegmentStarts:
    """`clause starts with X` / `sentence starts with X`: X opens a clause/sentence."""

    span: SourceSpan
    inner: Expr
    segment: str


@dataclass(frozen=True, slots=True)
class Quoted:
    """`quoted`: the quotations of the reply (“…”, 「…」, 『…』, "…"); `unless quoted` drops matches inside one."""

    span: SourceSpan


@dataclass(frozen=True, slots=True)
class TurnIs:
    span: SourceSpan
    turns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelIs:
    span: SourceSpan
    channel: str


@dataclass(frozen=True, slots=True)
class LocaleIs:
    span: SourceSpan
    locale: str


@dataclass(frozen=True, slots=True)
class Customer:
    span: SourceSpan
    inner: Expr


@dataclass(frozen=True, slots=True)
class TimeIn:
    """Local time of day in [start, end) minutes since midnight (None: open end)."""

    span: SourceSpan
    start: int | None
    end: int | None


@dataclass(frozen=True, slots=True)
class InScope:
    span: SourceSpan
    name: str


@dataclass(frozen=True, slots=True)
class And:
    span: SourceSpan
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    span: SourceSpan
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    span: SourceSpan
    inner: Expr


# ---- conversation conditions (the turns before the reply) ---------------------
@dataclass(frozen=True, slots=True)
class SaidEarlier:
    """`customer said X within N turns [unanswered by Y]`, `agent said X within N turns`."""

    span: SourceSpan
    role: str  # customer | agent
    inner: Expr
    within: int
    unanswered: Expr | None = None  # no later turn of the other role may hold this


@dataclass(frozen=True, slots=True)
class Repeated:
    """`X repeated within N agent turns`: X's matches whose wording one of the agent's last N turns used too."""

    span: SourceSpan
    inner: Expr
    within: int


@dataclass(frozen=True, slots=True)
class ReplyAfter:
    """`reply after 30s`: the customer has waited longer than this for the reply."""

    span: SourceSpan
    seconds: float


@dataclass(frozen=True, slots=True)
class ComesBefore:
    """`X comes before Y`: X's matches that end before Y's first match (both must occur)."""

    span: SourceSpan
    left: Expr
    right: Expr


CONVERSATION_EXPRS = (SaidEarlier, Repeated, ReplyAfter, ComesBefore)

Expr = (
    Contains
    | Regex
    | Starts
    | Ends
    | Count
    | Near
    | Valid
    | SegmentNear
    | Without
    | SegmentStarts
    | Quoted
    | TurnIs
    | ChannelIs
    | LocaleIs
    | Customer
    | TimeIn
    | InScope
    | And
    | Or
    | Not
    | SaidEarlier
    | Repeated
    | ReplyAfter
    | ComesBefore
)


# ---- rules -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fix:
    """kind: rewrite | map | delete | prepend | append | insert_before | insert_after | suggest.

    guard: `append "…" if EXPR`: the edit is offered only when EXPR holds on the reply, so a
    template is not attached to a reply with nothing for it to refer to."""

    span: SourceSpan
    kind: str
    value: str
    guard: Expr | None = None


@dataclass(frozen=True, slots=True)
class Given:
    turn: str | None = None
    customer: str = ""
    channel: str | None = None
    locale: str | None = None
    time: str | None = None
    turns: tuple[GivenTurn, ...] = ()  # the conversation before the example reply
    at: str | None = None  # when the example reply is sent (HH:MM[:SS])


@dataclass(frozen=True, slots=True)
class GivenTurn:
    role: str  # customer | agent
    text: str
    at: str | None = None  # HH:MM[:SS]


@dataclass(frozen=True, slots=True)
class Example:
    span: SourceSpan
    bad: bool
    text: str
    given: Given
    expected: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    span: SourceSpan
    id: str
    category: tuple[str, SourceSpan] | None
    severity: tuple[str, SourceSpan] | None
    message: str | None
    rationale: str
    source: str
    when: Expr | None
    unless: tuple[Expr, ...]
    fixes: tuple[Fix, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class ListDecl:
    span: SourceSpan
    name: str
    terms: tuple[str, ...]
    file: str | None  # `list x from "file.txt"`: terms are read by the compiler


@dataclass(frozen=True, slots=True)
class ClassDecl:
    """`class NAME = /pattern/`: a named pattern, usable as {NAME} in regexes and @NAME in conditions.

    `class NAME = ["a", "b"]` is a term class and parses to a ListDecl (a list by another name)."""

    span: SourceSpan
    name: str
    pattern: str
    ignore_case: bool
    pattern_span: SourceSpan


@dataclass(frozen=True, slots=True)
class MapDecl:
    span: SourceSpan
    name: str
    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ScopeCue:
    span: SourceSpan
    direction: str  # before | after
    terms: TermSet
    within: int
    clause: bool


@dataclass(frozen=True, slots=True)
class ScopeDecl:
    span: SourceSpan
    name: str
    cues: tuple[ScopeCue, ...]


@dataclass(frozen=True, slots=True)
class NormOption:
    span: SourceSpan
    name: str
    arg: str | None


@dataclass(frozen=True, slots=True)
class PackDecl:
    span: SourceSpan
    name: str
    version: str
    locale: str | None
    extends: tuple[tuple[str, SourceSpan], ...]
    description: str
    normalize: tuple[NormOption, ...] | None
    address: tuple[str, ...] | None = None  # `address [...]`: words that may open a reply or clause
    emoticons: Emoticons | None = None
    sign_off: Regex | None = None  # `sign_off /…/`: clauses that close a reply; appended text goes before them


@dataclass(frozen=True, slots=True)
class Emoticons:
    """`emoticons /pattern/ as slang|ignore`: the pack's emoticon codes and whether rules see them."""

    span: SourceSpan
    pattern: str
    policy: str  # slang | ignore


@dataclass(frozen=True, slots=True)
class Disable:
    span: SourceSpan
    rule_ids: tuple[tuple[str, SourceSpan], ...]


@dataclass(frozen=True, slots=True)
class Override:
    span: SourceSpan
    rule_id: str
    severity: str


Item = PackDecl | ListDecl | ClassDecl | MapDecl | ScopeDecl | Rule | Disable | Override


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    text: str
    items: tuple[Item, ...]
