"""Graph's own fault answers for the shared fault queue (common/faults.py), for Graph calls
(`/v1.0/...`, `$batch` sub-requests included): throttling, unavailability and a permanent
403."""

from messages import graph_error

KINDS = {
    "throttle": "429 with Retry-After (retry_after seconds, default 1)",
    "unavailable": "503, with Retry-After only when retry_after is given",
    "forbidden": "403 Authorization_RequestDenied",
}
EXAMPLE = "/v1.0/users/*"  # a path glob, for the error messages


def answer(fault):
    """The Reply of one of KINDS."""
    if fault.kind == "throttle":
        retry = 1 if fault.retry_after is None else fault.retry_after
        return graph_error(429, "TooManyRequests",
                           "Too many requests; retry after the time in Retry-After.",
                           {"Retry-After": str(retry)})
    if fault.kind == "unavailable":
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        return graph_error(503, "ServiceNotAvailable",
                           "The service is temporarily unavailable.", headers)
    return graph_error(403, "Authorization_RequestDenied",
                       "Insufficient privileges: the application lacks a permission "
                       "this call needs.")
