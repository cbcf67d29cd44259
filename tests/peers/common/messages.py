"""What a call to a fake and its answer are. Plain data: no behaviour beyond reading a call's
parts."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


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

    def form(self):
        """The body as an urlencoded form: [(name, value)] in order."""
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

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
