"""Data Transfer API handlers: applications (list), transfers (insert, get, list). A transfer
runs asynchronously (transfers.py)."""

import copy

from common.messages import Reply
from routes import bad, etag, listing, not_found, page


def _transfer(record):
    body = {"kind": "admin#datatransfer#DataTransfer", **copy.deepcopy(record)}
    body["etag"] = etag(body)
    return body


def applications_list(routes, call, _):
    apps = [dict(a, kind="admin#datatransfer#ApplicationResource")
            for a in routes.domain.applications]
    result, error = page(call, apps, 100, 500)
    if error:
        return error
    items, next_token = result
    return listing("admin#datatransfer#applicationsList", "applications", items, next_token)


def insert(routes, call, _):
    domain = routes.domain
    body = call.json()
    old, new = body.get("oldOwnerUserId"), body.get("newOwnerUserId")
    for field, value in (("oldOwnerUserId", old), ("newOwnerUserId", new)):
        if not value or value not in domain.users:
            return bad(f"Invalid Input: {field} must be the id of a user of the customer")
    if old == new:
        return bad("Invalid Input: the old and new owners are the same user")
    apps = body.get("applicationDataTransfers") or []
    if not apps:
        return bad("Invalid Input: applicationDataTransfers names no application")
    for app in apps:
        if domain.application(app.get("applicationId") or "") is None:
            return bad("Invalid Input: applicationId is not an application of the customer")
    record = routes.progress.start(domain, old, new, [
        {"applicationId": a["applicationId"],
         "applicationTransferParams": a.get("applicationTransferParams") or []} for a in apps])
    return Reply(200, _transfer(record))


def get(routes, call, params):
    record = routes.progress.read(routes.domain, params["dataTransferId"])
    return Reply(200, _transfer(record)) if record else not_found("dataTransferId")


def transfers_list(routes, call, _):
    wanted = {k: call.arg(k) for k in ("oldOwnerUserId", "newOwnerUserId") if call.arg(k)}
    records = [routes.progress.read(routes.domain, t) for t in list(routes.domain.transfers)]
    records = [r for r in records if all(r[k] == v for k, v in wanted.items())]
    if call.arg("status"):
        records = [r for r in records if r["overallTransferStatusCode"] == call.arg("status")]
    result, error = page(call, records, 100, 500)
    if error:
        return error
    items, next_token = result
    return listing("admin#datatransfer#dataTransfersList", "dataTransfers",
                   [_transfer(r) for r in items], next_token)


DATATRANSFER = {
    "datatransfer.applications.list": applications_list,
    "datatransfer.transfers.insert": insert,
    "datatransfer.transfers.get": get,
    "datatransfer.transfers.list": transfers_list,
}
