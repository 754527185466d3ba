"""TLS and mutual TLS, with throwaway certificates made by the openssl CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest

from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc


def _openssl(*args: str) -> None:
    assert shutil.which("openssl"), "the TLS tests make their certificates with the openssl CLI: apt-get install -y openssl"
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1/localhost, and a client certificate, all signed by the CA."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
             "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"))  # fmt: skip
        _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-days", "1", "-extfile", str(d / "san.ext"), "-out", str(d / f"{name}.pem"))  # fmt: skip
    return d


def _check(target: str, creds: grpc.ChannelCredentials) -> pb.CheckResponse:
    with grpc.secure_channel(target, creds) as channel:
        return pb_grpc.CheckerServiceStub(channel).Check(pb.CheckRequest(text="是的,但是"), timeout=5)


def test_tls_serves_a_client_that_trusts_the_ca(start_server, shipped_copy, pki):
    running = start_server(shipped_copy, tls_cert=pki / "server.pem", tls_key=pki / "server.key")
    creds = grpc.ssl_channel_credentials(root_certificates=(pki / "ca.pem").read_bytes())
    assert _check(running.target, creds).violations


def test_mtls_refuses_a_client_without_a_certificate(start_server, shipped_copy, pki):
    running = start_server(shipped_copy, tls_cert=pki / "server.pem", tls_key=pki / "server.key", tls_client_ca=pki / "ca.pem")
    ca = (pki / "ca.pem").read_bytes()
    with pytest.raises(grpc.RpcError) as info:
        _check(running.target, grpc.ssl_channel_credentials(root_certificates=ca))
    assert info.value.code() is grpc.StatusCode.UNAVAILABLE
    creds = grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=(pki / "client.key").read_bytes(), certificate_chain=(pki / "client.pem").read_bytes()
    )
    assert _check(running.target, creds).violations
