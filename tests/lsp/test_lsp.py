"""The language server as editors run it: `tactful lsp` in a subprocess, driven over stdio by pytest-lsp's client.

Covers diagnostics (on open and on change, mapped to file and range), hover, go-to-definition across an
`extends` chain, and completion.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

BASE = """\
pack "base" {
  version "1"
  locale zh-Hans
}
list polite = ["您好", "你好", "早上好"]
map pronoun = { "你" -> "您", "你们" -> "您" }
class greeting = /(您|你)好/
scope negated {
  before ["不", "没"] within 3 clause
}
rule greet {
  category missing_courtesy
  severity warning
  message "先问候"
  rationale "礼貌第一:先问候再办事"
  when turn is first and not @polite
  prepend "您好,"
  example bad "请讲" given turn first -> "您好,请讲"
  example good "您好,请讲" given turn first
}
"""

TENANT = """\
pack "tenant" {
  version "1"
  locale zh-Hans
  extends "base"
}
disable greet
"""

RULES = """\
list rude = ["滚", "闭嘴"]
rule no_rude {
  category rude
  message "不文明用语"
  when @rude or /{greeting}[,,]?滚/ unless in negated
  example bad "你滚"
  example good "您好"
}
"""


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp")
    (root / "base").mkdir()
    (root / "base" / "pack.tact").write_text(BASE, encoding="utf-8")
    (root / "tenant").mkdir()
    (root / "tenant" / "pack.tact").write_text(TENANT, encoding="utf-8")
    (root / "tenant" / "rules.tact").write_text(RULES, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "tactful", "lsp"]))
async def client(lsp_client: LanguageClient, packs: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=from_fs_path(str(packs)))
    )
    yield
    await lsp_client.shutdown_session()


def _uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = _uri(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="tact", version=1, text=text if text is not None else path.read_text("utf-8"))
        )
    )
    return uri


async def _diagnostics(client: LanguageClient, uri: str, ready: object) -> list[types.Diagnostic]:
    """Wait for the server to publish diagnostics for `uri` that satisfy `ready` (a bound, not a timing check)."""

    async def wait() -> list[types.Diagnostic]:
        while True:
            got = client.diagnostics.get(uri)
            if got is not None and ready(got):  # type: ignore[operator]
                return list(got)
            await client.wait_for_notification("textDocument/publishDiagnostics")

    return await asyncio.wait_for(wait(), timeout=60)


def _pos(text: str, needle: str, offset: int = 0) -> types.Position:
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return types.Position(line=number, character=line.index(needle) + offset)
    raise AssertionError(needle)


@pytest.mark.asyncio
async def test_diagnostics_of_the_pack_on_open_and_on_change(client: LanguageClient, packs: Path) -> None:
    path = packs / "tenant" / "rules.tact"
    broken = RULES.replace("when @rude", "when @rudee").replace("in negated", "in negatd")
    uri = _open(client, path, broken)
    diags = await _diagnostics(client, uri, lambda d: len(d) >= 2)
    by_code = {(d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in diags}
    line = broken.splitlines()[4]
    assert ("E203", 4, line.index("@rudee"), line.index("@rudee") + len("@rudee")) in by_code, diags
    messages = " | ".join(d.message for d in diags)
    assert "rudee" in messages and "negatd" in messages
    assert "did you mean" in messages  # the compiler's hint travels with the diagnostic
    assert all(d.severity == types.DiagnosticSeverity.Error and d.source == "tactful" for d in diags)

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=RULES)],
        )
    )
    assert await _diagnostics(client, uri, lambda d: len(d) == 0) == []

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=RULES.replace("category rude", "category rude\n  when"))],
        )
    )
    syntax = await _diagnostics(client, uri, lambda d: len(d) == 1)
    assert syntax[0].code == "E101" and syntax[0].range.start.line == 4  # `when` wants a condition: `message` is where it breaks
    assert "a condition goes here" in syntax[0].message


@pytest.mark.asyncio
async def test_hover_shows_a_lists_terms_and_a_rules_rationale_from_the_extended_pack(client: LanguageClient, packs: Path) -> None:
    rules_uri = _open(client, packs / "tenant" / "rules.tact")
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(rules_uri), _pos(RULES, "@rude", 2)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**list** `rude` — 2 terms" in hover.contents.value and "`闭嘴`" in hover.contents.value
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(rules_uri), _pos(RULES, "{greeting}", 2)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**class** `greeting`" in hover.contents.value and "/(您|你)好/" in hover.contents.value

    tenant_uri = _open(client, packs / "tenant" / "pack.tact")
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(tenant_uri), _pos(TENANT, "greet", 1)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "**rule** `greet` — missing_courtesy, warning" in text
    assert "先问候" in text and "礼貌第一" in text and "pack `base`" in text


@pytest.mark.asyncio
async def test_definition_across_files_and_extended_packs(client: LanguageClient, packs: Path) -> None:
    rules_uri = _open(client, packs / "tenant" / "rules.tact")
    scope = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(rules_uri), _pos(RULES, "negated", 3))
    )
    assert isinstance(scope, types.Location)
    assert scope.uri == _uri(packs / "base" / "pack.tact")
    assert scope.range.start == _pos(BASE, "negated")

    word_class = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(rules_uri), _pos(RULES, "{greeting}", 3))
    )
    assert isinstance(word_class, types.Location) and word_class.range.start == _pos(BASE, "greeting")

    tenant_uri = _open(client, packs / "tenant" / "pack.tact")
    rule = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(tenant_uri), _pos(TENANT, "disable greet", 9))
    )
    assert isinstance(rule, types.Location)
    assert rule.uri == _uri(packs / "base" / "pack.tact")
    assert rule.range.start == _pos(BASE, "greet {")

    pack = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(tenant_uri), _pos(TENANT, '"base"', 2))
    )
    assert isinstance(pack, types.Location) and pack.range.start == _pos(BASE, '"base"')


@pytest.mark.asyncio
async def test_completion_by_context(client: LanguageClient, packs: Path) -> None:
    draft = RULES + "rule draft {\n  category \n  severity \n  when @\n  unless in \n}\ndisable \n"
    uri = _open(client, packs / "tenant" / "rules.tact", draft)
    lines = draft.splitlines()

    async def labels(line: int) -> set[str]:
        result = await client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, len(lines[line])))
        )
        assert isinstance(result, types.CompletionList)
        return {item.label for item in result.items}

    first = len(RULES.splitlines())
    assert {"rude", "missing_courtesy", "privacy"} <= await labels(first + 1)
    assert await labels(first + 2) == {"error", "warning", "info"}
    assert await labels(first + 3) == {"polite", "pronoun", "greeting", "rude"}  # lists, classes and maps of the pack and of base
    assert await labels(first + 4) == {"negated"}
    assert await labels(first + 6) == {"greet", "no_rude", "draft"}  # inherited rules and this file's own, parsed or not
    keywords = await labels(first)
    assert {"rule", "when", "unless", "followed", "example"} <= keywords
