"""`python -m tactful.server.healthcheck`: exit 0 if the server reports SERVING over grpc.health.v1, else 1.

Used by the Dockerfile's HEALTHCHECK, which has no grpcurl or grpc_health_probe to call.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def probe(target: str, service: str = "", timeout: float = 2.0) -> str:
    """The serving status name of `service` at `target` (e.g. "SERVING"), or an UNREACHABLE/... reason."""
    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as err:
            return f"{err.code().name}: {err.details()}"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tactful.server.healthcheck", description=__doc__)
    default = f"127.0.0.1:{os.environ.get('TACTFUL_PORT', '50051')}"
    parser.add_argument("--target", default=default, help=f"host:port of the server (default {default})")
    parser.add_argument("--service", default="", help='service name to ask about (default "": the whole server)')
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for the answer")
    args = parser.parse_args(argv)
    status = probe(args.target, args.service, args.timeout)
    print(f"{args.target}: {status}")
    return 0 if status == "SERVING" else 1


if __name__ == "__main__":
    sys.exit(main())
