"""The HTTP side of a fake: a threaded HTTP/1.1 server on 127.0.0.1 that reads each request
into a Call, hands `/_control/...` to the control API and everything else to the fake's app,
and writes the Reply (JSON). A Drop closes the connection without an answer. What differs by
vendor (the Call type, the name of the request id header, the JSON media type, the answer to
a body too large) is given to `listen`."""

import socket
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import control
from common.messages import Call, Drop, Reply

MAX_BODY = 4 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    """Hands every request to `app.handle` (or the control API)."""

    protocol_version = "HTTP/1.1"
    app = None  # set by serve()
    call_type = Call
    request_id = "X-Request-Id"
    media_type = "application/json; charset=UTF-8"
    too_large = Reply(413, {"error": "the body is too large"})

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(self.too_large)
            return
        body = self.rfile.read(length) if length else b""
        call = self.call_type.parse(self.command, self.path, dict(self.headers.items()), body)
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
        self.send_header(self.request_id, str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", self.media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format, *args):
        pass  # the journal keeps the log


def listen(port, name, **vendor):
    """A server bound to 127.0.0.1:`port` (0: a free one) answering as `name`, and its base
    URL. `vendor` may set the Handler's `call_type`, `request_id`, `media_type` and
    `too_large`. Set the app with `serve`."""
    unknown = set(vendor) - {"call_type", "request_id", "media_type", "too_large"}
    if unknown:
        raise TypeError(f"listen: unknown settings {', '.join(sorted(unknown))}")
    handler = type("FakeHandler", (Handler,), {"server_version": name, **vendor})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def serve(server, app, vendor):
    """Answer with `app` until interrupted, after printing `Serving VENDOR on URL` (the line
    the tests wait for)."""
    server.RequestHandlerClass.app = app
    host, port = server.server_address[:2]
    print(f"Serving {vendor} on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
