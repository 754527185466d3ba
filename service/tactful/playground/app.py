"""The playground's HTTP/JSON API (aiohttp) and the static page. Every endpoint answers JSON; a bad
request gets 400 with {"error": what to fix}, an unexpected failure 500 without a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from aiohttp import web

from tactful.compile.ruleset import Library, UnknownRuleset
from tactful.engine.explain import explain
from tactful.model import CHANNELS, LOCALES, TURNS, Context
from tactful.playground.starters import starters
from tactful.playground.workspace import CompileCache, Compiled, WorkspaceError, compile_files, content_key, validate
from tactful.tester import run_examples

STATIC = Path(str(files("tactful.playground") / "static"))
MAX_TEXT_BYTES = 64 * 1024
MAX_BODY_BYTES = 2 * 1024 * 1024
_log = logging.getLogger("tactful.playground")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(ValueError):
    """The request is malformed; the message says what to fix."""


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """User mistakes as 400 JSON; anything else as a 500 JSON that names no reply text."""
    try:
        return await handler(request)
    except (BadRequest, WorkspaceError) as err:
        return _json({"error": str(err)}, 400)
    except web.HTTPRequestEntityTooLarge:
        return _json({"error": f"the request is over {MAX_BODY_BYTES} bytes; send a smaller pack or reply"}, 413)
    except web.HTTPException:
        raise
    except Exception:
        _log.exception("playground request failed: %s %s", request.method, request.path)
        return _json({"error": "internal error in the playground (see the server log)"}, 500)


class Playground:
    def __init__(self, library: Library) -> None:
        self.starters = starters(library)
        self.cache = CompileCache()

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("the request body must be a JSON object") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return body

    async def _compiled(self, body: dict[str, Any]) -> Compiled:
        files = validate(body.get("files"))
        key = content_key(files)
        found = self.cache.get(key)
        if found is None:
            # Compiling a large pack takes a fraction of a second: off the event loop.
            found = await asyncio.to_thread(compile_files, files)
            self.cache.put(found)
        return found

    @staticmethod
    def _failed(compiled: Compiled) -> dict[str, Any]:
        return {"ok": False, "key": compiled.key, "diagnostics": compiled.diagnostics}

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def get_starters(self, request: web.Request) -> web.Response:
        return _json({"starters": self.starters})

    async def compile(self, request: web.Request) -> web.Response:
        compiled = await self._compiled(await self._body(request))
        if compiled.library is None:
            return _json(self._failed(compiled))
        lib = compiled.library
        rulesets = [
            {
                "name": name,
                "locale": rs.locale,
                "rules": [
                    {"id": r.id, "category": r.category, "severity": r.severity.label, "location": compiled.relative(r.location)}
                    for r in rs.rules
                ],
            }
            for name, rs in sorted(lib.rulesets.items())
        ]
        return _json({"ok": True, "key": compiled.key, "diagnostics": [], "rulesets": rulesets, "leaves": list(lib.leaves)})

    async def test(self, request: web.Request) -> web.Response:
        compiled = await self._compiled(await self._body(request))
        if compiled.library is None:
            return _json(self._failed(compiled))
        outcomes = await asyncio.to_thread(lambda: list(run_examples(compiled.library)))  # type: ignore[arg-type]
        shown = []
        for o in outcomes:
            path, line, column = compiled.relative(o.location).rsplit(":", 2)
            shown.append(
                {
                    "rule": o.rule,
                    "file": path,
                    "line": int(line),
                    "column": int(column),
                    "bad": o.bad,
                    "text": o.text,
                    "passed": o.passed,
                    "reason": o.reason,
                }
            )
        passed = sum(1 for o in outcomes if o.passed)
        return _json({"ok": True, "key": compiled.key, "passed": passed, "failed": len(outcomes) - passed, "outcomes": shown})

    async def check(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        text = body.get("text")
        if not isinstance(text, str):
            raise BadRequest('"text" must be a string: the reply to check')
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise BadRequest(f"the reply is over {MAX_TEXT_BYTES} bytes")
        ctx = _context(body.get("context") or {})
        compiled = await self._compiled(body)
        if compiled.library is None:
            return _json(self._failed(compiled))
        try:
            rs = compiled.library.select(body.get("ruleset") or None, ctx.locale, text)
        except UnknownRuleset as err:
            raise BadRequest(str(err.args[0])) from None
        explanation = explain(rs, text, ctx)
        out = explanation.to_dict()
        for t in out["trace"]:
            _relocate(t, compiled)
        return _json({"ok": True, "key": compiled.key, **out})


def _relocate(node: Any, compiled: Compiled) -> None:
    """Locations inside the trace relative to the workspace (the temp dir is gone and means nothing to the page)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "location" and isinstance(v, str):
                node[k] = compiled.relative(v)
            else:
                _relocate(v, compiled)
    elif isinstance(node, list):
        for item in node:
            _relocate(item, compiled)


def _context(raw: object) -> Context:
    if not isinstance(raw, dict):
        raise BadRequest('"context" must be an object')
    turn = raw.get("turn") or None
    channel = raw.get("channel") or None
    locale = raw.get("locale") or None
    customer = raw.get("customer") or ""
    if turn is not None and turn not in TURNS:
        raise BadRequest(f"context.turn {turn!r} is not one of {', '.join(TURNS)}")
    if channel is not None and channel not in CHANNELS:
        raise BadRequest(f"context.channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if locale is not None and locale not in LOCALES:
        raise BadRequest(f"context.locale {locale!r} is not one of {', '.join(LOCALES)}")
    if not isinstance(customer, str) or len(customer.encode("utf-8")) > MAX_TEXT_BYTES:
        raise BadRequest(f"context.customer must be a string of at most {MAX_TEXT_BYTES} bytes")
    time = None
    if raw.get("time"):
        try:
            hh, mm = (int(x) for x in str(raw["time"]).split(":"))
        except ValueError:
            raise BadRequest(f"context.time {raw['time']!r} is not HH:MM") from None
        if not (0 <= hh <= 23 and 0 <= mm <= 59):
            raise BadRequest(f"context.time {raw['time']!r} is out of range (00:00-23:59)")
        time = (hh, mm)
    return Context(turn=turn, customer=customer, channel=channel, locale=locale, time=time)


def build_app(library: Library) -> web.Application:
    pg = Playground(library)
    app = web.Application(middlewares=[errors], client_max_size=MAX_BODY_BYTES)
    app.router.add_get("/", pg.index)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    app.router.add_get("/api/starters", pg.get_starters)
    app.router.add_post("/api/compile", pg.compile)
    app.router.add_post("/api/test", pg.test)
    app.router.add_post("/api/check", pg.check)
    return app
