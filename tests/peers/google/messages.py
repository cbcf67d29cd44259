"""Google's JSON error answers (a call and its answer are common/messages.py's)."""

from common.messages import Reply

# HTTP status -> the `status` Google's JSON errors carry with it.
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
                503: "UNAVAILABLE"}


def google_error(status, reason, message, domain="global", headers=None):
    """An error answer in the shape of Google's JSON APIs: `error.code` (the HTTP status),
    `error.message`, `error.errors[]` with `domain`, `reason` and `message`, `error.status`."""
    return Reply(status, {"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": STATUS_NAMES.get(status, "UNKNOWN")}}, headers or {})
