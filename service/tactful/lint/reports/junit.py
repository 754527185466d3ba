"""JUnit XML: one testcase per file, failing when it has findings at or above --fail-on."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tactful.lint.findings import Finding
from tactful.lint.reports import LintRun


def _line(f: Finding) -> str:
    text = f"{f.path}:{f.region.line}:{f.region.column}: {f.severity.label} [{f.rule}] {f.message}"
    return text + (f"\n    suggestion: {f.suggestion}" if f.suggestion else "")


def render(run: LintRun) -> str:
    suites = ET.Element("testsuites", name="tactful lint")
    suite = ET.SubElement(suites, "testsuite", name="tactful lint")
    tests = failures = errors = 0
    problems: dict[str, list[str]] = {}
    for p in run.all_problems:
        problems.setdefault(p.path, []).append(p.render())
    paths = [r.path for r in run.linted] + [p for p in problems if p not in {r.path for r in run.results}]
    by_path = {r.path: r for r in run.results}
    for path in paths:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="tactful.lint", name=path, file=path)
        result = by_path.get(path)
        found = result.findings if result else []
        failing = [f for f in found if run.failing(f)]
        if path in problems:
            errors += 1
            ET.SubElement(case, "error", message=problems[path][0], type="tactful.input").text = "\n".join(problems[path])
        elif failing:
            failures += 1
            label = f"{len(failing)} finding{'s' if len(failing) != 1 else ''}"
            ET.SubElement(case, "failure", message=label, type="tactful.lint").text = "\n".join(_line(f) for f in failing)
        if rest := [f for f in found if f not in failing]:
            ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in rest)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    suite.set("skipped", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
