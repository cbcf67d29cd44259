"""What a call to the fake and its answer are, whether they came over HTTP or inside a `$batch`.
Plain data: no behaviour beyond reading a call's parts."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass
class Call:
    """One request: `path` is percent-decoded and starts with `/v1.0` for Graph calls."""

    method: str
    path: str
    query: list  # [(name, value)], in order, repeats kept
    headers: dict  # lower-case names
    body: bytes = b""
    in_batch: bool = False

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

    @staticmethod
    def parse(method, target, headers, body, in_batch=False):
        """A call from a request target (`/path?query`)."""
        parts = urlsplit(target)
        return Call(method=method.upper(), path=unquote(parts.path),
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in headers.items()}, body=body,
                    in_batch=in_batch)


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


def graph_error(status, code, message, headers=None):
    """An error answer in Graph's shape."""
    return Reply(status, {"error": {"code": code, "message": message}}, headers or {})
