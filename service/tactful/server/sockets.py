"""Closing the serving port's connections at the socket level, so a stop ends with UNAVAILABLE and never with CANCELLED.

grpc core's server shutdown cancels every call that reached the server but was not yet handed to a
handler (calls still queued while the event loop was busy, and those the client sent before it
processed the GOAWAY): the client gets RST_STREAM(CANCEL), i.e. CANCELLED, which no retry policy
retries. Under load a SIGTERM therefore failed a few calls per connection that never reached the
service. A connection that closes fails the calls still on it with UNAVAILABLE instead, which
clients retry. So once the drain has answered every call the service started, the service shuts
its listening and accepted sockets down itself, and only then asks grpc to stop.

Linux only (sockets are found through /proc/self/fd); elsewhere nothing is closed and grpc's own
stop behaves as before.
"""

from __future__ import annotations

import contextlib
import os
import socket

_PROC_FD = "/proc/self/fd"


def shut_down_port(port: int) -> int:
    """Shut down (both directions) every TCP socket of this process bound locally to `port`; returns how many."""
    try:
        fds = os.listdir(_PROC_FD)
    except OSError:
        return 0
    closed = 0
    for name in fds:
        try:
            if not os.readlink(f"{_PROC_FD}/{name}").startswith("socket:"):
                continue
            # A socket object on a duplicate of the descriptor: shutdown() acts on the shared socket, and closing
            # the duplicate leaves grpc's own descriptor (which grpc closes itself) untouched.
            sock = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue  # closed meanwhile, or not a socket we can inspect
        with sock:
            try:
                if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
                    continue
                if sock.getsockname()[1] != port:
                    continue
            except OSError:
                continue
            with contextlib.suppress(OSError):  # not connected (a listening socket on some kernels), or already shut
                sock.shutdown(socket.SHUT_RDWR)
                closed += 1
    return closed
