"""Worker processes give exactly the same report as one process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

RULES = str(Path(__file__).resolve().parent / "fixtures" / "rules")
Cli = Callable[..., Any]


def test_jobs_do_not_change_the_report(cli: Cli, tmp_path: Path) -> None:
    # Enough files and bytes to cross the threshold for starting workers.
    filler = "您好,请问有什么可以帮您?这是一条合规的示例话术。" * 4
    for i in range(40):
        lines = [filler] * 400
        lines[i % 400] = f"第{i}条:我们绝对保证,是的,但是稍等哈"
        (tmp_path / f"f{i:02}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = cli("lint", str(tmp_path), "--rules", RULES, "--format", "json", "--jobs", "1")
    many = cli("lint", str(tmp_path), "--rules", RULES, "--format", "json", "--jobs", "3")
    assert one.rc == many.rc == 1
    assert one.out == many.out
    assert one.out.count('"rule": "no_promise"') == 40
