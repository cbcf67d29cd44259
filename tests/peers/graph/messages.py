"""A call to the Graph fake, whether it came over HTTP or inside a `$batch`, and Graph's error
answer (an answer is common/messages.py's Reply)."""

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from common.messages import Call as PlainCall
from common.messages import Reply


@dataclass
class Call(PlainCall):
    """One request: `path` is percent-decoded and starts with `/v1.0` for Graph calls;
    `in_batch` tells a `$batch` sub-request."""

    in_batch: bool = False

    @staticmethod
    def parse(method, target, headers, body, in_batch=False):
        """A call from a request target (`/path?query`)."""
        parts = urlsplit(target)
        return Call(method=method.upper(), path=unquote(parts.path),
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in headers.items()}, body=body,
                    in_batch=in_batch)


def graph_error(status, code, message, headers=None):
    """An error answer in Graph's shape."""
    return Reply(status, {"error": {"code": code, "message": message}}, headers or {})
