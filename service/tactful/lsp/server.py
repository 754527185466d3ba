"""The language server over stdio (pygls): `tactful lsp` or `tactful-lsp`.

Diagnostics are the compiler's, for the whole pack the edited file belongs to (with the editor's
unsaved texts), published per file on open, change and save.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from tactful import __version__
from tactful.lang.diagnostics import Diagnostic, SourceSpan
from tactful.lsp.features import completions, definition, hover
from tactful.lsp.workspace import PackView

DEBOUNCE_SECONDS = 0.3
server = LanguageServer("tactful-lsp", __version__)
_pending: dict[str, asyncio.TimerHandle] = {}
_published: dict[str, set[str]] = {}  # home-pack directory -> URIs that were given diagnostics
_KIND = {
    "keyword": types.CompletionItemKind.Keyword,
    "rule": types.CompletionItemKind.Function,
    "list": types.CompletionItemKind.Variable,
    "map": types.CompletionItemKind.Variable,
    "scope": types.CompletionItemKind.Module,
    "category": types.CompletionItemKind.EnumMember,
    "severity": types.CompletionItemKind.EnumMember,
}
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


def _utf16(line_text: str, index: int) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in line_text[:index])


def _index(line_text: str, utf16: int) -> int:
    units = 0
    for i, c in enumerate(line_text):
        if units >= utf16:
            return i
        units += 2 if ord(c) > 0xFFFF else 1
    return len(line_text)


def _text_of(path: str) -> str:
    doc = server.workspace.text_documents.get(from_fs_path(path) or "")
    if doc is not None:
        return doc.source
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _range(span: SourceSpan) -> types.Range:
    lines = _text_of(span.path).splitlines()
    line = max(span.line - 1, 0)
    text = lines[line] if line < len(lines) else ""
    start = max(span.column - 1, 0)
    return types.Range(types.Position(line, _utf16(text, start)), types.Position(line, _utf16(text, start + max(span.length, 1))))


def _sources() -> dict[str, str]:
    out = {}
    for uri, doc in server.workspace.text_documents.items():
        path = to_fs_path(uri)
        if path and path.endswith(".tact"):
            out[path] = doc.source
    return out


def _view(uri: str, compile_pack: bool = False) -> PackView | None:
    path = to_fs_path(uri)
    return PackView.load(Path(path), _sources(), compile_pack) if path else None


def _to_lsp(diag: Diagnostic) -> types.Diagnostic:
    message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
    related = [
        types.DiagnosticRelatedInformation(types.Location(from_fs_path(r.path) or r.path, _range(r)), "see also") for r in diag.related
    ]
    return types.Diagnostic(
        range=_range(diag.span) if diag.span else types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=message,
        severity=_SEVERITY.get(diag.severity, types.DiagnosticSeverity.Information),
        code=diag.code,
        source="tactful",
        related_information=related or None,
    )


def validate(uri: str) -> None:
    view = _view(uri, compile_pack=True)
    if view is None:
        return
    by_uri: dict[str, list[types.Diagnostic]] = {uri: []}
    if view.home is not None:
        for source in view.home.files:
            by_uri.setdefault(from_fs_path(source.path) or source.path, [])
    for diag in view.diagnostics:
        target = from_fs_path(diag.span.path) if diag.span else uri
        by_uri.setdefault(target or uri, []).append(_to_lsp(diag))
    key = str(view.file.parent)
    for stale in _published.get(key, set()) - set(by_uri):
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=stale, diagnostics=[]))
    _published[key] = {u for u, d in by_uri.items() if d}
    for target, diags in by_uri.items():
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=target, diagnostics=diags))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    validate(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    # compiling a large pack takes most of a second: while the author types, only the pause counts
    uri = params.text_document.uri
    pending = _pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    _pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, _validate_pending, uri)


def _validate_pending(uri: str) -> None:
    _pending.pop(uri, None)
    validate(uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    validate(params.text_document.uri)


def _position(uri: str, pos: types.Position) -> tuple[str, int, int]:
    text = server.workspace.get_text_document(uri).source
    lines = text.splitlines()
    line_text = lines[pos.line] if pos.line < len(lines) else ""
    return text, pos.line, _index(line_text, pos.character)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    view = _view(params.text_document.uri)
    if view is None:
        return None
    text, line, col = _position(params.text_document.uri, params.position)
    found = hover(view, text, line, col)
    if found is None:
        return None
    markdown, tok = found
    line_text = text.splitlines()[tok.line - 1]
    rng = types.Range(
        types.Position(tok.line - 1, _utf16(line_text, tok.column - 1)), types.Position(tok.line - 1, _utf16(line_text, tok.end - 1))
    )
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown), range=rng)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: LanguageServer, params: types.DefinitionParams) -> types.Location | None:
    view = _view(params.text_document.uri)
    if view is None:
        return None
    text, line, col = _position(params.text_document.uri, params.position)
    span = definition(view, text, line, col)
    if span is None:
        return None
    return types.Location(uri=from_fs_path(span.path) or span.path, range=_range(span))


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["@", " "]))
def on_completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    view = _view(params.text_document.uri)
    if view is None:
        return types.CompletionList(is_incomplete=False, items=[])
    text, line, col = _position(params.text_document.uri, params.position)
    items = [types.CompletionItem(label=c.label, kind=_KIND.get(c.kind), detail=c.detail) for c in completions(view, text, line, col)]
    return types.CompletionList(is_incomplete=False, items=items)


def main() -> None:
    """Serve the Language Server Protocol on stdin/stdout until the client says exit."""
    server.start_io()


if __name__ == "__main__":
    main()
