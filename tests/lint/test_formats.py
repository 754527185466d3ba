"""Every report format on the fixture library, against reviewed golden files; SARIF against its schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tactful import __version__

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
Cli = Callable[..., Any]
LINTED_FILES = ["chat.jsonl", "crlf.txt", "faq.md", "kb.json", "kb.yaml", "notes.tsv", "scripts.txt", "table.csv"]


def lint(cli: Cli, *args: str) -> Any:
    return cli("lint", "library", "--rules", "rules", "--jobs", "1", *args, cwd=FIXTURES)


def _stable(text: str) -> str:
    """The tool version is the only part of the output that changes between releases."""
    return text.replace(f'"version": "{__version__}"', '"version": "VERSION"')


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_format_matches_golden(cli: Cli, golden: Callable[[str, str], None], fmt: str) -> None:
    res = lint(cli, "--format", fmt)
    assert res.rc == 1, res.err
    assert res.err == ""
    golden(f"library.{fmt}", _stable(res.out))


def test_sarif_validates_against_the_official_schema(cli: Cli) -> None:
    res = lint(cli, "--format", "sarif")
    doc = json.loads(res.out)
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert set(rule_ids) == {"greet", "mobile", "no_promise", "slang_wait", "yes_but", "tactful-suppression"}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    with_fixes = [r for r in run["results"] if "fixes" in r]
    assert with_fixes, "fixable findings carry SARIF fixes"
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert {s["suppressions"][0]["justification"] for s in suppressed} == {
        "法务已批准的售后承诺文案",
        "平台规则允许的正品承诺",
        "引用客户原话,不能改",
    }


def test_sarif_with_a_broken_file_still_validates_and_reports_the_problem(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("我们绝对保证\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("scripts: [\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", str(FIXTURES / "rules"), "--format", "sarif")
    assert res.rc == 2
    doc = json.loads(res.out)
    jsonschema.validate(doc, json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")))
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "bad.yaml" in invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["no_promise"]


def test_junit_has_one_testcase_per_linted_file(cli: Cli) -> None:
    root = ET.fromstring(lint(cli, "--format", "junit").out)
    cases = root.findall("./testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == [f"library/{n}" for n in LINTED_FILES]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    # Only error findings fail a testcase at the default --fail-on error; chat.jsonl has one (a phone number).
    assert "library/chat.jsonl" in failed and "library/faq.md" in failed
    assert root.get("failures") == str(len(failed))


def test_junit_with_fail_on_never_has_no_failures(cli: Cli) -> None:
    root = ET.fromstring(lint(cli, "--format", "junit", "--fail-on", "never").out)
    assert root.get("failures") == "0"
    assert not list(root.iter("failure"))
    # The findings are still listed, as output of the passing testcases.
    assert "library/kb.json:4:40: error [no_promise]" in "".join(e.text or "" for e in root.iter("system-out"))


def test_github_annotations_are_workflow_commands(cli: Cli) -> None:
    lines = lint(cli, "--format", "github").out.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(("::error file=", "::warning file=", "::notice file=")), line
        props, message = line.split("::")[1], line.split("::", 2)[2]
        assert ",line=" in props and ",col=" in props and message
    assert any(line.startswith("::error file=library/kb.json,line=4,col=40,") for line in lines)
