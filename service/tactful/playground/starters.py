"""The packs the page can start from: the shipped (or --rules) packs with the packs they extend,
and a small example pack shipped with the playground."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from tactful.compile.ruleset import Library

_EXAMPLE = Path(str(files("tactful.playground") / "starters" / "example"))


def _read_dirs(dirs: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in dirs:
        for f in sorted(d.iterdir()):
            if f.suffix in (".tact", ".txt") and f.is_file():
                out[f"{d.name}/{f.name}"] = f.read_text(encoding="utf-8")
    return out


def starters(library: Library) -> list[dict[str, Any]]:
    """One starter per leaf pack (its files and those of every pack it extends), then the example."""
    out = []
    # Chinese first: the shipped zh pack is where most authors start.
    for name in sorted(library.leaves, key=lambda n: (not (library.rulesets[n].locale or "").startswith("zh"), n)):
        rs = library.rulesets[name]
        dirs = sorted({Path(p).parent for p in rs.sources}, key=lambda d: d.name)
        out.append({"name": name, "description": rs.description or f"the {name} pack", "files": _read_dirs(dirs), "ruleset": name})
    out.append({"name": "example", "description": "a small example pack", "files": _read_dirs([_EXAMPLE]), "ruleset": "example"})
    return out
