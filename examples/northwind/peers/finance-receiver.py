#!/usr/bin/env python3
"""A tiny finance webhook receiver for the Northwind demo.

Usage: finance-receiver.py PORT LOG_FILE   (the HMAC secret is read from NORTHWIND_FINANCE_SECRET)

Listens on 127.0.0.1:PORT, checks X-Offboard-Signature (sha256=<hex HMAC-SHA256 of the exact
body>), answers 204 to a good signature and 401 to a bad one, and appends one JSON line per
request to LOG_FILE: the time, the path, the Idempotency-Key, the topic, whether the signature
verified, and the body. A key seen before is acknowledged again without a second log line, as a
real receiver deduplicates. Standard library only.
"""

import datetime
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(BaseHTTPRequestHandler):
    seen = set()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        signature = self.headers.get("X-Offboard-Signature", "")
        valid = hmac.compare_digest(expected, signature)
        key = self.headers.get("Idempotency-Key", "")
        if valid and key not in Receiver.seen:
            Receiver.seen.add(key)
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = body.decode(errors="replace")
            line = {
                "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "path": self.path,
                "idempotency_key": key,
                "topic": self.headers.get("X-Offboard-Topic", ""),
                "signature_valid": valid,
                "body": parsed,
            }
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
            print(f"finance: received {line['topic']} {key}: {json.dumps(parsed)}", flush=True)
        elif not valid:
            print(f"finance: refused a request to {self.path}: bad signature", flush=True)
        self.send_response(204 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    PORT, LOG = int(sys.argv[1]), sys.argv[2]
    SECRET = os.environ.get("NORTHWIND_FINANCE_SECRET", "").encode()
    if not SECRET:
        sys.exit("finance-receiver: NORTHWIND_FINANCE_SECRET is not set")
    ThreadingHTTPServer(("127.0.0.1", PORT), Receiver).serve_forever()
