"""Okta's error answers: `{errorCode, errorSummary, errorLink, errorId, errorCauses}` with the
codes Okta documents for each case."""

import secrets

from common.messages import Reply

# The codes the fake answers with, by what went wrong.
VALIDATION = "E0000001"      # 400 Api validation failed
NOT_JSON = "E0000003"        # 400 the body is not JSON
AUTHENTICATION = "E0000004"  # 401 Authentication failed
FORBIDDEN = "E0000006"       # 403 You do not have permission to perform the requested action
NOT_FOUND = "E0000007"       # 404 Not found: Resource not found
INTERNAL = "E0000009"        # 500 Internal Server Error
INVALID_TOKEN = "E0000011"   # 401 Invalid token provided
UNSUPPORTED = "E0000022"     # 405/501 The endpoint does not support the provided HTTP method
BAD_SEARCH = "E0000031"      # 400 Invalid search criteria
RATE_LIMIT = "E0000047"      # 429 API call exceeded rate limit due to too many requests
UNAVAILABLE = "E0000010"     # 503 Service is in read only mode / unavailable


def okta_error(status, code, summary, causes=(), headers=None):
    """An error answer in Okta's shape."""
    return Reply(status, {
        "errorCode": code, "errorSummary": summary, "errorLink": code,
        "errorId": "oae" + secrets.token_urlsafe(16)[:19],
        "errorCauses": [{"errorSummary": c} for c in causes]}, headers or {})


def not_found(what):
    return okta_error(404, NOT_FOUND, f"Not found: Resource not found: {what}")


def invalid(summary, cause=None):
    return okta_error(400, VALIDATION, "Api validation failed: " + summary,
                      [cause] if cause else [])
