"""`tactful fmt` on the shipped packs: formatting never changes what a pack compiles to, and is idempotent.

A pack's compiled form is compared without source positions (its version hash covers the file text,
so it changes with any edit, layout included): rules, conditions, fixes, examples, terms and regexes.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library, Ruleset
from tactful.lang.diagnostics import SourceSpan
from tactful.lang.layout import format_text
from tactful.tester import run_examples

Cli = Callable[..., Any]  # conftest.run_cli -> CliResult(rc, out, err)


def _plain(value: Any) -> Any:
    if isinstance(value, SourceSpan):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__  # a checksum function and the like: by name
    if isinstance(value, set | frozenset):
        return tuple(sorted(repr(_plain(v)) for v in value))
    # other compiled objects (scope filters, opener sets...): by their attributes, never by identity
    slots = [n for cls in type(value).__mro__ for n in getattr(cls, "__slots__", ())]
    fields = dict(vars(value)) if hasattr(value, "__dict__") else {}
    fields.update({n: getattr(value, n) for n in slots if hasattr(value, n)})
    if fields:
        return (type(value).__name__, tuple(sorted((k, _plain(v)) for k, v in fields.items())))
    if isinstance(getattr(value, "pattern", None), str):
        return (type(value).__name__, value.pattern)  # a compiled regex
    return _ADDRESS.sub("", repr(value))


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def ruleset_fingerprint(rs: Ruleset) -> tuple[Any, ...]:
    matcher = rs.matcher
    rules = tuple(
        (
            r.id,
            r.category,
            r.severity,
            r.message,
            r.rationale,
            r.source,
            r.pack,
            _plain(r.when),
            _plain(r.unless),
            _plain(r.fixes),
            _plain(r.examples),
            _plain(r.scopes),
        )
        for r in rs.rules
    )
    return (
        rs.name,
        rs.pack_version,
        rs.locale,
        rs.description,
        rs.chain,
        rs.always,
        tuple(sorted(rs.by_atom.items())),
        matcher._terms,
        tuple(p.pattern for p in matcher._regexes),
        rules,
    )


def library_fingerprint(lib: Library) -> dict[str, tuple[Any, ...]]:
    return {name: ruleset_fingerprint(lib.get(name)) for name in lib.names}


ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


def _format_tree(src: Path, dst: Path, transform: Callable[[str], str] = lambda s: s) -> None:
    shutil.copytree(src, dst)
    for file in sorted(dst.rglob("*.tact")):
        text = transform(file.read_text(encoding="utf-8"))
        out, diags = format_text(text, str(file))
        assert out is not None, diags
        again, _ = format_text(out, str(file))
        assert again == out, f"formatting {file.relative_to(dst)} twice changed it"
        file.write_text(out, encoding="utf-8")


def test_formatting_every_shipped_pack_keeps_what_it_compiles_to(tmp_path: Path) -> None:
    before = compile_path(RULES)
    _format_tree(RULES, tmp_path / "rules")
    after = compile_path(tmp_path / "rules")
    assert library_fingerprint(after) == library_fingerprint(before)
    outcomes = list(run_examples(after))
    assert outcomes and all(o.passed for o in outcomes), [o for o in outcomes if not o.passed][:3]
    assert len(outcomes) == len(list(run_examples(before)))


def _squash(text: str) -> str:
    """The same tokens with every comment dropped and all whitespace a single space: one long line."""
    tokens = _TOKEN.findall(text)
    return " ".join(t for t in tokens if not t.startswith("#")) + "\n"


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|/(?:[^/\\\n]|\\.)+/i?|#[^\n]*|[^\s"/#]+')


def test_a_pack_squashed_onto_one_line_formats_to_the_same_rules(tmp_path: Path) -> None:
    # no line breaks left to preserve: every break comes from the formatter's own rules
    _format_tree(RULES, tmp_path / "rules", _squash)
    assert library_fingerprint(compile_path(tmp_path / "rules")) == library_fingerprint(compile_path(RULES))
    text = (tmp_path / "rules" / "zh" / "pack.tact").read_text(encoding="utf-8")
    assert text.startswith('pack "zh" {\n  version "')
    assert "\nscope negated {\n  before @negators within 3 clause\n}\n" in text



def test_the_shipped_packs_are_formatted(cli: Cli) -> None:
    res = cli("fmt", "--check", str(RULES))
    assert res.rc == 0, res.out[-3000:] + res.err
    assert res.out == ""
