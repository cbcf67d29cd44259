"""A stateful fake of Google Workspace's Admin SDK Directory, Enterprise License Manager and
Data Transfer APIs and of Google's OAuth 2.0 token endpoint for a service account with
domain-wide delegation, for tests: every call and answer is checked against Google's published
discovery documents (contract.py). Listens on 127.0.0.1 only. README.md beside this file says
what it serves and how to drive it.

Usage: server.py --port 0 --client-email EMAIL --public-key PEM [--scopes "S1 S2 ..."]
                 [--descriptions DIR] [--token-lifetime SECONDS]
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
sys.dont_write_bytecode = True  # keep the source tree clean

from app import App  # noqa: E402
from auth import Auth  # noqa: E402
from common.server import listen, serve  # noqa: E402
from contract import Contract, StaleDescription  # noqa: E402

DEFAULT_DESCRIPTIONS = HERE.parents[2] / ".peers" / "google"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-email", required=True,
                        help="the service account's email (the assertions' iss)")
    parser.add_argument("--public-key", type=Path, required=True,
                        help="PEM public key or certificate of the service account's key")
    parser.add_argument("--scopes", help="the scopes delegated to the service account, "
                        "space-separated (default: every scope the served methods list)")
    parser.add_argument("--descriptions", type=Path, default=DEFAULT_DESCRIPTIONS)
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
    args = parser.parse_args()
    try:
        contract = Contract(args.descriptions)
    except StaleDescription as e:
        sys.exit(f"server.py: {e}")
    try:
        key = args.public_key.read_bytes()
    except OSError as e:
        sys.exit(f"server.py: --public-key: {e}")
    scopes = (args.scopes.split() if args.scopes is not None
              else {s for m in contract.methods for s in m.scopes})
    try:
        auth = Auth(args.client_email, key, scopes, args.token_lifetime)
    except ValueError as e:
        sys.exit(f"server.py: --public-key: not a PEM public key or certificate ({e})")
    server, base_url = listen(args.port, "fake-google")
    serve(server, App(contract, auth, base_url), "Google")


if __name__ == "__main__":
    main()
