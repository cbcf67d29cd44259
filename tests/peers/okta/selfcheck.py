"""The contract checker's own check: calls and answers it must pass and ones it must refuse,
against the installed description. Prints one line per failed case and exits 1 when any
failed; tests/it/peers/okta/contract.rs runs it.

Usage: selfcheck.py [SPEC_JSON]   (default .peers/okta/spec.json)
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
sys.dont_write_bytecode = True

from common.selfcheck import run  # noqa: E402
from contract import Contract  # noqa: E402
from messages import okta_error  # noqa: E402

U = "/api/v1/users"
PAT = "00u1pat00000000002"

# (call: method, target, body or None), the operationId it must match, a word every problem
# must contain ("" when the call must pass).
REQUESTS = [
    (("GET", f"{U}?limit=200&search=profile.login+eq+%22pat%22", None), "listUsers", ""),
    (("GET", f"{U}?limit=two", None), "listUsers", "limit"),
    (("GET", f"{U}?limit=3000000000", None), "listUsers", "limit"),
    (("GET", f"{U}?expand=groups", None), "listUsers", "expand"),
    (("GET", f"{U}?after=a&after=b", None), "listUsers", "twice"),
    (("GET", f"{U}/pat%40example.com", None), "getUser", ""),
    (("GET", f"{U}/{PAT}?expand=x", None), "getUser", "expand"),
    (("POST", f"{U}/{PAT}/lifecycle/deactivate?sendEmail=false", None), "deactivateUser", ""),
    (("POST", f"{U}/{PAT}/lifecycle/deactivate?sendEmail=no", None), "deactivateUser",
     "sendEmail"),
    (("POST", f"{U}/{PAT}/lifecycle/suspend", {"now": True}), "suspendUser", "no body"),
    (("DELETE", f"{U}/{PAT}/sessions?oauthTokens=true", None), "clearUserSessions", ""),
    (("DELETE", f"{U}/{PAT}/sessions?oauthToken=true", None), "clearUserSessions",
     "oauthToken"),
    (("DELETE", f"/api/v1/groups/00g1/users/{PAT}", None), "removeUserFromGroup", ""),
    (("DELETE", f"/api/v1/apps/0oa1/users/{PAT}?sendEmail=false", None),
     "deleteApplicationUser", ""),
    (("POST", f"{U}/{PAT}", {"profile": {"firstName": "P", "costCenter": "7"}}),
     "partialUpdateUser", ""),
    (("POST", f"{U}/{PAT}", {"profile": {"customAttribute": "x"}}), "partialUpdateUser", ""),
    (("POST", f"{U}/{PAT}", {"status": "SUSPENDED"}), "partialUpdateUser", "read-only"),
    (("POST", f"{U}/{PAT}", {"profile": {"firstName": 7}}), "partialUpdateUser", "firstName"),
    (("POST", f"{U}/{PAT}", {"nickname": "x"}), "partialUpdateUser", "nickname"),
    (("POST", f"{U}/{PAT}/lifecycle/expire_password?tempPassword=true", None),
     "expirePasswordAndGetTemporaryPassword", ""),
    (("GET", "/api/v2/users", None), None, "no operation"),
    (("PATCH", f"{U}/{PAT}", None), None, "PATCH"),
]

USER = {"id": PAT, "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z",
        "lastLogin": "2026-09-01T08:30:00.000Z",
        "profile": {"login": "pat@example.com", "email": "pat@example.com", "department": "x"},
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": "https://example.okta.com/api/v1/users/" + PAT}}}
GROUP = {"id": "00g1", "type": "APP_GROUP", "profile": {"name": "Sales"},
         "objectClass": ["okta:windows_security_principal"]}
FACTOR = {"id": "sms1", "factorType": "sms", "provider": "OKTA", "status": "ACTIVE",
          "profile": {"phoneNumber": "+1 555 0100"}}
ERROR = okta_error(404, "E0000007", "Not found: Resource not found: x (User)").body

# (method, target, status, answer body), a word every problem must contain ("" to pass).
RESPONSES = [
    (("GET", f"{U}/{PAT}"), 200, USER, ""),
    (("GET", f"{U}/{PAT}"), 200, dict(USER, status="GONE"), "status"),
    (("GET", f"{U}/{PAT}"), 200, dict(USER, lastLogin=None), "null"),
    (("GET", f"{U}/{PAT}"), 200, dict(USER, lastLogin="yesterday"), "lastLogin"),
    (("GET", f"{U}/{PAT}"), 200, dict(USER, groups=[]), "groups"),
    (("GET", f"{U}/{PAT}"), 200, None, "body"),
    (("GET", U), 200, [USER], ""),
    (("GET", U), 200, USER, "array"),
    (("GET", f"{U}/{PAT}/groups"), 200, [GROUP], ""),
    (("GET", f"{U}/{PAT}/groups"), 200, [dict(GROUP, type="TEAM")], "type"),
    (("GET", f"{U}/{PAT}/factors"), 200, [FACTOR], ""),
    (("GET", f"{U}/{PAT}/factors"), 200, [dict(FACTOR, profile={"phone": "1"})], "phone"),
    (("GET", f"{U}/{PAT}/appLinks"), 200, [{"appInstanceId": "0oa1", "sortOrder": "1"}],
     "sortOrder"),
    (("POST", f"{U}/{PAT}/lifecycle/deactivate"), 200, None, ""),
    (("POST", f"{U}/{PAT}/lifecycle/deactivate"), 200, {}, "no body"),
    (("DELETE", f"{U}/{PAT}/sessions"), 204, None, ""),
    (("DELETE", f"{U}/{PAT}/sessions"), 200, None, "204"),
    (("DELETE", f"{U}/{PAT}"), 202, None, ""),
    (("DELETE", f"{U}/{PAT}/factors/sms1"), 204, None, ""),
    (("DELETE", f"{U}/{PAT}/factors/sms1"), 200, None, "204"),
    (("GET", f"{U}/{PAT}"), 404, ERROR, ""),
    (("GET", f"{U}/{PAT}"), 404, dict(ERROR, errorCode="404"), "errorCode"),
    (("GET", f"{U}/{PAT}"), 404, {"error": "not found"}, "error"),
]


def main():
    default = HERE.parents[2] / ".peers/okta/spec.json"
    run(Contract(sys.argv[1] if len(sys.argv) > 1 else default), REQUESTS, RESPONSES)


if __name__ == "__main__":
    main()
