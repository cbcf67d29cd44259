"""What a call to the fake and its answer are, and Google's error shape. Plain data: no
behaviour beyond reading a call's parts."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

# HTTP status -> the `status` Google's JSON errors carry with it.
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
                503: "UNAVAILABLE"}


@dataclass
class Call:
    """One request: `path` is the raw path (segments still percent-encoded), `query` in order
    with repeats kept."""

    method: str
    path: str
    query: list  # [(name, value)]
    headers: dict  # lower-case names
    body: bytes = b""

    @property
    def content_type(self):
        """The media type without parameters, lower case ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def arg(self, name):
        """The first value of query parameter `name`, or None."""
        return next((v for k, v in self.query if k == name), None)

    def json(self):
        """The body as JSON (None when empty); ValueError when it is not JSON."""
        return json.loads(self.body) if self.body else None

    def segments(self):
        """The path's segments, percent-decoded."""
        return [unquote(s) for s in self.path.split("/")[1:]]

    @staticmethod
    def parse(method, target, headers, body):
        """A call from a request target (`/path?query`)."""
        parts = urlsplit(target)
        return Call(method=method.upper(), path=parts.path,
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in headers.items()}, body=body)


@dataclass
class Reply:
    """One answer: `body` is JSON-able (None: no body)."""

    status: int
    body: object = None
    headers: dict = field(default_factory=dict)

    def bytes(self):
        return b"" if self.body is None else json.dumps(self.body).encode()


class Drop(Exception):
    """The connection is to be closed without an answer (a fault)."""


def google_error(status, reason, message, domain="global", headers=None):
    """An error answer in the shape of Google's JSON APIs: `error.code` (the HTTP status),
    `error.message`, `error.errors[]` with `domain`, `reason` and `message`, `error.status`."""
    return Reply(status, {"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": STATUS_NAMES.get(status, "UNKNOWN")}}, headers or {})
