"""Every shipped pack compiles clean, `tactful test` passes, and fixing a bad example fixes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.engine import check
from tactful.engine.rewrite import apply_edits, choose_edits
from tactful.tester.runner import context_of

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_every_pack_compiles_without_diagnostics() -> None:
    lib = compile_path(RULES)  # raises CompileError on any error
    for name in lib.names:
        rs = lib.get(name)
        assert not rs.warnings, f"{name}: {rs.warnings}"
    assert {"common", "zh"} <= set(lib.names)


def test_tactful_test_passes_on_shipped_packs() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tactful", "test", str(RULES)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_every_rule_has_bad_and_good_examples(shipped: Library) -> None:
    for name in shipped.names:
        for rule in shipped.get(name).rules:
            kinds = {ex.bad for ex in rule.examples}
            assert kinds == {True, False}, f"{name}:{rule.id} needs a bad and a good example"


def test_rewrites_of_bad_examples_do_not_report_the_fixed_rule(shipped: Library) -> None:
    checked = 0
    for name in shipped.names:
        rs = shipped.get(name)
        for rule in rs.rules:
            if rule.pack != name:
                continue  # checked in its own pack
            for ex in rule.examples:
                if not ex.bad:
                    continue
                ctx = context_of(ex.given)
                hits = [v for v in check(rs, ex.text, ctx).violations if v.rule == rule.id]
                assert hits, f"{rule.id}: bad example not flagged: {ex.text}"
                edits = choose_edits(hits)
                if not edits:
                    continue  # a `suggest` rule: advice only
                fixed = apply_edits(ex.text, edits)
                again = [v.rule for v in check(rs, fixed, ctx).violations if v.rule == rule.id]
                assert not again, f"{rule.id}: rewrite “{fixed}” is still flagged"
                # the whole-reply rewrite (all rules' edits) must not re-report this rule either
                full = check(rs, ex.text, ctx).rewritten
                assert rule.id not in {v.rule for v in check(rs, full, ctx).violations}, f"{rule.id}: {full}"
                checked += 1
    assert checked > 10


def test_every_shipped_rule_is_documented(shipped: Library) -> None:
    """rules/README.md (or rules/en/README.md) lists every rule a pack ships, with its norm and source."""
    docs = (RULES / "README.md").read_text(encoding="utf-8") + (RULES / "en" / "README.md").read_text(encoding="utf-8")
    undocumented = sorted({r.id for name in shipped.names for r in shipped.get(name).rules if f"`{r.id}`" not in docs})
    assert not undocumented, f"add these rules to rules/README.md: {undocumented}"
