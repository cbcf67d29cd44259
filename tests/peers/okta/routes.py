"""The answers of the served operations, by operationId, over the org in store.py. Each
handler takes the call and its path parameters (already checked by contract.py) and returns a
Reply. Errors are Okta's (messages.py)."""

from urllib.parse import urlencode

import search
from common.messages import Reply
from messages import BAD_SEARCH, UNSUPPORTED, invalid, not_found, okta_error
from store import STATUSES
from resources import app_link, factor_resource, group_resource, user_resource

MAX_LIMIT = 200  # listUsers answers at most this many per page, the default too


class Routes:
    """The handlers; `org` is replaced on a reset or a new seed."""

    def __init__(self, org, base):
        self.org = org
        self.base = base

    def handle(self, op_id, call, params):
        handler = HANDLERS.get(op_id)
        if handler is None:
            return okta_error(501, UNSUPPORTED, f"The fake does not serve {op_id}.")
        return handler(self, call, params)

    def user(self, params):
        return self.org.user(params["userId"])


def list_users(routes, call, _):
    org = routes.org
    limit = min(int(call.arg("limit") or MAX_LIMIT), MAX_LIMIT)
    if limit < 1:
        return invalid("limit must be at least 1")
    try:
        if call.arg("search") is not None:
            terms, users = search.parse(call.arg("search"), True), list(org.users.values())
        elif call.arg("filter") is not None:
            terms, users = search.parse(call.arg("filter"), False), list(org.users.values())
        else:
            terms = []
            users = [u for u in org.users.values() if u["status"] != "DEPROVISIONED"]
    except ValueError as e:
        return okta_error(400, BAD_SEARCH, "Invalid search criteria.", [str(e)])
    users = [u for u in users if search.matches(u, terms)]
    if call.arg("q") is not None:
        users = [u for u in users if search.quick(u, call.arg("q"))]
    after = call.arg("after")
    if after is not None:
        ids = [u["id"] for u in users]
        users = users[ids.index(after) + 1:] if after in ids else []
    page, rest = users[:limit], users[limit:]
    links = [_link(routes, call, None, "self")]
    if rest:
        links.append(_link(routes, call, page[-1]["id"], "next"))
    return Reply(200, [user_resource(routes.base, u) for u in page], {"Link": ", ".join(links)})


def _link(routes, call, after, rel):
    query = [(k, v) for k, v in call.query if k != "after"]
    if after is not None:
        query.append(("after", after))
    target = call.path + ("?" + urlencode(query) if query else "")
    return f'<{routes.base}{target}>; rel="{rel}"'


def get_user(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    return Reply(200, user_resource(routes.base, user))


def _lifecycle(routes, params, allowed, to, verb):
    user = routes.user(params)
    if user is None:
        return None, not_found(f"{params['userId']} (User)")
    if user["status"] not in allowed:
        return None, invalid(f"cannot {verb} a user whose status is {user['status']}")
    routes.org.set_status(user, to)
    return user, Reply(200)


def suspend_user(routes, call, params):
    return _lifecycle(routes, params, {"ACTIVE"}, "SUSPENDED", "suspend")[1]


def unsuspend_user(routes, call, params):
    return _lifecycle(routes, params, {"SUSPENDED"}, "ACTIVE", "unsuspend")[1]


def deactivate_user(routes, call, params):
    user, reply = _lifecycle(routes, params, STATUSES - {"DEPROVISIONED"}, "DEPROVISIONED",
                             "deactivate")
    if user is not None:
        # Deactivation ends every session and revokes the user's tokens.
        user["sessions"], user["oauthTokens"] = 0, []
    return reply


def delete_user(routes, call, params):
    """Okta's DELETE: a user not yet deactivated is deactivated; a deactivated one deleted."""
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    if user["status"] != "DEPROVISIONED":
        deactivate_user(routes, call, params)
    else:
        routes.org.delete_user(user["id"])
    return Reply(202)


def clear_sessions(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    user["sessions"] = 0
    if call.arg("oauthTokens") == "true":
        user["oauthTokens"] = []
    return Reply(204)


def list_user_groups(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    return Reply(200, [group_resource(routes.base, g) for g in routes.org.groups_of(user["id"])])


def remove_from_group(routes, call, params):
    group = routes.org.groups.get(params["groupId"])
    if group is None:
        return not_found(f"{params['groupId']} (UserGroup)")
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    if group["type"] != "OKTA_GROUP":
        return invalid(f"the membership of a group of type {group['type']} cannot be changed",
                       "Only the members of OKTA_GROUP groups can be changed through the API; "
                       "APP_GROUP groups are managed by their app, BUILT_IN ones by Okta.")
    if user["id"] in group["members"]:
        group["members"].remove(user["id"])
    return Reply(204)


def list_app_links(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    apps = routes.org.apps_of(user["id"])
    return Reply(200, [app_link(routes.base, a, user["id"], i) for i, a in enumerate(apps)])


def remove_app_user(routes, call, params):
    app = routes.org.apps.get(params["appId"])
    if app is None:
        return not_found(f"{params['appId']} (App)")
    user = routes.user(params)
    if user is None or user["id"] not in app["users"]:
        return not_found(f"{params['userId']} (AppUser)")
    app["users"].remove(user["id"])
    return Reply(204)


def list_clients(routes, call, params):
    """The OAuth clients the user has grants or tokens for, once each."""
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    ids = dict.fromkeys(t["clientId"] for t in user["oauthTokens"])
    return Reply(200, [{"client_id": c, "client_name": c, "_links": {"self": {
        "href": f"{routes.base}/oauth2/v1/clients/{c}"}}} for c in ids])


def list_factors(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    return Reply(200, [factor_resource(routes.base, user, f) for f in user["factors"]])


def reset_factors(routes, call, params):
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    user["factors"] = []
    return Reply(200)


def delete_factor(routes, call, params):
    """Unenroll one factor; one the user does not have is `404 E0000007`."""
    user = routes.user(params)
    if user is None:
        return not_found(f"{params['userId']} (User)")
    kept = [f for f in user["factors"] if f["id"] != params["factorId"]]
    if len(kept) == len(user["factors"]):
        return not_found(f"{params['factorId']} (UserFactor)")
    user["factors"] = kept
    return Reply(204)


HANDLERS = {
    "listUsers": list_users,
    "getUser": get_user,
    "suspendUser": suspend_user,
    "unsuspendUser": unsuspend_user,
    "deactivateUser": deactivate_user,
    "deactivateOrDeleteUser": delete_user,
    "clearUserSessions": clear_sessions,
    "listUserGroups": list_user_groups,
    "removeUserFromGroup": remove_from_group,
    "listAppLinks": list_app_links,
    "listUserClients": list_clients,
    "deleteApplicationUser": remove_app_user,
    "listFactors": list_factors,
    "resetFactors": reset_factors,
    "deleteFactor": delete_factor,
}
