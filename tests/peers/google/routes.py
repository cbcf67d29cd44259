"""The answers of the served discovery methods, by method id, over the customer in store.py.
Each handler takes the call and its path parameters (already checked by contract.py) and
returns a Reply. Errors are Google's: 404 `notFound` naming the key, 400 `invalid` or
`badRequest` naming the parameter."""

import base64
import hashlib
import json

from common.messages import Reply
from messages import google_error

PAGE_TOKEN_PREFIX = "fake-page:"


def not_found(what):
    return google_error(404, "notFound", f"Resource Not Found: {what}")


def bad(message, reason="invalid"):
    return google_error(400, reason, message)


def etag(value):
    return '"' + hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:27] + '"'


def page(call, items, default, maximum):
    """(this page, nextPageToken or None) by `maxResults` and `pageToken`, or a Reply."""
    size = int(call.arg("maxResults") or default)
    size = min(size, maximum)
    start = 0
    token = call.arg("pageToken")
    if token:
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
            if not text.startswith(PAGE_TOKEN_PREFIX):
                raise ValueError
            start = int(text[len(PAGE_TOKEN_PREFIX):])
        except ValueError:
            return None, bad("Invalid page token", "invalid")
    rest = items[start + size:]
    next_token = None
    if rest:
        next_token = base64.urlsafe_b64encode(
            f"{PAGE_TOKEN_PREFIX}{start + size}".encode()).decode()
    return (items[start:start + size], next_token), None


class Routes:
    """The handlers; `domain` and `progress` are replaced on a reset."""

    def __init__(self, domain, progress, user_read_only):
        self.domain = domain
        self.progress = progress
        self.user_read_only = user_read_only  # User properties a write ignores
        from directory import DIRECTORY
        from licensing import LICENSING
        from datatransfer import DATATRANSFER
        self.handlers = {**DIRECTORY, **LICENSING, **DATATRANSFER}

    def handle(self, method_id, call, params):
        handler = self.handlers.get(method_id)
        if handler is None:
            return google_error(501, "notImplemented",
                                f"The fake does not serve {method_id}.")
        return handler(self, call, params)


def listing(kind, key, items, next_token, **extra):
    body = {"kind": kind, "etag": etag(items), key: items, **extra}
    if next_token:
        body["nextPageToken"] = next_token
    return Reply(200, body)
