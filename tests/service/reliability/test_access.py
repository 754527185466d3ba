"""Per-ruleset access control (--access): tenants identified by bearer token or mTLS certificate use only their rulesets."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import grpc
import pytest

from tactful.client import ServiceError, TactfulClient
from tactful.server.access import AccessFileError, AccessPolicy
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

TENANT_PACK = 'pack "acme-zh" { version "1" locale zh-Hans extends "zh" }\ndisable greet_first\n'


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def tenant_rules(rules_copy: Path) -> Path:
    (rules_copy / "acme-zh").mkdir()
    (rules_copy / "acme-zh" / "pack.tact").write_text(TENANT_PACK, encoding="utf-8")
    return rules_copy


def _access_file(tmp_path: Path) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(
        "tenants:\n"
        f"  acme:\n    tokens_sha256: [{_sha('acme-secret')}]\n    rulesets: [acme-zh]\n"
        f"  globex:\n    tokens_sha256: [{_sha('globex-secret')}]\n    client_identities: [globex-crm]\n    rulesets: [en, zh]\n",
        encoding="utf-8",
    )
    return path


def _call(target: str, method: str, request: object, token: str | None = None) -> object:
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    with grpc.insecure_channel(target) as channel:
        return getattr(pb_grpc.CheckerServiceStub(channel), method)(request, timeout=5, metadata=metadata)


def _refused(target: str, method: str, request: object, token: str | None = None) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        _call(target, method, request, token)
    return info.value


def test_tenants_use_only_their_rulesets(start_server, tenant_rules, tmp_path):
    running = start_server(tenant_rules, access=_access_file(tmp_path))
    target = running.target
    ok = _call(target, "Check", pb.CheckRequest(text="是的,但是", ruleset="acme-zh"), "acme-secret")
    assert ok.ruleset == "acme-zh" and ok.violations

    # Another tenant's ruleset, named or picked by locale/script: refused, saying what is allowed and what to do.
    err = _refused(target, "Check", pb.CheckRequest(text="是的,但是", ruleset="zh"), "acme-secret")
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "tenant 'acme' may not use ruleset 'zh'" in err.details() and "acme-zh" in err.details()
    # With no ruleset named, Chinese text goes to the leaf pack acme-zh (it extends zh): not globex's to use.
    assert _call(target, "Check", pb.CheckRequest(text="是的,但是"), "acme-secret").ruleset == "acme-zh"
    err = _refused(target, "Check", pb.CheckRequest(text="是的,但是"), "globex-secret")
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED and "'acme-zh'" in err.details()
    # Unknown names are refused the same way, so a tenant cannot probe which rulesets exist.
    err = _refused(target, "Check", pb.CheckRequest(text="x", ruleset="initech-zh"), "acme-secret")
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED

    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text="好", ruleset="acme-zh"), pb.CheckRequest(text="好", ruleset="en")])
    assert _refused(target, "BatchCheck", batch, "acme-secret").code() is grpc.StatusCode.PERMISSION_DENIED

    stream = iter([pb.CheckStreamRequest(draft=pb.CheckRequest(text="是的,但是", ruleset="zh"))])
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as info:
            list(pb_grpc.CheckerServiceStub(channel).CheckStream(stream, timeout=5, metadata=(("authorization", "Bearer acme-secret"),)))
    assert info.value.code() is grpc.StatusCode.PERMISSION_DENIED

    # ListRules: not another tenant's rules, and not even the other rulesets' names.
    assert _refused(target, "ListRules", pb.ListRulesRequest(ruleset="en"), "acme-secret").code() is grpc.StatusCode.PERMISSION_DENIED
    listed = _call(target, "ListRules", pb.ListRulesRequest(ruleset="acme-zh"), "acme-secret")
    assert list(listed.available_rulesets) == ["acme-zh"]
    globex = _call(target, "ListRules", pb.ListRulesRequest(ruleset="en"), "globex-secret")
    assert sorted(globex.available_rulesets) == ["en", "zh"]


def test_unidentified_callers_are_told_how_to_identify(start_server, tenant_rules, tmp_path):
    running = start_server(tenant_rules, access=_access_file(tmp_path))
    for token in (None, "wrong-token"):
        err = _refused(running.target, "Check", pb.CheckRequest(text="是的,但是", ruleset="zh"), token)
        assert err.code() is grpc.StatusCode.UNAUTHENTICATED
        assert "authorization: Bearer <token>" in err.details()
    with grpc.insecure_channel(running.target) as channel:
        with pytest.raises(grpc.RpcError) as info:
            pb_grpc.CheckerServiceStub(channel).Check(pb.CheckRequest(text="x"), timeout=5, metadata=(("authorization", "Basic abc"),))
    assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED and "Bearer" in info.value.details()
    # The Python client sends the token for you.
    with TactfulClient(running.target, ruleset="zh", token="globex-secret") as client:
        assert client.check("是的,但是").ruleset == "zh"
    with TactfulClient(running.target, ruleset="zh") as client, pytest.raises(ServiceError) as refused:
        client.check("是的,但是")
    assert refused.value.code is grpc.StatusCode.UNAUTHENTICATED


def _openssl(*args: str) -> None:
    assert shutil.which("openssl"), "the mTLS tests make their certificates with the openssl CLI: apt-get install -y openssl"
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def test_mtls_identity_picks_the_tenant(start_server, tenant_rules, tmp_path):
    d = tmp_path
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
             "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    for name in ("server", "globex-crm", "stranger"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"))  # fmt: skip
        _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-days", "1", "-extfile", str(d / "san.ext"), "-out", str(d / f"{name}.pem"))  # fmt: skip
    running = start_server(
        tenant_rules, access=_access_file(tmp_path), tls_cert=d / "server.pem", tls_key=d / "server.key", tls_client_ca=d / "ca.pem"
    )
    ca = (d / "ca.pem").read_bytes()

    def creds(name: str) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(ca, (d / f"{name}.key").read_bytes(), (d / f"{name}.pem").read_bytes())

    with TactfulClient(running.target, ruleset="en", credentials=creds("globex-crm")) as client:
        assert client.check("Yes, but we absolutely guarantee it").ruleset == "en"
    with TactfulClient(running.target, ruleset="acme-zh", credentials=creds("globex-crm")) as client, pytest.raises(ServiceError) as err:
        client.check("是的,但是")
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    with TactfulClient(running.target, ruleset="en", credentials=creds("stranger")) as client, pytest.raises(ServiceError) as err:
        client.check("Yes, but")
    assert err.value.code is grpc.StatusCode.UNAUTHENTICATED and "certificate" in str(err.value)
    # Configured for TLS, the server refuses plaintext outright.
    with pytest.raises(grpc.RpcError) as plain:
        _call(running.target, "Check", pb.CheckRequest(text="Yes, but", ruleset="en"), "globex-secret")
    assert plain.value.code() is grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("tenants: []\n", "expected a mapping 'tenants:"),
        ("tenants:\n  a: {rulesets: [zh]}\n", "give tokens_sha256 or client_identities"),
        ("tenants:\n  a: {tokens_sha256: [abc], rulesets: [zh]}\n", "not sha256 hex digests"),
        ("tenants:\n  a: {client_identities: [x], rulesets: []}\n", "grant at least one ruleset"),
        ("tenants:\n  a: {client_identities: [x], rulesets: [zh], tokens: [t]}\n", "unknown key(s) tokens"),
        ("tenants: [\n", "cannot read the access file"),
    ],
)
def test_a_bad_access_file_says_what_to_fix(tmp_path, content, says):
    path = tmp_path / "access.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AccessFileError) as err:
        AccessPolicy.load(path)
    assert says in str(err.value) and str(path) in str(err.value)


def test_serve_with_a_bad_access_file_exits_2_without_a_traceback(serve_process, tmp_path):
    path = tmp_path / "access.yaml"
    path.write_text("tenants:\n  a: {rulesets: [zh]}\n", encoding="utf-8")
    server = serve_process("--port", "0", "--workers", "2", "--access", str(path))
    assert server.wait(timeout=60) == 2
    out = "".join(server.raw)
    assert "give tokens_sha256 or client_identities" in out and "Traceback" not in out
