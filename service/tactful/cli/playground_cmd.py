"""`tactful playground`: serve the web playground on this machine (loopback unless --host says otherwise)."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from typing import Any

from tactful.cli.library import EXIT_OK, UsageError, add_rules_args, load_library
from tactful.cli.serve_cmd import _port


def register(sub: Any) -> None:
    p = sub.add_parser(
        "playground",
        help="serve the web playground: edit a pack, run its examples, check and explain replies",
        description="A local web page for rule authors. It compiles whatever pack the page sends, so it binds "
        "127.0.0.1 unless you name another address with --host.",
    )
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; anything else must be given explicitly)")
    p.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)")
    add_rules_args(p)
    p.set_defaults(run=run)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        from tactful.playground.app import build_app
    except ImportError as err:
        raise UsageError(f"the playground needs its extra ({err.name} is missing): pip install 'tactful[playground]'") from None
    host = args.host or "127.0.0.1"
    if not host.strip():
        raise UsageError("--host is empty: give an address such as 127.0.0.1")
    if not is_loopback(host):
        print(
            f"tactful: warning: serving the playground on {host}: it has no authentication, and anyone who reaches it "
            "can compile packs and check text on this machine",
            file=sys.stderr,
        )
    library = load_library(args.rules)
    return asyncio.run(_serve(build_app(library), host, args.port))


async def _serve(app: Any, host: str, port: int) -> int:
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)  # access logs would carry nothing useful and cost a line per keystroke
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as err:
        await runner.cleanup()
        raise UsageError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = f"[{host}]" if ":" in host else host
    print(f"playground: http://{shown}:{bound}/  (Ctrl-C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return EXIT_OK
