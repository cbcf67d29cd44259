"""Admin SDK Directory API handlers: users (list, get, patch, update, delete, signOut), a
user's OAuth tokens and application-specific passwords (list, get, delete), groups (list, by
`userKey` too) and group members (delete)."""

import copy

from common.messages import Reply
from routes import bad, etag, listing, not_found, page
from store import now_rfc3339

# users.list `query`: `field=value` or `field:value` terms, space-separated. `email`
# (exact, or a prefix ending in `*`), `isSuspended`, `isAdmin`.
BOOLEAN_TERMS = {"isSuspended": "suspended", "isAdmin": "isAdmin"}
QUERY_FIELDS = {"email", *BOOLEAN_TERMS}


def user_resource(domain, user):
    """A user as the Directory API answers it."""
    body = {"kind": "admin#directory#user", "id": user["id"], "primaryEmail": user["primaryEmail"],
            "name": dict(user["name"], fullName=" ".join(
                n for n in (user["name"].get("givenName"), user["name"].get("familyName")) if n)),
            "isAdmin": user["isAdmin"], "isDelegatedAdmin": False,
            "lastLoginTime": user["lastLoginTime"], "creationTime": user["creationTime"],
            "agreedToTerms": True, "suspended": user["suspended"], "archived": False,
            "changePasswordAtNextLogin": False, "ipWhitelisted": False,
            "emails": [{"address": user["primaryEmail"], "primary": True}],
            "customerId": domain.customer["id"], "orgUnitPath": user["orgUnitPath"],
            "isMailboxSetup": True, "isEnrolledIn2Sv": False, "isEnforcedIn2Sv": False,
            "includeInGlobalAddressList": True}
    if user["aliases"]:
        body["aliases"] = list(user["aliases"])
    if user.get("externalIds"):
        body["externalIds"] = copy.deepcopy(user["externalIds"])
    if user["suspended"]:
        body["suspensionReason"] = "ADMIN"
    if "deletionTime" in user:
        body["deletionTime"] = user["deletionTime"]
    body["etag"] = etag(body)
    return body


def _matches(user, terms):
    for field, value in terms:
        if field == "email":
            email = user["primaryEmail"].casefold()
            value = value.casefold()
            if not (email.startswith(value[:-1]) if value.endswith("*") else email == value):
                return False
        elif str(user[BOOLEAN_TERMS[field]]).lower() != value.lower():
            return False
    return True


def _parse_query(text):
    terms = []
    for term in (text or "").split():
        sep = min((i for i in (term.find("="), term.find(":")) if i > 0), default=-1)
        field, value = term[:sep], term[sep + 1:].strip("'\"")
        if sep < 0 or field not in QUERY_FIELDS or not value:
            raise ValueError(f"Invalid Input: query term {term!r} (the fake knows "
                             f"{', '.join(sorted(QUERY_FIELDS))})")
        terms.append((field, value))
    return terms


def users_list(routes, call, _):
    domain = routes.domain
    customer, name = call.arg("customer"), call.arg("domain")
    if customer is None and name is None:
        return bad("Bad Request: give customer or domain", "badRequest")
    if (customer is not None and not domain.is_customer(customer)) or (
            name is not None and name != domain.customer["domain"]):
        return bad("Bad Request: not this customer or domain", "badRequest")
    try:
        terms = _parse_query(call.arg("query"))
    except ValueError as e:
        return bad(str(e))
    table = domain.deleted if call.arg("showDeleted") == "true" else domain.users
    users = [u for u in table.values() if _matches(u, terms)]
    if call.arg("orderBy"):
        field = {"email": "primaryEmail"}.get(call.arg("orderBy"))
        users.sort(key=lambda u: (u[field] if field else u["name"].get(
            call.arg("orderBy"), "")).casefold(), reverse=call.arg("sortOrder") == "DESCENDING")
    result, error = page(call, users, 100, 500)
    if error:
        return error
    items, next_token = result
    return listing("admin#directory#users", "users",
                   [user_resource(domain, u) for u in items], next_token)


def _user(routes, params):
    return routes.domain.user(params["userKey"])


def users_get(routes, call, params):
    user = _user(routes, params)
    return Reply(200, user_resource(routes.domain, user)) if user else not_found("userKey")


def users_patch(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    for key, value in call.json().items():
        if key in routes.user_read_only or key == "id":
            continue
        if key == "name" and isinstance(value, dict):
            user["name"].update({k: v for k, v in value.items() if k != "fullName"})
        elif key in user and value is not None:
            user[key] = value
    return Reply(200, user_resource(routes.domain, user))


def users_delete(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    routes.domain.delete_user(user["id"])
    return Reply(204)


def users_sign_out(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    user["signOuts"] += 1
    user["lastSignOutTime"] = now_rfc3339()
    return Reply(204)


def _token(user, token):
    body = {"kind": "admin#directory#token", "userKey": user["id"], "anonymous": False,
            "nativeApp": False, "scopes": [], "displayText": token["clientId"],
            **copy.deepcopy(token)}
    body["etag"] = etag(body)
    return body


def _asp(user, asp):
    body = {"kind": "admin#directory#asp", "userKey": user["id"],
            "creationTime": "1704067200000", "lastTimeUsed": "0", "name": "app password",
            **copy.deepcopy(asp)}
    body["etag"] = etag(body)
    return body


def tokens_list(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    items = [_token(user, t) for t in user["tokens"]]
    return Reply(200, {"kind": "admin#directory#tokenList", "etag": etag(items), "items": items})


def tokens_get(routes, call, params):
    user = _user(routes, params)
    token = next((t for t in (user or {}).get("tokens", [])
                  if t["clientId"] == params["clientId"]), None)
    if token is None:
        return not_found("userKey" if user is None else "clientId")
    return Reply(200, _token(user, token))


def tokens_delete(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    kept = [t for t in user["tokens"] if t["clientId"] != params["clientId"]]
    if len(kept) == len(user["tokens"]):
        return not_found("clientId")
    user["tokens"] = kept
    return Reply(204)


def asps_list(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    items = [_asp(user, a) for a in user["asps"]]
    return Reply(200, {"kind": "admin#directory#aspList", "etag": etag(items), "items": items})


def asps_get(routes, call, params):
    user = _user(routes, params)
    asp = next((a for a in (user or {}).get("asps", [])
                if a["codeId"] == int(params["codeId"])), None)
    if asp is None:
        return not_found("userKey" if user is None else "codeId")
    return Reply(200, _asp(user, asp))


def asps_delete(routes, call, params):
    user = _user(routes, params)
    if user is None:
        return not_found("userKey")
    kept = [a for a in user["asps"] if a["codeId"] != int(params["codeId"])]
    if len(kept) == len(user["asps"]):
        return not_found("codeId")
    user["asps"] = kept
    return Reply(204)


def _group(group):
    body = {"kind": "admin#directory#group", "id": group["id"], "email": group["email"],
            "name": group["name"], "directMembersCount": str(len(group["members"])),
            "adminCreated": True}
    body["etag"] = etag(body)
    return body


def groups_list(routes, call, _):
    domain = routes.domain
    customer, name, user_key = call.arg("customer"), call.arg("domain"), call.arg("userKey")
    if customer is None and name is None and user_key is None:
        return bad("Bad Request: give customer, domain or userKey", "badRequest")
    groups = list(domain.groups.values())
    if user_key is not None:
        user = domain.user(user_key)
        if user is None:
            return not_found("userKey")
        groups = domain.groups_of(user["id"])
    result, error = page(call, groups, 200, 200)
    if error:
        return error
    items, next_token = result
    return listing("admin#directory#groups", "groups", [_group(g) for g in items], next_token)


def members_delete(routes, call, params):
    group = routes.domain.group(params["groupKey"])
    if group is None:
        return not_found("groupKey")
    user = routes.domain.user(params["memberKey"])
    if user is None or user["id"] not in group["members"]:
        return not_found("memberKey")
    group["members"].remove(user["id"])
    return Reply(204)


DIRECTORY = {
    "directory.users.list": users_list,
    "directory.users.get": users_get,
    "directory.users.patch": users_patch,
    "directory.users.update": users_patch,
    "directory.users.delete": users_delete,
    "directory.users.signOut": users_sign_out,
    "directory.tokens.list": tokens_list,
    "directory.tokens.get": tokens_get,
    "directory.tokens.delete": tokens_delete,
    "directory.asps.list": asps_list,
    "directory.asps.get": asps_get,
    "directory.asps.delete": asps_delete,
    "directory.groups.list": groups_list,
    "directory.members.delete": members_delete,
}
