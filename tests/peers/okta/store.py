"""The fake Okta org: users (with their sessions, OAuth tokens, factors and last login),
groups (Okta groups, app groups and the built-in Everyone), apps and who is assigned to them,
and deleted users. Loaded from a seed and dumped in the same shape; the caller serialises
access (one lock in app.py).

Seed (a JSON object; every key optional but `users[].id` and `users[].login`):

    users    [{"id", "login", "email" (default the login), "firstName", "lastName",
               "employeeNumber" (absent: none), "status" (ACTIVE, the default; STAGED, PROVISIONED, SUSPENDED, DEPROVISIONED,
               ...), "lastLogin" (date-time; absent: never), "created", "sessions" (how many
               open sessions, default 0), "oauthTokens": [{"clientId", "scopes": [...]}],
               "factors": [{"id", "factorType", "provider", "status", "profile"}]}]
    groups   [{"id", "name", "type" (OKTA_GROUP, the default; APP_GROUP; BUILT_IN),
               "description", "members": [user ids]}]
    apps     [{"id", "name", "label", "users": [user ids]}]

The dump adds `statusChanged` per user and `deletedUsers` at the top.
"""

import copy
import time

from common.seeds import SeedError, fields, known, records, unique

CREATED = "2024-01-02T03:04:05.000Z"
STATUSES = {"ACTIVE", "DEPROVISIONED", "LOCKED_OUT", "PASSWORD_EXPIRED", "PROVISIONED",
            "RECOVERY", "STAGED", "SUSPENDED"}
GROUP_TYPES = {"OKTA_GROUP", "APP_GROUP", "BUILT_IN"}
USER_FIELDS = {"id", "login", "email", "firstName", "lastName", "employeeNumber", "status",
               "lastLogin", "created", "sessions", "oauthTokens", "factors", "statusChanged"}
TOKEN_FIELDS = {"clientId", "scopes"}
FACTOR_FIELDS = {"id", "factorType", "provider", "status", "profile"}
GROUP_FIELDS = {"id", "name", "type", "description", "members"}
APP_FIELDS = {"id", "name", "label", "users"}




def now_iso():
    """The current time as Okta writes it, with milliseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class Org:
    """Everything one org holds."""

    def __init__(self):
        self.users = {}    # id -> record, in seed order
        self.groups = {}   # id -> record
        self.apps = {}     # id -> record
        self.deleted = {}  # id -> record

    @staticmethod
    def from_seed(seed):
        if not isinstance(seed, dict):
            raise SeedError("the seed must be a JSON object")
        fields(seed, {"users", "groups", "apps"}, set(), "seed")
        org = Org()
        for i, user in enumerate(records(seed, "users")):
            org._add_user(user, f"users[{i}]")
        for i, group in enumerate(records(seed, "groups")):
            where = f"groups[{i}]"
            fields(group, GROUP_FIELDS, {"id", "name"}, where)
            if group.get("type", "OKTA_GROUP") not in GROUP_TYPES:
                raise SeedError(f"{where}.type must be one of {', '.join(sorted(GROUP_TYPES))}")
            known(org.users, group.get("members", []), f"{where}.members")
            unique(org.groups, group["id"], where)
            org.groups[group["id"]] = {"type": "OKTA_GROUP", "description": "", "members": [],
                                       **copy.deepcopy(group)}
        for i, app in enumerate(records(seed, "apps")):
            where = f"apps[{i}]"
            fields(app, APP_FIELDS, {"id", "name"}, where)
            known(org.users, app.get("users", []), f"{where}.users")
            unique(org.apps, app["id"], where)
            org.apps[app["id"]] = {"label": app["name"], "users": [], **copy.deepcopy(app)}
        return org

    def _add_user(self, user, where):
        fields(user, USER_FIELDS, {"id", "login"}, where)
        unique(self.users, user["id"], where)
        if self.user(user["login"]) is not None:
            raise SeedError(f"{where}: the login {user['login']!r} is used twice")
        if user.get("status", "ACTIVE") not in STATUSES:
            raise SeedError(f"{where}.status must be one of {', '.join(sorted(STATUSES))}")
        for j, token in enumerate(user.get("oauthTokens", [])):
            fields(token, TOKEN_FIELDS, {"clientId"}, f"{where}.oauthTokens[{j}]")
        for j, factor in enumerate(user.get("factors", [])):
            fields(factor, FACTOR_FIELDS, {"id", "factorType"}, f"{where}.factors[{j}]")
        local = user["login"].split("@")[0]
        self.users[user["id"]] = {
            "email": user["login"], "firstName": local, "lastName": local, "status": "ACTIVE",
            "created": CREATED, "statusChanged": CREATED, "sessions": 0, "oauthTokens": [],
            "factors": [], **copy.deepcopy(user)}

    def dump(self):
        return {"users": copy.deepcopy(list(self.users.values())),
                "groups": copy.deepcopy(list(self.groups.values())),
                "apps": copy.deepcopy(list(self.apps.values())),
                "deletedUsers": copy.deepcopy(list(self.deleted.values()))}

    def user(self, key):
        """The user whose id or login (any case) is `key`."""
        if key in self.users:
            return self.users[key]
        folded = key.casefold()
        return next((u for u in self.users.values() if u["login"].casefold() == folded), None)

    def groups_of(self, user_id):
        return [g for g in self.groups.values() if user_id in g["members"]]

    def apps_of(self, user_id):
        return [a for a in self.apps.values() if user_id in a["users"]]

    def set_status(self, user, status):
        user["status"] = status
        user["statusChanged"] = now_iso()

    def delete_user(self, user_id):
        """The user leaves the org: out of its groups and apps."""
        record = self.users.pop(user_id)
        for group in self.groups_of(user_id):
            group["members"].remove(user_id)
        for app in self.apps_of(user_id):
            app["users"].remove(user_id)
        self.deleted[user_id] = record

