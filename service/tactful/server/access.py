"""Per-ruleset access control: which caller (bearer token or client-certificate identity) may use which rulesets.

Tenants share one service but must not read or check against each other's rules. With `--access
FILE`, every CheckerService call must identify itself, by an `authorization: Bearer TOKEN` metadata
entry or, over mutual TLS, by its client certificate (common name or a subject alternative name),
and may then only name, be routed to, or list the rulesets its tenant is granted:

    tenants:
      acme:
        tokens_sha256: ["9f86d08…"]        # sha256 hex of each token, so the file holds no secret
        client_identities: ["acme-crm"]    # certificate CN or SAN (DNS/IP/URI) over mTLS
        rulesets: ["acme-zh", "en"]        # "*" grants every ruleset

Health and reflection stay open (load balancers and probes carry no tokens). Rule names and
tokens never reach a log; only the tenant name does.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc.aio
import yaml

from tactful.compile.ruleset import Library
from tactful.server.reload import RulesHolder
from tactful.server.status import NotReady, PermissionDenied, Unauthenticated
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

_IDENTITY_KEYS = ("x509_common_name", "x509_subject_alternative_name")
_HOW = "send metadata 'authorization: Bearer <token>' or a client certificate the operator granted in the access file"


class AccessFileError(ValueError):
    """The access file cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class Tenant:
    name: str
    token_hashes: frozenset[str]
    identities: frozenset[str]
    rulesets: frozenset[str]  # "*": all

    def may_use(self, ruleset: str) -> bool:
        return "*" in self.rulesets or ruleset in self.rulesets


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AccessFileError(f"{where} must be a list of non-empty strings")
    return list(value)


class AccessPolicy:
    """The tenants of an access file, looked up by token hash or certificate identity."""

    def __init__(self, tenants: Iterable[Tenant]) -> None:
        self.tenants = tuple(tenants)
        self._by_token = {h: t for t in self.tenants for h in t.token_hashes}
        self._by_identity = {i: t for t in self.tenants for i in t.identities}

    @classmethod
    def load(cls, path: Path) -> AccessPolicy:
        """Read and validate an access file.

        Raises:
            AccessFileError: unreadable, not YAML, or a tenant entry of the wrong shape (the message says which).
        """
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise AccessFileError(f"{path}: cannot read the access file: {err}") from None
        tenants_doc = doc.get("tenants") if isinstance(doc, dict) else None
        if not isinstance(tenants_doc, dict) or not tenants_doc:
            raise AccessFileError(f"{path}: expected a mapping 'tenants: {{NAME: {{tokens_sha256, client_identities, rulesets}}}}'")
        tenants = []
        for name, entry in tenants_doc.items():
            where = f"{path}: tenants.{name}"
            if not isinstance(entry, dict):
                raise AccessFileError(f"{where} must be a mapping with tokens_sha256, client_identities and rulesets")
            unknown = set(entry) - {"tokens_sha256", "client_identities", "rulesets"}
            if unknown:
                raise AccessFileError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
            hashes = [h.lower() for h in _strings(entry.get("tokens_sha256"), f"{where}.tokens_sha256")]
            bad = [h for h in hashes if len(h) != 64 or any(c not in "0123456789abcdef" for c in h)]
            if bad:
                raise AccessFileError(f"{where}.tokens_sha256: {len(bad)} entries are not sha256 hex digests (printf %s TOKEN | sha256sum)")
            identities = _strings(entry.get("client_identities"), f"{where}.client_identities")
            rulesets = _strings(entry.get("rulesets"), f"{where}.rulesets")
            if not rulesets:
                raise AccessFileError(f"{where}.rulesets: grant at least one ruleset (or \"*\")")
            if not hashes and not identities:
                raise AccessFileError(f"{where}: give tokens_sha256 or client_identities, or the tenant can never be identified")
            tenants.append(Tenant(str(name), frozenset(hashes), frozenset(identities), frozenset(rulesets)))
        return cls(tenants)

    def check_rulesets(self, library: Library) -> list[str]:
        """Granted rulesets the library does not define (operator typos), as warnings for the log."""
        return sorted({r for t in self.tenants for r in t.rulesets if r != "*" and r not in library.rulesets})

    def identify(self, context: grpc.aio.ServicerContext) -> Tenant:
        """The caller's tenant, or Unauthenticated saying how to identify."""
        token = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization" and isinstance(value, str):
                scheme, _, token = value.partition(" ")
                if scheme.lower() != "bearer" or not token:
                    raise Unauthenticated(f"the authorization metadata must be 'Bearer <token>'; {_HOW}")
                break
        if token is not None:
            digest = hashlib.sha256(token.strip().encode()).hexdigest()
            for known, tenant in self._by_token.items():
                if hmac.compare_digest(known, digest):
                    return tenant
            raise Unauthenticated(f"the bearer token is not known to this server; {_HOW}")
        auth = context.auth_context() or {}
        for key in _IDENTITY_KEYS:
            for raw in auth.get(key, ()):
                tenant = self._by_identity.get(raw.decode(errors="replace"))
                if tenant is not None:
                    return tenant
        if any(auth.get(key) for key in _IDENTITY_KEYS):
            raise Unauthenticated(f"the client certificate's identity is not granted any ruleset; {_HOW}")
        raise Unauthenticated(f"this server requires callers to identify themselves; {_HOW}")


def _denied(tenant: Tenant, ruleset: str) -> PermissionDenied:
    granted = ", ".join(sorted(tenant.rulesets))
    return PermissionDenied(
        f"tenant {tenant.name!r} may not use ruleset {ruleset!r}; it may use: {granted}. Name one of those in 'ruleset', "
        "or ask the operator to grant this one in the access file"
    )


class Gate:
    """Wraps the servicer's RPCs: identify the caller, then allow only its rulesets (requested or picked by locale)."""

    def __init__(self, policy: AccessPolicy, rules: RulesHolder) -> None:
        self.policy = policy
        self.rules = rules

    def _library(self) -> Library:
        library = self.rules.library
        if library is None:
            raise NotReady("the rules are still being compiled; retry in a moment")
        return library

    def _allow(self, tenant: Tenant, req: pb.CheckRequest, library: Library) -> None:
        # Resolve exactly as the servicer will, so a default or by-locale pick cannot reach another tenant's pack.
        # An unknown name the tenant was not granted is refused the same way as a known one: no probing for names.
        if req.ruleset and not tenant.may_use(req.ruleset):
            raise _denied(tenant, req.ruleset)
        if req.ruleset:
            return
        locale = (req.context.locale or None) if req.HasField("context") else None
        name = library.select(None, locale, req.text).name
        if not tenant.may_use(name):
            raise _denied(tenant, name)

    def servicer(self, inner: pb_grpc.CheckerServiceServicer) -> pb_grpc.CheckerServiceServicer:
        gated = pb_grpc.CheckerServiceServicer()
        policy = self.policy

        async def check(request: pb.CheckRequest, context: grpc.aio.ServicerContext) -> Any:
            self._allow(policy.identify(context), request, self._library())
            return await inner.Check(request, context)

        async def batch(request: pb.BatchCheckRequest, context: grpc.aio.ServicerContext) -> Any:
            tenant, library = policy.identify(context), self._library()
            for req in request.requests:
                self._allow(tenant, req, library)  # the whole batch is refused: a batch is one tenant's work
            return await inner.BatchCheck(request, context)

        async def list_rules(request: pb.ListRulesRequest, context: grpc.aio.ServicerContext) -> Any:
            tenant, library = policy.identify(context), self._library()
            name = request.ruleset or library.select(None).name
            if not tenant.may_use(name):
                raise _denied(tenant, name)
            response = await inner.ListRules(request, context)
            visible = [n for n in response.available_rulesets if tenant.may_use(n)]
            del response.available_rulesets[:]
            response.available_rulesets.extend(visible)
            return response

        def stream(requests: AsyncIterator[pb.CheckStreamRequest], context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            tenant = policy.identify(context)

            async def allowed() -> AsyncIterator[pb.CheckStreamRequest]:
                async for message in requests:
                    self._allow(tenant, message.draft, self._library())
                    yield message

            return inner.CheckStream(allowed(), context)

        gated.Check = check  # type: ignore[method-assign]
        gated.BatchCheck = batch  # type: ignore[method-assign]
        gated.ListRules = list_rules  # type: ignore[method-assign]
        gated.CheckStream = stream  # type: ignore[method-assign]
        return gated

