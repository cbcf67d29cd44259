"""Okta's own fault answers for the shared fault queue (common/faults.py): its rate limit
(429 with the `X-Rate-Limit-*` headers; `X-Rate-Limit-Reset` is the epoch second the limit
resets, `retry_after` seconds from now, default 1), a server error, unavailability and a
permanent 403."""

import time

from messages import FORBIDDEN, INTERNAL, RATE_LIMIT, UNAVAILABLE, okta_error

KINDS = {
    "rate_limit": "429 E0000047 with X-Rate-Limit-Limit, -Remaining (0) and -Reset "
                  "(now + retry_after seconds, default 1)",
    "server_error": "500 E0000009 Internal Server Error",
    "unavailable": "503 E0000010, with Retry-After when retry_after is given",
    "forbidden": "403 E0000006 You do not have permission to perform the requested action",
}
EXAMPLE = "/api/v1/users/*"  # a path glob, for the error messages


def answer(fault):
    """The Reply of one of KINDS."""
    if fault.kind == "rate_limit":
        reset = int(time.time()) + (1 if fault.retry_after is None else fault.retry_after)
        return okta_error(429, RATE_LIMIT, "API call exceeded rate limit due to too many "
                          "requests.", headers={"X-Rate-Limit-Limit": "600",
                                                "X-Rate-Limit-Remaining": "0",
                                                "X-Rate-Limit-Reset": str(reset)})
    if fault.kind == "server_error":
        return okta_error(500, INTERNAL, "Internal Server Error")
    if fault.kind == "unavailable":
        retry = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        return okta_error(503, UNAVAILABLE, "Service is temporarily unavailable.",
                          headers=retry)
    return okta_error(403, FORBIDDEN, "You do not have permission to perform the requested "
                      "action")
