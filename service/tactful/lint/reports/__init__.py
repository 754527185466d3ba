"""Report formats for a finished lint run: text, json, sarif, junit, github."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tactful.lint.findings import FileProblem, FileResult, Finding
from tactful.model import RuleInfo, Severity


@dataclass(slots=True)
class LintRun:
    results: list[FileResult]
    rules: list[RuleInfo]
    fail_on: Severity | None  # None: never fail on findings
    version: str
    problems: list[FileProblem] = field(default_factory=list)  # missing paths (file problems live in results)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for r in self.results for f in r.suppressed]

    @property
    def all_problems(self) -> list[FileProblem]:
        return [*self.problems, *(p for r in self.results for p in r.problems)]

    @property
    def linted(self) -> list[FileResult]:
        return [r for r in self.results if r.skipped is None]

    def failing(self, finding: Finding) -> bool:
        return self.fail_on is not None and finding.severity >= self.fail_on

    def counts(self) -> dict[str, int]:
        found = self.findings
        return {
            "files": len(self.linted),
            "replies": sum(r.replies for r in self.results),
            "findings": len(found),
            "error": sum(1 for f in found if f.severity is Severity.ERROR),
            "warning": sum(1 for f in found if f.severity is Severity.WARNING),
            "info": sum(1 for f in found if f.severity is Severity.INFO),
            "suppressed": len(self.suppressed),
            "baselined": sum(len(r.baselined) for r in self.results),
            "problems": len(self.all_problems),
        }


def render(fmt: str, run: LintRun, colour: bool = False) -> str:
    from tactful.lint.reports import github, jsonreport, junit, sarif, text

    renderers: dict[str, Callable[[LintRun], str]] = {
        "json": jsonreport.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "github": github.render,
    }
    if fmt == "text":
        return text.render(run, colour)
    return renderers[fmt](run)


FORMATS = ("text", "json", "sarif", "junit", "github")
