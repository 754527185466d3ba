"""The compiler's stages: discover packs -> resolve names -> validate and lower rules -> build matchers.

Every stage collects all its diagnostics; the run stops after the first stage that found errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from pathlib import Path

import re2

from tactful._version import __version__
from tactful.compile.lowering import RE2_HINT, Lowering, Names, suggest_name
from tactful.compile.matchers import Matcher, Probe, quiet_options
from tactful.compile.packs import Pack, chain, did_you_mean, discover
from tactful.compile.regex_text import normalize_regex
from tactful.compile.ruleset import CompiledFix, CompiledRule, Library, RuleOrigin, Ruleset
from tactful.conditions import Node
from tactful.conditions.segments import Openers
from tactful.lang import ast
from tactful.lang.diagnostics import CompileError, Diagnostic, SourceSpan
from tactful.lang.parse import parse
from tactful.model import CATEGORIES, Severity
from tactful.text import NormalizeOptions, Normalizer, normalizer_for

_NORM_FLAGS = ("nfkc", "width", "casefold", "t2s")
# Building the Aho-Corasick automaton (ahocorasick_rs 1.0) grows quadratically on families of
# similar terms (词1, 词2, ... : 30,000 take 1.6 s, 100,000 take 20 s, a million would take
# hours), so a ruleset cannot be made to hang a reload. The shipped lists hold at most hundreds.
MAX_LIST_TERMS = 50_000


def compile_path(path: str | Path) -> Library:
    """Compile every pack under `path` (a .tact file or a directory of packs).

    Raises:
        CompileError: with every diagnostic of the failing stage, sorted by position.
    """
    packs, diags = discover(Path(path))
    _raise_if_errors(diags)
    by_name = {p.name: p for p in packs}
    rulesets: dict[str, Ruleset] = {}
    for name in sorted(by_name):
        rs, errs = _compile_ruleset(by_name, name)
        diags.extend(errs)
        if rs is not None:
            rulesets[name] = rs
    _raise_if_errors(diags)
    extended = {parent for p in packs if p.decl for parent, _ in p.decl.extends}
    leaves = tuple(sorted(n for n in by_name if n not in extended))
    return Library(rulesets, leaves)


def compile_text(text: str, path: str = "<string>") -> Ruleset:
    """Compile one self-contained pack given as text (tests, embedding)."""
    parsed, diags = parse(text, path)
    _raise_if_errors(diags)
    assert parsed is not None
    pack = Pack(Path(path).stem, Path(path).parent, [parsed])
    pack.decl = next((i for i in parsed.items if isinstance(i, ast.PackDecl)), None)
    if pack.decl:
        pack.name = pack.decl.name
    rs, errs = _compile_ruleset({pack.name: pack}, pack.name)
    _raise_if_errors(errs)
    assert rs is not None
    return rs


def diagnose_pack(packs: list[Pack], name: str) -> list[Diagnostic]:
    """Every diagnostic of compiling pack `name` (with what it extends) from packs already parsed,
    without raising: what an editor shows while a pack is being written."""
    diags = _compile_ruleset({p.name: p for p in packs}, name)[1]
    unique = {(d.code, d.span, d.message): d for d in diags}
    return sorted(unique.values(), key=lambda d: d.sort_key)


def _raise_if_errors(diags: list[Diagnostic]) -> None:
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        unique = {(d.code, d.span, d.message): d for d in errors}
        raise CompileError(list(unique.values()))


def _normalize_options(order: list[Pack], diags: list[Diagnostic]) -> NormalizeOptions:
    for pack in reversed(order):
        if pack.decl is None or pack.decl.normalize is None:
            continue
        flags: dict[str, object] = dict.fromkeys(_NORM_FLAGS, False)
        flags["noise"] = ""
        for opt in pack.decl.normalize:
            if opt.name in _NORM_FLAGS:
                flags[opt.name] = True
            elif opt.name == "noise":
                flags["noise"] = opt.arg if opt.arg is not None else "*·•_~^"
            else:
                diags.append(
                    Diagnostic(
                        "E220",
                        f"unknown normalization {opt.name!r}",
                        opt.span,
                        hint='options are: nfkc, width, casefold, t2s, noise("chars")',
                    )
                )
        return NormalizeOptions(**flags)  # type: ignore[arg-type]
    return NormalizeOptions()


def _read_list_file(decl: ast.ListDecl, base: Path, diags: list[Diagnostic]) -> tuple[tuple[str, ...], str]:
    assert decl.file is not None
    path = base / decl.file
    # A pack is a unit that is copied, reviewed and hot-reloaded as one directory: a term list
    # reached through `..`, an absolute path or a symlink pointing outside would read arbitrary
    # files of the server (and their lines would surface in messages).
    if not path.resolve().is_relative_to(base.resolve()):
        diags.append(
            Diagnostic(
                "E228",
                f"term list {decl.file!r} lies outside the pack directory",
                decl.span,
                hint="put the list file inside the pack's directory and name it by a relative path (no `..`, no absolute path, "
                "no symlink leading out)",
            )
        )
        return (), ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        diags.append(
            Diagnostic(
                "E221",
                f"cannot read term list {decl.file!r}: {err}",
                decl.span,
                hint="the file is looked up next to the .tact file; one UTF-8 term per line",
            )
        )
        return (), ""
    terms = tuple(t for t in (line.strip() for line in text.splitlines()) if t and not t.startswith("#"))
    return terms, text


def _collect_names(order: list[Pack], diags: list[Diagnostic], digest: hashlib._Hash) -> Names:
    names = Names()
    for pack in order:
        local: dict[str, ast.ListDecl | ast.ClassDecl | ast.MapDecl | ast.ScopeDecl] = {}
        for f in pack.files:
            for item in f.items:
                if not isinstance(item, (ast.ListDecl, ast.ClassDecl, ast.MapDecl, ast.ScopeDecl)):
                    continue
                if item.name in local:
                    diags.append(
                        Diagnostic(
                            "E204", f"{item.name!r} is defined twice in pack {pack.name!r}", item.span, related=(local[item.name].span,)
                        )
                    )
                    continue
                local[item.name] = item
                # a child's list or class replaces the parent's of the same name, whichever kind it was
                names.lists.pop(item.name, None)
                names.classes.pop(item.name, None)
                if isinstance(item, ast.ListDecl):
                    terms, raw = _read_list_file(item, Path(f.path).parent, diags) if item.file else (item.terms, "")
                    if len(terms) > MAX_LIST_TERMS:
                        diags.append(
                            Diagnostic(
                                "E229",
                                f"list {item.name!r} has {len(terms):,} terms, over the limit of {MAX_LIST_TERMS:,}",
                                item.span,
                                hint="split it into several lists, or describe a family of similar terms with a /regex/ pattern class",
                            )
                        )
                        terms = ()
                    digest.update(raw.encode())
                    names.lists[item.name] = (terms, item)
                elif isinstance(item, ast.ClassDecl):
                    names.classes[item.name] = item
                elif isinstance(item, ast.MapDecl):
                    names.maps[item.name] = item
                else:
                    names.scopes[item.name] = item
    return names


def _header(order: list[Pack], field: str) -> object:
    """A pack header setting, inherited: the nearest pack of the chain that sets it wins."""
    for pack in reversed(order):
        value = getattr(pack.decl, field, None) if pack.decl else None
        if value is not None:
            return value
    return None


def _header_regex(pattern: str, span: SourceSpan, what: str, empty_hint: str, diags: list[Diagnostic]) -> object | None:
    """A pack-header pattern compiled with RE2, or None after reporting why not: invalid (E301) or
    matching empty text (E227), which a pattern tried at positions of a reply must not."""
    try:
        compiled = re2.compile(pattern, quiet_options())
    except re2.error as err:
        reason = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
        diags.append(Diagnostic("E301", f"invalid {what} regex: {reason.replace('(?i)', '', 1)}", span, hint=RE2_HINT))
        return None
    if compiled.search("") is not None:
        diags.append(Diagnostic("E227", f"the {what} pattern matches empty text", span, hint=empty_hint))
        return None
    return compiled


def _emoticon_options(order: list[Pack], options: NormalizeOptions, names: Names, diags: list[Diagnostic]) -> NormalizeOptions:
    """`emoticons /…/ as slang` makes @emoticons a pattern class; `as ignore` hides the codes from
    every rule by dropping them in normalization (spans still map to the original text)."""
    emo = _header(order, "emoticons")
    if not isinstance(emo, ast.Emoticons):
        return options
    pattern = _pattern_for(emo.pattern, normalizer_for(options), options.casefold)
    if _header_regex(pattern, emo.span, "emoticons", "every match must consume a character, e.g. /\\[[^\\]]+\\]/", diags) is None:
        return options
    if emo.policy == "ignore":
        return dataclasses.replace(options, drop=pattern)
    names.classes.setdefault("emoticons", ast.ClassDecl(emo.span, "emoticons", emo.pattern, False, emo.span))
    return options


def _pattern_for(pattern: str, normalizer: Normalizer, casefold: bool) -> str:
    """A pack-header pattern as the lowering writes regexes: normalized characters, case-folded."""
    body = normalize_regex(pattern, normalizer)
    return "(?i)" + body if casefold else body


def _sign_off(order: list[Pack], low: Lowering) -> Probe | None:
    """`sign_off /…/`: what a closing clause looks like (谢谢, 祝您…, "Thanks!"), on normalized text,
    with {class} references like any rule regex. Text a fix appends goes before a reply's run of
    closing clauses, not after the goodbye."""
    rx = _header(order, "sign_off")
    if not isinstance(rx, ast.Regex):
        return None
    expanded = low.expand(rx.pattern, rx.span)
    if expanded is None:
        return None
    pattern = _pattern_for(expanded, low.normalizer, low.casefold or rx.ignore_case)
    hint = "it is tried at the start of each closing clause and must consume a character, e.g. /谢谢|祝您/"
    if _header_regex(pattern, rx.span, "sign_off", hint, low.diags) is None:
        return None
    return Probe(pattern)


def _openers(order: list[Pack], options: NormalizeOptions, names: Names) -> Openers | None:
    """What may open a reply or clause without being its content: address words, and emoticon
    codes when rules can see them."""
    normalizer = normalizer_for(options)
    address = _header(order, "address") or ()
    terms = sorted({t for t in (normalizer.term(a) for a in address) if t}, key=lambda t: (-len(t), t))  # type: ignore[attr-defined]
    parts = [re.escape(t) for t in terms]
    emo = _header(order, "emoticons")
    if isinstance(emo, ast.Emoticons) and emo.policy == "slang":
        parts.append(_pattern_for(emo.pattern, normalizer, False))
    if not parts:
        return None
    return Openers(("(?i)" if options.casefold else "") + "(?:" + "|".join(parts) + ")")


def _collect_rules(order: list[Pack], diags: list[Diagnostic]) -> tuple[list[tuple[ast.Rule, str]], dict[str, str]]:
    rules: dict[str, tuple[ast.Rule, str]] = {}
    disabled: set[str] = set()
    severity: dict[str, str] = {}
    for pack in order:
        for f in pack.files:
            for item in f.items:
                if isinstance(item, ast.Rule):
                    if item.id in rules:
                        first = rules[item.id][0]
                        diags.append(
                            Diagnostic(
                                "E205",
                                f"duplicate rule id {item.id!r}",
                                item.span,
                                hint=f"rule ids are unique across a ruleset; the first is at {first.span}",
                                related=(first.span,),
                            )
                        )
                        continue
                    rules[item.id] = (item, pack.name)
        for f in pack.files:
            for item in f.items:
                targets = (
                    item.rule_ids
                    if isinstance(item, ast.Disable)
                    else ((item.rule_id, item.span),)
                    if isinstance(item, ast.Override)
                    else ()
                )
                for rid, span in targets:
                    if rid not in rules:
                        diags.append(
                            Diagnostic(
                                "E210",
                                f"unknown rule {rid!r}",
                                span,
                                hint=did_you_mean(rid, sorted(rules)) or "only rules of this pack or the packs it extends can be changed",
                            )
                        )
                    elif isinstance(item, ast.Disable):
                        disabled.add(rid)
                    else:
                        assert isinstance(item, ast.Override)
                        severity[rid] = item.severity
    kept = [rules[r] for r in rules if r not in disabled]
    return kept, severity


def _validate_rule(rule: ast.Rule, diags: list[Diagnostic]) -> bool:
    start = len(diags)
    if rule.category is None:
        diags.append(
            Diagnostic("E211", f"rule {rule.id!r} has no category", rule.span, hint="add `category NAME`, one of: " + ", ".join(CATEGORIES))
        )
    elif rule.category[0] not in CATEGORIES:
        name, span = rule.category
        guess = did_you_mean(name, list(CATEGORIES))
        diags.append(
            Diagnostic(
                "E212",
                f"unknown category {name!r}",
                span,
                hint=(guess + " " if guess else "") + "valid categories: " + ", ".join(CATEGORIES),
            )
        )
    if rule.message is None:
        diags.append(
            Diagnostic("E213", f"rule {rule.id!r} has no message", rule.span, hint='add `message "..."`; it may quote {match} and {1}..')
        )
    if rule.when is None:
        diags.append(
            Diagnostic(
                "E214",
                f"rule {rule.id!r} has no `when` condition",
                rule.span,
                hint="add `when <condition>`, e.g. when @terms or when /regex/",
            )
        )
    if not any(e.bad for e in rule.examples):
        diags.append(
            Diagnostic(
                "E401", f"rule {rule.id!r} has no bad example", rule.span, hint='add `example bad "a reply it must flag" -> "its rewrite"`'
            )
        )
    if not any(not e.bad for e in rule.examples):
        diags.append(
            Diagnostic(
                "E402", f"rule {rule.id!r} has no good example", rule.span, hint='add `example good "a similar reply it must not flag"`'
            )
        )
    for ex in rule.examples:
        g = ex.given
        if g.turn is not None and g.turn not in ("first", "middle", "last"):
            diags.append(Diagnostic("E403", f"unknown turn {g.turn!r} in example", ex.span, hint="turns are: first, middle, last"))
        if g.time is not None:
            hh, mm = (int(x) for x in g.time.split(":"))
            if hh > 23 or mm > 59:
                diags.append(Diagnostic("E404", f"invalid time {g.time!r} in example", ex.span, hint="write 24-hour times such as 09:30"))
    return len(diags) == start


def _lower_fixes(rule: ast.Rule, low: Lowering, groups: int) -> tuple[CompiledFix, ...]:
    fixes = []
    for fix in rule.fixes:
        if fix.kind == "map":
            if fix.value not in low.names.maps:
                low.diags.append(
                    Diagnostic(
                        "E222",
                        f"unknown map @{fix.value}",
                        fix.span,
                        hint=suggest_name("@", fix.value, sorted(low.names.maps))
                        or 'declare it with map NAME = { "term" -> "replacement" }',
                    )
                )
                continue
            fixes.append(CompiledFix("map", fix.value, low.map_lookup(fix.value), _lower_guard(fix, low)))
            continue
        if fix.kind == "rewrite":
            low.check_template(fix.value, groups, fix.span, "rewrite")
        fixes.append(CompiledFix(fix.kind, fix.value, guard=_lower_guard(fix, low)))
    return tuple(fixes)


def _lower_guard(fix: ast.Fix, low: Lowering) -> Node | None:
    if fix.guard is None:
        return None
    if fix.kind == "suggest":
        # a suggestion is the fallback a failed guard leaves: guarding it would leave nothing
        low.diags.append(
            Diagnostic(
                "E230",
                "`suggest` cannot have an `if` guard",
                fix.guard.span,
                hint="guard the edit (`append \"…\" if @class`) and keep `suggest` unguarded as its fallback",
            )
        )
        return None
    return low.node(fix.guard)


def _lower_rule(rule: ast.Rule, pack: str, low: Lowering, severity: str | None) -> CompiledRule | None:
    assert rule.when is not None and rule.category is not None and rule.message is not None
    before = len(low.diags)
    when = low.node(rule.when)
    unless, scopes = [], []
    unless_src: list[ast.Expr] = []
    scope_src: list[ast.ScopeDecl] = []
    for expr in rule.unless:
        if isinstance(expr, ast.InScope):
            flt = low.scope(expr)
            if flt is not None:
                scopes.append(flt)
                scope_src.append(low.names.scopes[expr.name])
        else:
            node = low.node(expr)
            if node is not None:
                unless.append(node)
                unless_src.append(expr)
    groups = low.max_groups(rule.when)
    low.check_template(rule.message, groups, rule.span, "message")
    fixes = _lower_fixes(rule, low, groups)
    if when is None or len(low.diags) != before:
        return None
    return CompiledRule(
        id=rule.id,
        category=rule.category[0],
        severity=Severity.parse(severity or (rule.severity[0] if rule.severity else "warning")),
        message=rule.message,
        rationale=rule.rationale,
        source=rule.source,
        pack=pack,
        when=when,
        unless=tuple(unless),
        scopes=tuple(scopes),
        fixes=fixes,
        examples=rule.examples,
        location=str(rule.span),
        origin=RuleOrigin(rule.when, tuple(unless_src), tuple(scope_src), tuple(f.guard for f in rule.fixes)),
    )


def _compile_ruleset(packs: dict[str, Pack], name: str) -> tuple[Ruleset | None, list[Diagnostic]]:
    order, diags = chain(packs, name)
    if diags:
        return None, diags
    digest = hashlib.sha256(f"tactful {__version__}\n".encode())
    for pack in order:
        for f in pack.files:
            digest.update(f"{pack.name}/{Path(f.path).name}\n".encode())
            digest.update(f.text.encode())
    options = _normalize_options(order, diags)
    digest.update(options.key.encode())
    names = _collect_names(order, diags, digest)
    options = _emoticon_options(order, options, names, diags)
    rules, severity = _collect_rules(order, diags)
    if diags:
        return None, diags
    low = Lowering(names, normalizer_for(options), options.casefold, _openers(order, options, names))
    _opener_atoms(order, low)
    sign_off = _sign_off(order, low)
    compiled = []
    for rule, pack in rules:
        if _validate_rule(rule, low.diags):
            lowered = _lower_rule(rule, pack, low, severity.get(rule.id))
            if lowered is not None:
                compiled.append(lowered)
    if any(d.severity == "error" for d in low.diags):
        return None, low.diags
    return _build(packs[name], order, compiled, low, digest.hexdigest()[:16], sign_off), low.diags


def _opener_atoms(order: list[Pack], low: Lowering) -> None:
    """Address words go on the automaton, and the emoticon class into the regex set, so that a rule
    anchored at the reply's start is tried when an opener may be hiding its match."""
    if low.openers is None:
        return
    atoms: set[tuple[str, int]] = set()
    address = _header(order, "address")
    if address:
        sid = low.intern_terms(("address",), tuple(address))  # type: ignore[arg-type]
        atoms.add(("t", sid))
    emo = _header(order, "emoticons")
    if isinstance(emo, ast.Emoticons) and emo.policy == "slang" and "emoticons" in low.names.classes:
        cls = low.names.classes["emoticons"]
        rid = low.regex(ast.Regex(cls.pattern_span, cls.pattern, cls.ignore_case))
        if rid is not None:
            atoms.add(("r", rid))
    low.opener_atoms = frozenset(atoms)


def _build(pack: Pack, order: list[Pack], rules: list[CompiledRule], low: Lowering, version: str, sign_off: Probe | None) -> Ruleset:
    matcher = Matcher(list(low.terms), [tuple(sorted(s)) for s in low.term_sets], low.regexes)
    by_atom: dict[tuple[str, int], list[int]] = defaultdict(list)
    always: list[int] = []
    for idx, rule in enumerate(rules):
        needs = rule.when.triggers()
        if needs is None:
            always.append(idx)
        else:
            for atom in needs:
                by_atom[atom].append(idx)
    locale = next((p.decl.locale for p in reversed(order) if p.decl and p.decl.locale), None)
    return Ruleset(
        name=pack.name,
        version=version,
        pack_version=pack.decl.version if pack.decl else "0",
        locale=locale,
        description=pack.decl.description if pack.decl else "",
        normalizer=low.normalizer,
        matcher=matcher,
        rules=tuple(rules),
        by_atom={k: tuple(v) for k, v in by_atom.items()},
        always=tuple(always),
        uses_customer=low.uses_customer,
        chain=tuple(p.name for p in order),
        sources={f.path: f.text for p in order for f in p.files},
        sign_off=sign_off,
    )


def load_rules(path: str | Path | None = None) -> Library:
    """Compile the packs under `path`, or the packs shipped inside the package when None.

    Raises:
        CompileError: with every diagnostic of the failing stage.
    """
    if path is None:
        from importlib.resources import files

        path = Path(str(files("tactful") / "packs"))
    return compile_path(path)
