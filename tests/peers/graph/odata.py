"""The OData query options the fake implements, as Graph reads them: `$filter` (one `eq` on a
string property, single-quoted literal with `''` for a quote), `$select`, `$top`, and paging with
`@odata.nextLink` / `$skiptoken`. A query the fake cannot answer is refused with 400, never
half-answered."""

import base64
import binascii
import json
import re
from urllib.parse import quote, urlencode

from messages import graph_error

# prop eq 'literal': the literal is quote-delimited, a quote inside doubled.
_FILTER = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s+eq\s+'((?:[^']|'')*)'\s*$")


class QueryError(Exception):
    """A query option Graph would refuse; carries the 400 answer."""

    def __init__(self, code, message):
        super().__init__(message)
        self.reply = graph_error(400, code, message)


def parse_filter(text, properties):
    """`(property, value)` of `prop eq 'value'`, `prop` one of `properties`."""
    match = _FILTER.match(text)
    if not match:
        raise QueryError("BadRequest",
                         "Invalid filter clause: expected <property> eq '<value>', with a quote "
                         "inside the value written twice.")
    name, literal = match.group(1), match.group(2)
    if name not in properties:
        raise QueryError("Request_UnsupportedQuery",
                         f"The fake filters users only on {', '.join(sorted(properties))}.")
    return name, literal.replace("''", "'")


def parse_select(call):
    """The names `$select` asks for, in order, or None without `$select`."""
    text = call.arg("$select")
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def refuse_unsupported(call, supported):
    """Refuse query options this route of the fake does not implement."""
    for name, _ in call.query:
        if name not in supported:
            raise QueryError("Request_UnsupportedQuery",
                             f"The fake Graph server does not implement {name} here.")


def page(items, call, base_url, default_size, max_size=999):
    """The page of `items` the call asks for, and the next link (None on the last page)."""
    top = call.arg("$top")
    size = default_size
    if top is not None:
        if not top.isdigit() or not 1 <= int(top) <= max_size:
            raise QueryError("Request_BadRequest", f"$top must be between 1 and {max_size}.")
        size = int(top)
    start = 0
    token = call.arg("$skiptoken")
    if token is not None:
        try:
            start = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise QueryError("Directory_InvalidSkipToken",
                             "The paging token is not valid.") from None
    chunk = items[start:start + size]
    if start + size >= len(items):
        return chunk, None
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": start + size}).encode()).decode()
    query = [(k, v) for k, v in call.query if k != "$skiptoken"] + [("$skiptoken", next_token)]
    return chunk, f"{base_url}{quote(call.path, safe='/$@')}?{urlencode(query, safe='$,')}"
