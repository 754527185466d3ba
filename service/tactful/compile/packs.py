"""Finding rule files, grouping them into packs and resolving `extends` chains."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic, SourceSpan
from tactful.lang.parse import parse


@dataclass
class Pack:
    """The parsed files of one pack (one directory, or one file given on its own)."""

    name: str
    directory: Path
    files: list[ast.SourceFile] = field(default_factory=list)
    decl: ast.PackDecl | None = None


def did_you_mean(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _read(path: Path) -> tuple[str | None, Diagnostic | None]:
    try:
        return path.read_text(encoding="utf-8"), None
    except UnicodeDecodeError as err:
        return None, Diagnostic(
            "E002", f"rule file is not valid UTF-8 (byte {err.start})", SourceSpan(str(path), 1, 1), hint="save the file as UTF-8"
        )
    except OSError as err:
        return None, Diagnostic("E001", f"cannot read rule file: {err.strerror}", SourceSpan(str(path), 1, 1))


def discover(path: Path, sources: Mapping[str, str] | None = None) -> tuple[list[Pack], list[Diagnostic]]:
    """Parse every .tact file under `path`; files of one directory form one pack.

    `sources` (file path -> text) stands in for files whose unsaved text an editor holds.
    """
    if not path.exists():
        return [], [
            Diagnostic("E003", f"rules path does not exist: {path}", None, hint="pass a .tact file or a directory of packs with --rules")
        ]
    files = (
        [path]
        if path.is_file()
        else sorted(p for p in path.rglob("*.tact") if not any(part.startswith(".") for part in p.relative_to(path).parts))
    )
    if not files:
        return [], [Diagnostic("E004", f"no .tact rule files under {path}", None)]
    groups: dict[Path, Pack] = {}
    diags: list[Diagnostic] = []
    for file in files:
        text, err = (sources[str(file)], None) if sources and str(file) in sources else _read(file)
        if err is not None:
            diags.append(err)
            continue
        assert text is not None
        parsed, errs = parse(text, str(file))
        diags.extend(errs)
        if parsed is None:
            continue
        default_name = file.stem if path.is_file() else file.parent.name
        pack = groups.setdefault(file.parent, Pack(default_name, file.parent))
        pack.files.append(parsed)
        for item in parsed.items:
            if isinstance(item, ast.PackDecl):
                if pack.decl is not None:
                    diags.append(
                        Diagnostic(
                            "E206",
                            f"second pack header in {file.parent}",
                            item.span,
                            hint="a directory holds one pack: keep one `pack` block",
                            related=(pack.decl.span,),
                        )
                    )
                    continue
                pack.decl = item
                pack.name = item.name
    packs = list(groups.values())
    seen: dict[str, Pack] = {}
    for pack in packs:
        if pack.name in seen and pack.decl is not None:
            first = seen[pack.name].decl
            diags.append(
                Diagnostic("E207", f"pack name {pack.name!r} is used twice", pack.decl.span, related=(first.span,) if first else ())
            )
        seen.setdefault(pack.name, pack)
    return packs, diags


def chain(packs: dict[str, Pack], name: str) -> tuple[list[Pack], list[Diagnostic]]:
    """The pack and everything it extends, base packs first (each once)."""
    order: list[Pack] = []
    diags: list[Diagnostic] = []

    def visit(pack: Pack, stack: tuple[str, ...]) -> None:
        if pack in order:
            return
        for parent, span in pack.decl.extends if pack.decl else ():
            if parent in stack or parent == pack.name:
                cycle = " -> ".join((*(stack[stack.index(parent) :] if parent in stack else ()), pack.name, parent))
                diags.append(
                    Diagnostic(
                        "E209",
                        f"pack {pack.name!r} extends itself: {cycle}",
                        span,
                        hint="packs extend each other in a cycle; remove one `extends` of the cycle",
                    )
                )
                continue
            if parent not in packs:
                diags.append(
                    Diagnostic(
                        "E208",
                        f"unknown pack {parent!r} in extends",
                        span,
                        hint=did_you_mean(parent, sorted(packs)) or f"known packs: {', '.join(sorted(packs))}",
                    )
                )
                continue
            visit(packs[parent], (*stack, pack.name))
        order.append(pack)

    visit(packs[name], ())
    return order, diags
