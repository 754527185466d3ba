"""The one table from exceptions to gRPC status codes; every other module raises, only this one decides."""

from __future__ import annotations

import grpc
from google.protobuf.message import DecodeError

from tactful.compile.ruleset import UnknownRuleset


class RequestError(Exception):
    """A request the caller must change; the message says what to change."""


class InvalidArgument(RequestError):
    """Text over the limit, or a context value the rules do not know."""


class TooLarge(RequestError):
    """A batch with more requests than --max-batch."""


class GaveUp(RequestError):
    """The caller's deadline passed (or it cancelled) before the work was done; the work stops here."""


class OverBudget(RequestError):
    """Checking the reply took more than the per-request budget (--check-budget-ms); the work was stopped."""


class NotReady(RequestError):
    """No ruleset is loaded yet (the first compile has not finished)."""


class ShuttingDown(RequestError):
    """The server is draining before it stops; the caller should retry on another instance."""


class Unauthenticated(RequestError):
    """Access control is on and the caller did not identify itself (or with a token/certificate nobody granted)."""


class PermissionDenied(RequestError):
    """The caller's tenant is not granted the ruleset it named or was routed to."""


_TABLE: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (UnknownRuleset, grpc.StatusCode.NOT_FOUND),
    (TooLarge, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (OverBudget, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (GaveUp, grpc.StatusCode.DEADLINE_EXCEEDED),
    (NotReady, grpc.StatusCode.UNAVAILABLE),
    (ShuttingDown, grpc.StatusCode.UNAVAILABLE),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
)


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and caller-facing message for an exception.

    Anything not in the table is a fault of ours: INTERNAL, with a message that leaks no internals
    (the traceback goes to the server log instead).

    >>> status_of(InvalidArgument("text is too long"))
    (<StatusCode.INVALID_ARGUMENT: (3, 'invalid argument')>, 'text is too long')
    >>> status_of(ZeroDivisionError("x"))[0].name
    'INTERNAL'
    """
    if isinstance(exc, DecodeError):
        # A streamed message that does not parse (e.g. a string field holding bytes that are not
        # UTF-8) surfaces while the stream is read: the caller's mistake, not a fault of ours.
        return grpc.StatusCode.INVALID_ARGUMENT, f"request is not a valid tactful.v1 message ({exc}); string fields must be UTF-8"
    for kind, code in _TABLE:
        if isinstance(exc, kind):
            if isinstance(exc, UnknownRuleset):
                return code, str(exc.args[0])  # KeyError's str() adds quotes
            return code, str(exc)
    return grpc.StatusCode.INTERNAL, "internal error in the checking service; the server log has the details"
