"""Golden tests: a broken rule file renders exactly these diagnostics (file:line:col, caret, hint).

Regenerate after a deliberate wording change with TACTFUL_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tactful.compile.compiler import compile_path
from tactful.lang.diagnostics import CompileError

CASES = Path(__file__).resolve().parent.parent / "golden" / "errors"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.glob("*.tact")), ids=lambda n: n.removesuffix(".tact"))
def test_rendered_diagnostics_match_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are rendered relative to the cases folder so goldens do not depend on the checkout."""
    monkeypatch.chdir(CASES)
    with pytest.raises(CompileError) as info:
        compile_path(Path(case))
    rendered = info.value.render() + "\n"
    golden = CASES / case.replace(".tact", ".txt")
    if os.environ.get("TACTFUL_UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def test_every_error_carries_a_position_and_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    for case in sorted(CASES.glob("*.tact")):
        with pytest.raises(CompileError) as info:
            compile_path(Path(case.name))
        for diag in info.value.diagnostics:
            assert diag.span is not None and diag.span.line > 0 and diag.span.column > 0, diag
            assert diag.hint, f"{case.name}: {diag.code} has no hint"


def test_all_errors_of_a_file_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    with pytest.raises(CompileError) as info:
        compile_path(Path("many_errors.tact"))
    codes = [d.code for d in info.value.diagnostics]
    assert codes == ["E402", "E212", "E213", "E401"]
