"""The contract checker's own check: calls and answers it must pass and ones it must refuse,
against the installed discovery documents. Prints one line per failed case and exits 1 when
any failed; tests/it/peers/google/contract.rs runs it.

Usage: selfcheck.py [DOCUMENTS_DIR]   (default .peers/google)
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
sys.dont_write_bytecode = True

from common.selfcheck import run  # noqa: E402
from contract import Contract  # noqa: E402
from messages import google_error  # noqa: E402

D = "/admin/directory/v1"
L = "/apps/licensing/v1"
T = "/admin/datatransfer/v1"
DRIVE = "55656082996"
TRANSFER = {"oldOwnerUserId": "101", "newOwnerUserId": "102",
            "applicationDataTransfers": [{"applicationId": DRIVE, "applicationTransferParams": [
                {"key": "PRIVACY_LEVEL", "value": ["PRIVATE", "SHARED"]}]}]}

# (call: method, target, body or None), the method id it must match, a word every problem
# must contain ("" when the call must pass).
REQUESTS = [
    (("GET", f"{D}/users?customer=my_customer&maxResults=500&orderBy=email", None),
     "directory.users.list", ""),
    (("GET", f"{D}/users?customer=my_customer&maxResults=501", None), "directory.users.list",
     "maxResults"),
    (("GET", f"{D}/users?customer=my_customer&maxResults=ten", None), "directory.users.list",
     "maxResults"),
    (("GET", f"{D}/users?orderBy=name", None), "directory.users.list", "orderBy"),
    (("GET", f"{D}/users?customer=a&customer=b", None), "directory.users.list", "twice"),
    (("GET", f"{D}/users?filter=x", None), "directory.users.list", "filter"),
    (("GET", f"{D}/users?prettyPrint=false&fields=users(id)", None), "directory.users.list", ""),
    (("GET", f"{D}/users?prettyPrint=no", None), "directory.users.list", "prettyPrint"),
    (("GET", f"{D}/users/pat%40example.com", None), "directory.users.get", ""),
    (("PATCH", f"{D}/users/101", {"suspended": True}), "directory.users.patch", ""),
    (("PATCH", f"{D}/users/101", {"suspended": "yes"}), "directory.users.patch", "suspended"),
    (("PATCH", f"{D}/users/101", {"suspend": True}), "directory.users.patch", "suspend"),
    (("PATCH", f"{D}/users/101", {"name": {"givenName": "P", "nickname": "x"}}),
     "directory.users.patch", "nickname"),
    (("PATCH", f"{D}/users/101", None), "directory.users.patch", "JSON"),
    (("POST", f"{D}/users/101/signOut", None), "directory.users.signOut", ""),
    (("POST", f"{D}/users/101/signOut", {"all": True}), "directory.users.signOut", "no body"),
    (("DELETE", f"{D}/users/101/asps/7", None), "directory.asps.delete", ""),
    (("DELETE", f"{D}/users/101/asps/seven", None), "directory.asps.delete", "codeId"),
    (("GET", f"{D}/customer/C01/orgunits/sales/emea", None), "directory.orgunits.get", ""),
    (("POST", f"{D}/users/watch", {"id": "c", "type": "web_hook"}), "directory.users.watch", ""),
    (("GET", f"{L}/product/Google-Apps/sku/1010020020/users?customerId=example.com",
      None), "licensing.licenseAssignments.listForProductAndSku", ""),
    (("GET", f"{L}/product/Google-Apps/sku/1010020020/users", None),
     "licensing.licenseAssignments.listForProductAndSku", "customerId"),
    (("POST", f"{L}/product/Google-Apps/sku/1010020020/user", {}),
     "licensing.licenseAssignments.insert", "userId"),
    (("POST", f"{T}/transfers", TRANSFER), "datatransfer.transfers.insert", ""),
    (("POST", f"{T}/transfers", dict(TRANSFER, applicationDataTransfers=[
        {"applicationId": "drive"}])), "datatransfer.transfers.insert", "applicationId"),
    (("GET", "/admin/directory/v2/users", None), None, "no method"),
    (("PUT", f"{D}/users/101/signOut", None), None, "POST"),
]

USER = {"kind": "admin#directory#user", "id": "101", "primaryEmail": "pat@example.com",
        "suspended": False, "lastLoginTime": "2026-11-20T08:30:00.000Z",
        "name": {"givenName": "Pat", "familyName": "Doe", "fullName": "Pat Doe"}}

# (method, target, status, answer body), a word every problem must contain ("" to pass).
RESPONSES = [
    (("GET", f"{D}/users/101"), 200, USER, ""),
    (("GET", f"{D}/users/101"), 200, dict(USER, suspended="no"), "suspended"),
    (("GET", f"{D}/users/101"), 200, dict(USER, lastLoginTime="yesterday"), "lastLoginTime"),
    (("GET", f"{D}/users/101"), 200, dict(USER, lastLogin="x"), "lastLogin"),
    (("GET", f"{D}/users/101"), 200, dict(USER, suspended=None), "null"),
    (("GET", f"{D}/users/101"), 200, None, "User"),
    (("GET", f"{D}/users"), 200, {"kind": "admin#directory#users", "users": [USER],
                                  "nextPageToken": "abc"}, ""),
    (("GET", f"{D}/users/101/asps"), 200, {"items": [{"codeId": "7"}]}, "codeId"),
    (("POST", f"{D}/users/101/signOut"), 204, None, ""),
    (("POST", f"{D}/users/101/signOut"), 200, {}, "no body"),
    (("GET", f"{D}/users/101"), 404, google_error(404, "notFound", "x").body, ""),
    (("GET", f"{D}/users/101"), 404, google_error(403, "notFound", "x").body, "code"),
    (("GET", f"{D}/users/101"), 404, {"error": "not found"}, "error"),
]


def main():
    default = HERE.parents[2] / ".peers/google"
    run(Contract(sys.argv[1] if len(sys.argv) > 1 else default), REQUESTS, RESPONSES)


if __name__ == "__main__":
    main()
