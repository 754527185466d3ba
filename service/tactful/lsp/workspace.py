"""The pack a rule file belongs to, parsed with the editor's unsaved texts, and the names it can see."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tactful.compile.compiler import diagnose_pack
from tactful.compile.packs import Pack, chain, discover
from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic

KINDS = ("rule", "list", "class", "map", "scope")


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str  # rule | list | class | map | scope (a term class is a list)
    name: str
    decl: ast.Rule | ast.ListDecl | ast.ClassDecl | ast.MapDecl | ast.ScopeDecl
    pack: str


_DECL_KIND = {ast.Rule: "rule", ast.ListDecl: "list", ast.ClassDecl: "class", ast.MapDecl: "map", ast.ScopeDecl: "scope"}


def _pack_dirs(file: Path) -> list[Path]:
    """The file's own directory and its sibling pack directories (where `extends` finds its packs)."""
    home = file.parent
    dirs = [home]
    parent = home.parent
    if parent != home and parent.is_dir():
        dirs += sorted(d for d in parent.iterdir() if d.is_dir() and d != home and not d.name.startswith(".") and any(d.glob("*.tact")))
    return dirs


@dataclass
class PackView:
    """Everything the editor features need about the pack that holds one file."""

    file: Path
    packs: list[Pack]
    home: Pack | None
    order: list[Pack]  # the home pack's chain, base packs first
    diagnostics: list[Diagnostic]

    @classmethod
    def load(cls, file: Path, sources: Mapping[str, str], compile_pack: bool = False) -> PackView:
        """Parse the file's pack and its siblings; with `compile_pack`, also every compile diagnostic."""
        packs: list[Pack] = []
        diags: list[Diagnostic] = []
        for directory in _pack_dirs(file):
            found, errs = _discover_dir(directory, sources)
            packs += found
            if directory == file.parent:
                diags += errs  # syntax errors of the home pack; other directories are not this file's business
        home = next((p for p in packs if p.directory == file.parent), None)
        order: list[Pack] = []
        if home is not None:
            by_name = {p.name: p for p in packs}
            order, _ = chain(by_name, home.name)
            if compile_pack and not diags:
                diags = diagnose_pack(packs, home.name)
        return cls(file, packs, home, order, diags)

    def symbols(self) -> Iterator[Symbol]:
        """Visible declarations, the home pack's first (a child pack's name shadows its parent's)."""
        for pack in reversed(self.order):
            for source in pack.files:
                for item in source.items:
                    kind = _DECL_KIND.get(type(item))
                    if kind is not None:
                        yield Symbol(kind, item.name if kind != "rule" else item.id, item, pack.name)  # type: ignore[union-attr]

    def find(self, name: str, kinds: tuple[str, ...] = KINDS) -> Symbol | None:
        for sym in self.symbols():
            if sym.name == name and sym.kind in kinds:
                return sym
        return None

    def names(self, kinds: tuple[str, ...]) -> dict[str, Symbol]:
        out: dict[str, Symbol] = {}
        for sym in self.symbols():
            if sym.kind in kinds:
                out.setdefault(sym.name, sym)
        return out


def _discover_dir(directory: Path, sources: Mapping[str, str]) -> tuple[list[Pack], list[Diagnostic]]:
    """The pack of one directory: its own .tact files only (a subdirectory is a pack of its own)."""
    packs: list[Pack] = []
    diags: list[Diagnostic] = []
    for file in sorted(directory.glob("*.tact")):
        found, errs = _parse_cached(file, sources)
        diags += errs
        for pack in found:
            _merge(packs, pack, directory)
    return packs, diags


_CACHE: dict[str, tuple[object, tuple[list[Pack], list[Diagnostic]]]] = {}


def _parse_cached(file: Path, sources: Mapping[str, str]) -> tuple[list[Pack], list[Diagnostic]]:
    # every hover or keystroke looks at the whole pack and its siblings: parse a file again only when it changed
    try:
        key: object = sources[str(file)] if str(file) in sources else file.stat().st_mtime_ns
    except OSError:
        key = None
    hit = _CACHE.get(str(file))
    if hit is not None and hit[0] == key:
        return hit[1]
    result = discover(file, sources)
    _CACHE[str(file)] = (key, result)
    return result


def _merge(packs: list[Pack], found: Pack, directory: Path) -> None:
    # discover() on a single file names its pack after the file; a directory's files form one pack
    pack = next((p for p in packs if p.directory == directory), None)
    if pack is None:
        pack = Pack(directory.name, directory)
        packs.append(pack)
    pack.files += found.files
    if found.decl is not None and pack.decl is None:
        pack.decl = found.decl
        pack.name = found.decl.name
