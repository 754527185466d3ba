"""Shared values of the checker: severities, categories, spans, violations, results (no logic).

The per-check values (Edit, Suggestion, Violation, Result) are NamedTuples rather than frozen
dataclasses: just as immutable and hashable, and about four times cheaper to create, which
matters when a check takes tens of microseconds and creates a dozen of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

CATEGORIES: tuple[str, ...] = (
    "rude",
    "blame_shifting",
    "flat_refusal",
    "contrastive_but",
    "unfulfillable_promise",
    "missing_courtesy",
    "stalling",
    "privacy",
    "slang",
)
TURNS: tuple[str, ...] = ("first", "middle", "last")
CHANNELS: tuple[str, ...] = ("chat", "phone", "email")
LOCALES: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en")
ROLES: tuple[str, ...] = ("customer", "agent")


class Severity(enum.IntEnum):
    """Ordered so that a higher value wins a rewrite conflict."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, name: str) -> Severity:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


class Turn(NamedTuple):
    """One earlier message of the conversation. `at` is seconds on any one clock the whole
    conversation shares (epoch seconds, or seconds since midnight); None when unknown."""

    role: str  # customer | agent
    text: str
    at: float | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What the engine knows about the reply besides its text.

    `conversation` holds the turns before the reply (oldest first); `at` is when the reply is
    sent, on the same clock as the turns' `at`. With a conversation and no `customer`, the
    customer's last turn stands in for `customer`; with no `turn`, the reply is the first turn
    when no agent turn precedes it.
    """

    turn: str | None = None  # first | middle | last
    customer: str = ""
    channel: str | None = None
    locale: str | None = None
    time: tuple[int, int] | None = None  # local (hour, minute)
    conversation: tuple[Turn, ...] = ()
    at: float | None = None


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reports and clients show about a rule: its identity and wording, not its conditions."""

    id: str
    category: str
    severity: Severity
    message: str
    rationale: str = ""
    source: str = ""
    pack: str = ""


class Edit(NamedTuple):
    """Replace original text[start:end] (code points) with replacement."""

    start: int
    end: int
    replacement: str


class Suggestion(NamedTuple):
    description: str
    edits: tuple[Edit, ...] = ()


class Violation(NamedTuple):
    rule: str
    category: str
    severity: Severity
    message: str
    start: int
    end: int
    utf16_start: int
    utf16_end: int
    match: str
    suggestions: tuple[Suggestion, ...] = ()
    pack: str = ""
    turn_index: int | None = None  # the earlier turn (index into Context.conversation) that triggered it

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity.label,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "utf16_start": self.utf16_start,
            "utf16_end": self.utf16_end,
            "match": self.match,
            "suggestions": [
                {
                    "description": s.description,
                    "edits": [{"start": e.start, "end": e.end, "replacement": e.replacement} for e in s.edits],
                }
                for s in self.suggestions
            ],
        }
        if self.turn_index is not None:
            out["turn_index"] = self.turn_index
        return out


class Result(NamedTuple):
    text: str
    violations: tuple[Violation, ...]
    rewritten: str
    ruleset: str
    ruleset_version: str
    applied: tuple[Edit, ...] = ()

    @property
    def compliant(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, object]:
        return {
            "violations": [v.to_dict() for v in self.violations],
            "rewritten": self.rewritten,
            "ruleset": self.ruleset,
            "ruleset_version": self.ruleset_version,
        }
