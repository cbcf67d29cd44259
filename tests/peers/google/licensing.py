"""Enterprise License Manager handlers: the assignments of one product and SKU (paged), one
user's assignment (get, delete). `userId` is the user's primary email (or its id)."""

from common.messages import Reply
from messages import google_error
from routes import bad, etag, listing, page


def _sku(routes, params):
    return routes.domain.skus.get((params["productId"], params["skuId"]))


def _assignment(domain, sku, user):
    body = {"kind": "licensing#licenseAssignment", "productId": sku["productId"],
            "skuId": sku["skuId"], "productName": sku["productName"], "skuName": sku["skuName"],
            "userId": user["primaryEmail"],
            "selfLink": (f"https://licensing.googleapis.com/apps/licensing/v1/product/"
                         f"{sku['productId']}/sku/{sku['skuId']}/user/{user['primaryEmail']}")}
    body["etags"] = etag(body)
    return body


def list_for_product_and_sku(routes, call, params):
    domain = routes.domain
    if not domain.is_customer(call.arg("customerId")) or call.arg("customerId") == "my_customer":
        return google_error(403, "forbidden", "Not authorized to access the customer "
                            "named by customerId.")
    sku = _sku(routes, params)
    if sku is None:
        return bad("Invalid productId or skuId")
    users = [domain.users[u] for u in sku["users"]]
    result, error = page(call, users, 100, 1000)
    if error:
        return error
    items, next_token = result
    return listing("licensing#licenseAssignmentList", "items",
                   [_assignment(domain, sku, u) for u in items], next_token)


def _held(routes, params):
    """(sku, user) when the user holds the SKU, else (None, the 404 answer)."""
    sku = _sku(routes, params)
    user = routes.domain.user(params["userId"])
    if sku is None or user is None or user["id"] not in sku["users"]:
        return None, google_error(404, "notFound", "User does not have a license for the "
                                  "specified product and SKU.")
    return (sku, user), None


def get(routes, call, params):
    held, error = _held(routes, params)
    if error:
        return error
    return Reply(200, _assignment(routes.domain, *held))


def delete(routes, call, params):
    held, error = _held(routes, params)
    if error:
        return error
    sku, user = held
    sku["users"].remove(user["id"])
    return Reply(200, {})


LICENSING = {
    "licensing.licenseAssignments.listForProductAndSku": list_for_product_and_sku,
    "licensing.licenseAssignments.get": get,
    "licensing.licenseAssignments.delete": delete,
}
