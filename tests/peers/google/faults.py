"""Google's own fault answers for the shared fault queue (common/faults.py), for API calls
(not the token endpoint): its rate limits, unavailability and a permanent 403."""

from messages import google_error

KINDS = {
    "rate_limit": "403 rateLimitExceeded (domain usageLimits)",
    "user_rate_limit": "403 userRateLimitExceeded (domain usageLimits)",
    "throttle": "429 rateLimitExceeded, with Retry-After when retry_after is given",
    "unavailable": "503 backendError, with Retry-After when retry_after is given",
    "forbidden": "403 forbidden: not authorized to access this resource",
}
EXAMPLE = "/admin/directory/v1/users*"  # a path glob, for the error messages


def answer(fault):
    """The Reply of one of KINDS."""
    retry = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.kind == "rate_limit":
        return google_error(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
    if fault.kind == "user_rate_limit":
        return google_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded",
                            "usageLimits")
    if fault.kind == "throttle":
        return google_error(429, "rateLimitExceeded", "Too many requests; retry later.",
                            "usageLimits", retry)
    if fault.kind == "unavailable":
        return google_error(503, "backendError", "The service is currently unavailable.",
                            headers=retry)
    return google_error(403, "forbidden", "Not Authorized to access this resource/api")
