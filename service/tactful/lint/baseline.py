"""Baselines: record today's findings so that only new ones are reported.

A finding is known when its file, rule and reply hash are in the baseline, not its line: inserting
or moving scripts does not resurrect old findings, while a new reply breaking the same rule in the
same file is still reported. Counts handle a rule firing more than once on identical replies.
Paths are stored relative to the baseline file, so it works from any working directory.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tactful.lint.findings import Finding

FORMAT_VERSION = 1

Key = tuple[str, str, str]  # (file relative to the baseline, rule, reply hash)


class BaselineError(Exception):
    pass


@dataclass(slots=True)
class Baseline:
    root: str  # absolute directory the file paths are relative to
    counts: dict[Key, int] = field(default_factory=dict)

    def key(self, finding: Finding) -> Key:
        rel = os.path.relpath(os.path.abspath(finding.path), self.root)
        return (Path(rel).as_posix(), finding.rule, finding.reply_hash)

    def partition(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(new, known) findings; each baseline entry absorbs at most its count."""
        left = Counter(self.counts)
        new: list[Finding] = []
        known: list[Finding] = []
        for f in findings:
            k = self.key(f)
            if left[k] > 0:
                left[k] -= 1
                known.append(f)
            else:
                new.append(f)
        return new, known


def load_baseline(path: str) -> Baseline:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise BaselineError(f"cannot read baseline {path}: {err.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BaselineError(f"baseline {path} is not valid JSON: {err}") from None
    if not isinstance(raw, dict) or raw.get("version") != FORMAT_VERSION or not isinstance(raw.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a tactful lint baseline (version {FORMAT_VERSION})")
    counts: dict[Key, int] = {}
    for i, entry in enumerate(raw["findings"]):
        try:
            key = (str(entry["file"]), str(entry["rule"]), str(entry["reply"]))
            counts[key] = counts.get(key, 0) + int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"baseline {path}: entry {i + 1} needs file, rule and reply") from None
    return Baseline(os.path.dirname(os.path.abspath(path)), counts)


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    """Write every given finding; returns how many entries were written."""
    base = Baseline(os.path.dirname(os.path.abspath(path)))
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for f in findings:
        k = base.key(f)
        counts[k] += 1
        messages.setdefault(k, f.message)
    entries = [{"file": k[0], "rule": k[1], "reply": k[2], "count": n, "message": messages[k]} for k, n in sorted(counts.items())]
    doc = {"tool": "tactful lint", "version": FORMAT_VERSION, "findings": entries}
    try:
        Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise BaselineError(f"cannot write baseline {path}: {err.strerror}") from None
    return len(entries)
