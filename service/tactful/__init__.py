"""Tactful: checks customer-service replies against service norms written as rules, and suggests rewrites.

>>> import tactful
>>> library = tactful.load_rules()                      # the shipped packs
>>> result = tactful.check(library.select(None, "zh-Hans"), "是的,但是我们绝对保证明天到货")
>>> sorted({v.category for v in result.violations} & {"contrastive_but", "unfulfillable_promise"})
['contrastive_but', 'unfulfillable_promise']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tactful._version import __version__

# Names are resolved lazily: the compiler itself imports `tactful.__version__`, and most
# callers (the CLI, the server) import only the layer they need.
_EXPORTS = {
    "check": ("tactful.engine", "check"),
    "compile_path": ("tactful.compile.compiler", "compile_path"),
    "compile_text": ("tactful.compile.compiler", "compile_text"),
    "load_rules": ("tactful.compile.compiler", "load_rules"),
    "CompileError": ("tactful.lang.diagnostics", "CompileError"),
    "Context": ("tactful.model", "Context"),
    "Library": ("tactful.compile.ruleset", "Library"),
    "Result": ("tactful.model", "Result"),
    "Ruleset": ("tactful.compile.ruleset", "Ruleset"),
    "Severity": ("tactful.model", "Severity"),
    "Violation": ("tactful.model", "Violation"),
}
__all__ = [
    "CompileError",
    "Context",
    "Library",
    "Result",
    "Ruleset",
    "Severity",
    "Violation",
    "__version__",
    "check",
    "compile_path",
    "compile_text",
    "load_rules",
]

if TYPE_CHECKING:  # pragma: no cover
    from tactful.compile.compiler import compile_path, compile_text, load_rules
    from tactful.compile.ruleset import Library, Ruleset
    from tactful.engine import check
    from tactful.lang.diagnostics import CompileError
    from tactful.model import Context, Result, Severity, Violation


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tactful' has no attribute {name!r}")
    from importlib import import_module

    module, attr = _EXPORTS[name]
    return getattr(import_module(module), attr)
