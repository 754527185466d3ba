"""No shipped rule hides its norm in one giant regex: every regex literal stays under 200 characters.

A regex of several hundred characters cannot be read or safely changed by the compliance officer
who owns the norm; the language has word classes (`class x = [...]`, `{x}` inside a regex) so a
long alternation is written as named parts instead. The literals are found with the pack grammar's
own lexer, so `/` inside a quoted term is never mistaken for a regex.
"""

from __future__ import annotations

from pathlib import Path

from tactful.lang.grammar import parser

RULES = Path(__file__).resolve().parents[2] / "rules"
LIMIT = 200


def regex_literals(path: Path) -> list[tuple[int, str]]:
    tree = parser().parse(path.read_text(encoding="utf-8"))
    tokens = tree.scan_values(lambda t: getattr(t, "type", None) == "REGEX")
    return [(tok.line, str(tok).rstrip("i")[1:-1]) for tok in tokens]


def long_regexes(pack: Path) -> list[str]:
    return [
        f"{f.relative_to(RULES)}:{line}: {len(body)} characters: {body[:60]}…"
        for f in sorted(pack.glob("*.tact"))
        for line, body in regex_literals(f)
        if len(body) > LIMIT
    ]


def test_no_shipped_regex_literal_over_the_limit() -> None:
    packs = [p for p in sorted(RULES.iterdir()) if p.is_dir()]
    assert {"zh", "common", "en"} <= {p.name for p in packs}
    found = [hit for pack in packs for hit in long_regexes(pack)]
    assert not found, "split these into word classes:\n" + "\n".join(found)


def test_the_check_sees_a_long_regex(tmp_path: Path) -> None:
    # The guard must be able to fail: a 201-character alternation in a pack is reported with its line.
    pack = tmp_path / "demo"
    pack.mkdir()
    body = "|".join(["退款"] * 67)  # 67 * 2 + 66 = 200 characters
    (pack / "r.tact").write_text(f'# demo\nlist a = ["x"]\nclass ok = /{body}/\nclass too_long = /{body}退/\n', encoding="utf-8")
    lines = [line for line, b in regex_literals(pack / "r.tact") if len(b) > LIMIT]
    assert lines == [4]
