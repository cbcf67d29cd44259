"""A stateful fake of Microsoft Graph v1.0 and of the identity platform's token endpoint, for
tests: every Graph call and answer is checked against Microsoft's published description of
Graph v1.0 (contract.py). Listens on 127.0.0.1 only. README.md beside this file says what it
serves and how to drive it.

Usage: server.py --port 0 --tenant TENANT --client-id ID --client-secret-env VAR [--cert PEM]
                 [--description PATH] [--token-lifetime SECONDS]
"""

import argparse
import os
import socket
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep the source tree clean

import control  # noqa: E402
from app import App  # noqa: E402
from auth import Auth  # noqa: E402
from contract import Contract, StaleDescription  # noqa: E402
from messages import Call, Drop, Reply  # noqa: E402

DEFAULT_DESCRIPTION = HERE.parent.parent.parent / ".peers" / "graph" / "graph-v1.0.json"
MAX_BODY = 4 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; hands every request to the App (or the control API)."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-graph"
    app = None  # set by main

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(Reply(413, {"error": {"code": "RequestEntityTooLarge",
                                             "message": "The body is too large."}}))
            return
        body = self.rfile.read(length) if length else b""
        call = Call.parse(self.command, self.path, dict(self.headers.items()), body)
        try:
            if call.path.startswith("/_control/"):
                reply = control.handle(self.app, call)
            else:
                reply = self.app.handle(call)
        except Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(reply)

    def _send(self, reply):
        data = reply.bytes()
        self.send_response(reply.status)
        self.send_header("request-id", str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format, *args):
        pass  # the control API keeps the log


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

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    auth = Auth(args.tenant, args.client_id, secret, cert, args.token_lifetime)
    Handler.app = App(contract, auth, base_url, args.tenant)
    print(f"Serving Graph on {base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
