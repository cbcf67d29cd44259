"""A stateful fake of Microsoft Graph v1.0 and of the identity platform's token endpoint, for
tests: every Graph call and answer is checked against Microsoft's published description of
Graph v1.0 (contract.py). Listens on 127.0.0.1 only. README.md beside this file says what it
serves and how to drive it.

Usage: server.py --port 0 --tenant TENANT --client-id ID --client-secret-env VAR [--cert PEM]
                 [--description PATH] [--token-lifetime SECONDS]
"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
sys.dont_write_bytecode = True  # keep the source tree clean

from app import App  # noqa: E402
from auth import Auth  # noqa: E402
from common.server import listen, serve  # noqa: E402
from contract import Contract, StaleDescription  # noqa: E402
from messages import Call, graph_error  # noqa: E402

DEFAULT_DESCRIPTION = HERE.parents[2] / ".peers" / "graph" / "graph-v1.0.json"
# What Graph's answers carry that the other fakes' do not.
HTTP = {"call_type": Call, "request_id": "request-id", "media_type": "application/json",
        "too_large": graph_error(413, "RequestEntityTooLarge", "The body is too large.")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret-env", metavar="VAR",
                        help="environment variable holding the client secret")
    parser.add_argument("--cert", type=Path, help="PEM certificate of the client's key pair")
    parser.add_argument("--description", type=Path, default=DEFAULT_DESCRIPTION)
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
    args = parser.parse_args()

    secret = None
    if args.client_secret_env:
        secret = os.environ.get(args.client_secret_env)
        if not secret:
            parser.error(f"the environment variable {args.client_secret_env} is not set")
    cert = args.cert.read_bytes() if args.cert else None
    if secret is None and cert is None:
        parser.error("give --client-secret-env, --cert or both")
    try:
        contract = Contract(args.description)
    except StaleDescription as e:
        sys.exit(f"server.py: {e}")

    server, base_url = listen(args.port, "fake-graph", **HTTP)
    auth = Auth(args.tenant, args.client_id, secret, cert, args.token_lifetime)
    serve(server, App(contract, auth, base_url, args.tenant), "Graph")


if __name__ == "__main__":
    main()
