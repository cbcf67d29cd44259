"""A stateful fake of Okta's management API (users, their lifecycle, sessions, groups, app
assignments and factors) and of the org authorization server's token endpoint for a service
app, for tests: every call and answer is checked against Okta's published API description
(contract.py). Listens on 127.0.0.1 only. README.md beside this file says what it serves and
how to drive it.

Usage: server.py --port 0 [--api-token-env NAME] [--client-id ID --public-key PEM]
                 [--scopes "S1 S2 ..."] [--description FILE] [--token-lifetime SECONDS]
"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
sys.dont_write_bytecode = True  # keep the source tree clean

from app import App  # noqa: E402
from auth import SCOPES, Auth  # noqa: E402
from common.server import listen, serve  # noqa: E402
from contract import Contract, StaleDescription  # noqa: E402

DEFAULT_DESCRIPTION = HERE.parents[2] / ".peers" / "okta" / "spec.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-token-env", metavar="NAME",
                        help="the environment variable holding the API token (SSWS)")
    parser.add_argument("--client-id", help="the service app's client id")
    parser.add_argument("--public-key", type=Path,
                        help="PEM public key or certificate of the service app's key")
    parser.add_argument("--scopes", default=" ".join(SCOPES),
                        help="the scopes granted to the service app, space-separated "
                        "(default: every okta.users/groups/apps read and manage scope)")
    parser.add_argument("--description", type=Path, default=DEFAULT_DESCRIPTION)
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
    args = parser.parse_args()
    try:
        contract = Contract(args.description)
    except StaleDescription as e:
        sys.exit(f"server.py: {e}")
    api_token = os.environ.get(args.api_token_env, "") if args.api_token_env else ""
    if args.api_token_env and not api_token:
        sys.exit(f"server.py: --api-token-env: {args.api_token_env} is not set")
    try:
        key = args.public_key.read_bytes() if args.public_key else None
        auth = Auth(api_token, args.client_id, key, args.scopes.split(), args.token_lifetime)
    except (OSError, ValueError) as e:
        sys.exit(f"server.py: --public-key: {e}")
    server, base_url = listen(args.port, "fake-okta")
    serve(server, App(contract, auth, base_url), "Okta")


if __name__ == "__main__":
    main()
