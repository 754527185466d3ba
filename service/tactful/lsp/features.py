"""Hover, go-to-definition and completion on .tact text, by token context (positions: 0-based line, character index)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from tactful.lang import ast
from tactful.lang.diagnostics import SourceSpan
from tactful.lang.grammar import keywords
from tactful.lang.tokens import Tok, tokens
from tactful.lsp.workspace import PackView, Symbol
from tactful.model import CATEGORIES, Severity

SHOWN = 20  # terms of a list / entries of a map shown on hover
SEVERITIES = tuple(s.name.lower() for s in sorted(Severity, reverse=True))


@dataclass(frozen=True, slots=True)
class Target:
    """The name under the cursor and what it can refer to."""

    tok: Tok
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: str  # keyword | rule | list | map | scope | category | severity
    detail: str


def _word(tok: Tok | None) -> str | None:
    """A keyword's text (`in`, `severity`...), else the token type: keyword token names vary with the grammar."""
    if tok is None:
        return None
    return tok.text if tok.type not in ("NAME", "STRING", "REGEX", "INT", "TIME", "LOCALE", "SEVERITY", "AT", "COMMA") else tok.type


def _at(toks: list[Tok], line: int, col: int) -> int | None:
    for i, tok in enumerate(toks):
        if tok.line == line + 1 and tok.column - 1 <= col <= tok.end - 1:
            return i
    return None


def _statement_keyword(toks: list[Tok], i: int) -> str | None:
    """For a name in `disable a, b` / `override a severity x`: the statement's keyword."""
    j = i - 1
    while j >= 0 and toks[j].type in ("NAME", "COMMA"):
        j -= 1
    return _word(toks[j]) if j >= 0 else None


def _kinds_for(toks: list[Tok], i: int) -> tuple[str, ...]:
    prev = _word(toks[i - 1]) if i > 0 else None
    before = _word(toks[i - 2]) if i > 1 else None
    if prev == "AT":
        return ("list", "class", "map")
    if prev == "in" and before != "turn":
        return ("scope",)
    if prev in ("rule", "list", "map", "scope"):
        return (prev,)
    if prev == "class":
        return ("class", "list")
    if _statement_keyword(toks, i) in ("disable", "override"):
        return ("rule",)
    return ("rule", "list", "map", "scope")


def target(text: str, line: int, col: int) -> Target | None:
    toks = tokens(text)
    i = _at(toks, line, col)
    if i is None:
        return None
    tok = toks[i]
    if tok.type == "STRING" and i > 0 and _word(toks[i - 1]) == "extends":
        return Target(tok, ("pack",))
    if tok.type == "REGEX":
        return _class_in_regex(tok, col)
    if tok.type != "NAME":
        return None
    return Target(tok, _kinds_for(toks, i))


def _class_in_regex(tok: Tok, col: int) -> Target | None:
    """`{name}` inside a /regex/ names a word class: the part of the regex under the cursor."""
    for m in _CLASS_USE.finditer(tok.text):
        start = tok.column - 1 + m.start(1)
        if start - 1 <= col <= start + len(m.group(1)):
            return Target(Tok("NAME", m.group(1), tok.line, start + 1, start + 1 + len(m.group(1))), ("class", "list"))
    return None


_CLASS_USE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_\-]*)\}")


def definition(view: PackView, text: str, line: int, col: int) -> SourceSpan | None:
    tgt = target(text, line, col)
    if tgt is None:
        return None
    if tgt.kinds == ("pack",):
        name = tgt.tok.text[1:-1]
        pack = next((p for p in view.packs if p.name == name and p.decl is not None), None)
        return pack.decl.span if pack is not None and pack.decl is not None else None
    sym = view.find(tgt.tok.text, tgt.kinds)
    return sym.decl.span if sym is not None else None


def hover(view: PackView, text: str, line: int, col: int) -> tuple[str, Tok] | None:
    tgt = target(text, line, col)
    if tgt is None or tgt.kinds == ("pack",):
        return None
    sym = view.find(tgt.tok.text, tgt.kinds)
    if sym is None:
        return None
    return describe(sym), tgt.tok


def describe(sym: Symbol) -> str:
    where = f"pack `{sym.pack}`, {Path(sym.decl.span.path).name}:{sym.decl.span.line}"
    decl = sym.decl
    if isinstance(decl, ast.Rule):
        return _describe_rule(decl, where)
    if isinstance(decl, ast.ListDecl):
        terms = decl.terms if decl.file is None else _file_terms(Path(decl.span.path).parent / decl.file)
        origin = f' (from "{decl.file}")' if decl.file else ""
        return f"**list** `{decl.name}` — {len(terms)} terms{origin}\n\n{_shown([_q(t) for t in terms])}\n\n{where}"
    if isinstance(decl, ast.ClassDecl):
        flags = "i" if decl.ignore_case else ""
        usage = f"usable as `{{{decl.name}}}` in a regex and `@{decl.name}`"
        return f"**class** `{decl.name}` — a pattern, {usage}\n\n`/{decl.pattern}/{flags}`\n\n{where}"
    if isinstance(decl, ast.MapDecl):
        entries = [f"{_q(k)} → {_q(v)}" for k, v in decl.entries]
        return f"**map** `{decl.name}` — {len(entries)} entries\n\n{_shown(entries)}\n\n{where}"
    assert isinstance(decl, ast.ScopeDecl)
    cues = "\n".join(f"- {_cue(c)}" for c in decl.cues)
    return f"**scope** `{decl.name}`\n\n{cues}\n\n{where}"


def _describe_rule(rule: ast.Rule, where: str) -> str:
    category = rule.category[0] if rule.category else "?"
    severity = rule.severity[0] if rule.severity else "warning"
    parts = [f"**rule** `{rule.id}` — {category}, {severity}"]
    if rule.message:
        parts.append(rule.message)
    if rule.rationale:
        parts.append(f"*Rationale:* {rule.rationale}")
    if rule.source:
        parts.append(f"*Source:* {rule.source}")
    bad = sum(1 for e in rule.examples if e.bad)
    parts.append(f"{bad} bad / {len(rule.examples) - bad} good examples · {where}")
    return "\n\n".join(parts)


def _q(term: str) -> str:
    return f"`{term}`"


def _shown(items: list[str]) -> str:
    more = f" … and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _cue(cue: ast.ScopeCue) -> str:
    terms = f"@{cue.terms.name}" if isinstance(cue.terms, ast.Ref) else _shown([_q(t) for t in cue.terms.terms])
    return f"{cue.direction} {terms} within {cue.within}{' clause' if cue.clause else ''}"


def _file_terms(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [t for t in (line.strip() for line in lines) if t and not t.startswith("#")]


def completions(view: PackView, text: str, line: int, col: int) -> list[Completion]:
    every = tokens(text)
    local = _declared(every)
    toks = [t for t in every if (t.line, t.end) <= (line + 1, col + 1)]
    if toks and toks[-1].type == "NAME" and (toks[-1].line, toks[-1].end) == (line + 1, col + 1):
        toks = toks[:-1]  # the word being typed: complete it from what precedes it
    prev = _word(toks[-1]) if toks else None
    if prev == "AT":
        return _symbols(view, ("list", "class", "map"), local)
    if prev == "in" and (len(toks) < 2 or _word(toks[-2]) != "turn"):
        return _symbols(view, ("scope",), local)
    if prev == "category":
        return [Completion(c, "category", "category") for c in CATEGORIES]
    if prev == "severity":
        return [Completion(s, "severity", "severity") for s in SEVERITIES]
    if prev in ("disable", "override") or (prev == "COMMA" and _statement_keyword(toks, len(toks)) == "disable"):
        return _symbols(view, ("rule",), local)
    return [Completion(k, "keyword", "keyword") for k in keywords()]


def _declared(toks: list[Tok]) -> dict[str, str]:
    """Names declared in the text being edited, read from its tokens: a file that does not parse yet
    (it is being typed) still offers its own lists, maps, scopes and rules."""
    out: dict[str, str] = {}
    for prev, tok in itertools.pairwise(toks):
        kind = _word(prev)
        if tok.type == "NAME" and kind in ("rule", "list", "class", "map", "scope"):
            out.setdefault(tok.text, kind)
    return out


def _symbols(view: PackView, kinds: tuple[str, ...], local: dict[str, str]) -> list[Completion]:
    found = {name: Completion(name, sym.kind, f"{sym.kind} in pack {sym.pack}") for name, sym in view.names(kinds).items()}
    for name, kind in local.items():
        if kind in kinds:
            found.setdefault(name, Completion(name, kind, f"{kind} in this file"))
    return [found[name] for name in sorted(found)]
