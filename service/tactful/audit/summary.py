"""Totals over many conversation records, mergeable so that parallel workers (or Spark
partitions) can each build one and the driver adds them up. Holds counters only, never texts."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

WORST_KEPT = 50
_EPOCH_MIN = 10**8  # smaller timestamps are seconds since midnight (HH:MM:SS transcripts)
NO_AGENT = "(none)"


def time_bucket(started_at: float | None) -> str | None:
    """The day (epoch timestamps) or hour of day (clock timestamps) a conversation started in."""
    if started_at is None:
        return None
    if started_at >= _EPOCH_MIN:
        return datetime.fromtimestamp(started_at, UTC).strftime("%Y-%m-%d")
    return f"{int(started_at // 3600) % 24:02d}:00"


@dataclass
class AgentTotals:
    conversations: int = 0
    score_sum: int = 0
    violations: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def mean_score(self) -> float:
        return self.score_sum / self.conversations if self.conversations else 100.0


@dataclass
class Summary:
    conversations: int = 0
    agent_turns: int = 0
    score_sum: int = 0
    violations: int = 0
    clean: int = 0  # conversations without any violation
    by_rule: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    rule_info: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule -> (category, severity)
    agents: dict[str, AgentTotals] = field(default_factory=dict)
    by_time: dict[str, list[int]] = field(default_factory=dict)  # bucket -> [conversations, violations, score sum]
    worst: list[tuple[int, str, str, int, str]] = field(default_factory=list)  # (-score, id, agent, violations, rules)
    errors: int = 0

    def add(self, rec: dict[str, Any]) -> None:
        self.conversations += 1
        self.agent_turns += rec["agent_turns"]
        self.score_sum += rec["score"]
        self.violations += rec["violation_count"]
        self.clean += rec["violation_count"] == 0
        for v in rec["violations"]:
            self.rule_info.setdefault(v["rule"], (v["category"], v["severity"]))
            self.by_severity[v["severity"]] = self.by_severity.get(v["severity"], 0) + 1
        _add_counts(self.by_rule, rec["by_rule"])
        _add_counts(self.by_category, rec["by_category"])
        agent = self.agents.setdefault(rec["agent_id"] or NO_AGENT, AgentTotals())
        agent.conversations += 1
        agent.score_sum += rec["score"]
        agent.violations += rec["violation_count"]
        _add_counts(agent.by_rule, rec["by_rule"])
        bucket = time_bucket(rec["started_at"])
        if bucket is not None:
            slot = self.by_time.setdefault(bucket, [0, 0, 0])
            slot[0] += 1
            slot[1] += rec["violation_count"]
            slot[2] += rec["score"]
        if rec["violation_count"]:
            rules = ", ".join(f"{r}×{n}" if n > 1 else r for r, n in rec["by_rule"].items())
            entry = (-rec["score"], str(rec["id"]), rec["agent_id"] or NO_AGENT, rec["violation_count"], rules)
            self._keep_worst([entry])

    def _keep_worst(self, entries: list[tuple[int, str, str, int, str]]) -> None:
        # Lowest scores first, then most violations, then id: deterministic whatever the merge order.
        merged = self.worst + entries
        self.worst = heapq.nsmallest(WORST_KEPT, merged, key=lambda e: (-e[0], -e[3], e[1]))

    def merge(self, other: Summary) -> Summary:
        for name in ("conversations", "agent_turns", "score_sum", "violations", "clean", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        _add_counts(self.by_rule, other.by_rule)
        _add_counts(self.by_category, other.by_category)
        _add_counts(self.by_severity, other.by_severity)
        for rule, info in other.rule_info.items():
            self.rule_info.setdefault(rule, info)
        for name, theirs in other.agents.items():
            mine = self.agents.setdefault(name, AgentTotals())
            mine.conversations += theirs.conversations
            mine.score_sum += theirs.score_sum
            mine.violations += theirs.violations
            _add_counts(mine.by_rule, theirs.by_rule)
        for bucket, (n, v, s) in other.by_time.items():
            slot = self.by_time.setdefault(bucket, [0, 0, 0])
            slot[0] += n
            slot[1] += v
            slot[2] += s
        self._keep_worst(other.worst)
        return self

    @property
    def mean_score(self) -> float:
        return self.score_sum / self.conversations if self.conversations else 100.0


def _add_counts(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n
