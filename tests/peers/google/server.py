"""A stateful fake of Google Workspace's Admin SDK Directory, Enterprise License Manager and
Data Transfer APIs and of Google's OAuth 2.0 token endpoint for a service account with
domain-wide delegation, for tests: every call and answer is checked against Google's published
discovery documents (contract.py). Listens on 127.0.0.1 only. README.md beside this file says
what it serves and how to drive it.

Usage: server.py --port 0 --client-email EMAIL --public-key PEM [--scopes "S1 S2 ..."]
                 [--descriptions DIR] [--token-lifetime SECONDS]
"""

import argparse
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

DEFAULT_DESCRIPTIONS = HERE.parent.parent.parent / ".peers" / "google"
MAX_BODY = 4 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; hands every request to the App (or the control API)."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-google"
    app = None  # set by main

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(Reply(413, {"error": "the body is too large"}))
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
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format, *args):
        pass  # the control API keeps the log


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
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        auth = Auth(args.client_email, key, scopes, args.token_lifetime)
    except ValueError as e:
        sys.exit(f"server.py: --public-key: not a PEM public key or certificate ({e})")
    Handler.app = App(contract, auth, base_url)
    print(f"Serving Google on {base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
