"""The fake Google Workspace customer: users (with their OAuth tokens, application-specific
passwords, sign-outs and last login), groups, license SKUs and their assignments, the
applications data can be transferred for, data transfers, and deleted users. Loaded from a seed
and dumped in the same shape; the caller serialises access (one lock in app.py).

Seed (a JSON object; every key optional but `users[].id` and `users[].primaryEmail`):

    customer      {"id": "C01abc23d", "domain": "example.com"} (these are the defaults)
    users         [{"id" (digits), "primaryEmail", "name": {"givenName", "familyName"},
                    "isAdmin", "suspended", "lastLoginTime", "creationTime", "orgUnitPath",
                    "externalIds": [{"type", "value", "customType"}], "aliases": [...], "tokens": [{"clientId", "displayText", "scopes",
                    "anonymous", "nativeApp"}], "asps": [{"codeId", "name", "creationTime",
                    "lastTimeUsed"}]}]
    groups        [{"id", "email", "name", "members": [user ids]}]
    skus          [{"productId", "skuId", "productName", "skuName", "users": [user ids]}]
    applications  [{"id" (digits), "name", "transferParams": [{"key", "value": [...]}]}]
                  (default: Drive and Docs, and Calendar, with Google's application ids)

The dump adds, per user, `signOuts` (how many times users.signOut was called) and, at the top,
`deletedUsers` (with `deletionTime`) and `transfers` (with `overallTransferStatusCode`).
"""

import copy
import time

from common.seeds import SeedError, fields, known, records, unique

NEVER = "1970-01-01T00:00:00.000Z"  # Google's lastLoginTime of a user who never signed in
CREATED = "2024-01-01T00:00:00.000Z"
DEFAULT_APPLICATIONS = [
    {"id": "55656082996", "name": "Drive and Docs",
     "transferParams": [{"key": "PRIVACY_LEVEL", "value": ["PRIVATE", "SHARED"]}]},
    {"id": "435070579839", "name": "Calendar",
     "transferParams": [{"key": "RELEASE_RESOURCES", "value": ["TRUE"]}]},
]
USER_FIELDS = {"id", "primaryEmail", "name", "isAdmin", "suspended", "lastLoginTime",
               "creationTime", "orgUnitPath", "externalIds", "aliases", "tokens", "asps",
               "signOuts"}
TOKEN_FIELDS = {"clientId", "displayText", "scopes", "anonymous", "nativeApp"}
ASP_FIELDS = {"codeId", "name", "creationTime", "lastTimeUsed"}
GROUP_FIELDS = {"id", "email", "name", "members"}
SKU_FIELDS = {"productId", "skuId", "productName", "skuName", "users"}
APPLICATION_FIELDS = {"id", "name", "transferParams"}




def now_rfc3339():
    """The current time as Google writes it, with milliseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class Domain:
    """Everything one customer holds."""

    def __init__(self):
        self.customer = {"id": "C01abc23d", "domain": "example.com"}
        self.users = {}      # id -> record
        self.groups = {}     # id -> record
        self.skus = {}       # (productId, skuId) -> record with `users`
        self.applications = copy.deepcopy(DEFAULT_APPLICATIONS)
        self.transfers = {}  # id -> record
        self.deleted = {}    # id -> record

    # -- seed and dump --------------------------------------------------------------------

    @staticmethod
    def from_seed(seed):
        if not isinstance(seed, dict):
            raise SeedError("the seed must be a JSON object")
        fields(seed, {"customer", "users", "groups", "skus", "applications"}, set(), "seed")
        domain = Domain()
        if "customer" in seed:
            fields(seed["customer"], {"id", "domain"}, {"id", "domain"}, "customer")
            domain.customer = dict(seed["customer"])
        for i, user in enumerate(records(seed, "users")):
            domain._add_user(user, f"users[{i}]")
        for i, group in enumerate(records(seed, "groups")):
            where = f"groups[{i}]"
            fields(group, GROUP_FIELDS, {"id", "email"}, where)
            known(domain.users, group.get("members", []), f"{where}.members")
            unique(domain.groups, group["id"], where)
            domain.groups[group["id"]] = {"name": group["email"], "members": [], **group}
        for i, sku in enumerate(records(seed, "skus")):
            where = f"skus[{i}]"
            fields(sku, SKU_FIELDS, {"productId", "skuId"}, where)
            known(domain.users, sku.get("users", []), f"{where}.users")
            key = (sku["productId"], sku["skuId"])
            unique(domain.skus, key, where)
            domain.skus[key] = {"productName": sku["productId"], "skuName": sku["skuId"],
                                "users": [], **sku}
        if "applications" in seed:
            domain.applications = []
            for i, app in enumerate(records(seed, "applications")):
                fields(app, APPLICATION_FIELDS, {"id", "name"}, f"applications[{i}]")
                _digits(app["id"], f"applications[{i}].id")
                domain.applications.append({"transferParams": [], **app})
        return domain

    def _add_user(self, user, where):
        fields(user, USER_FIELDS, {"id", "primaryEmail"}, where)
        _digits(user["id"], f"{where}.id")
        unique(self.users, user["id"], where)
        if self.user(user["primaryEmail"]) is not None:
            raise SeedError(f"{where}: the primaryEmail {user['primaryEmail']!r} is used twice")
        for j, token in enumerate(user.get("tokens", [])):
            fields(token, TOKEN_FIELDS, {"clientId"}, f"{where}.tokens[{j}]")
        for j, asp in enumerate(user.get("asps", [])):
            fields(asp, ASP_FIELDS, set(), f"{where}.asps[{j}]")
            if not isinstance(asp.get("codeId"), int):
                raise SeedError(f"{where}.asps[{j}].codeId must be a whole number")
        local = user["primaryEmail"].split("@")[0]
        self.users[user["id"]] = {
            "name": {"givenName": local, "familyName": local}, "isAdmin": False,
            "suspended": False, "lastLoginTime": NEVER, "creationTime": CREATED,
            "orgUnitPath": "/", "aliases": [], "tokens": [], "asps": [], "signOuts": 0,
            **copy.deepcopy(user)}

    def dump(self):
        return {
            "customer": dict(self.customer),
            "users": copy.deepcopy(list(self.users.values())),
            "groups": copy.deepcopy(list(self.groups.values())),
            "skus": [dict(copy.deepcopy(s)) for s in self.skus.values()],
            "applications": copy.deepcopy(self.applications),
            "transfers": copy.deepcopy(list(self.transfers.values())),
            "deletedUsers": copy.deepcopy(list(self.deleted.values())),
        }

    # -- lookups --------------------------------------------------------------------------

    def user(self, key):
        """The live user whose id, primary email or alias (emails in any case) is `key`."""
        if key in self.users:
            return self.users[key]
        folded = key.casefold()
        return next((u for u in self.users.values()
                     if u["primaryEmail"].casefold() == folded
                     or folded in (a.casefold() for a in u["aliases"])), None)

    def group(self, key):
        """The group whose id or email (any case) is `key`."""
        if key in self.groups:
            return self.groups[key]
        return next((g for g in self.groups.values() if g["email"].casefold() == key.casefold()),
                    None)

    def groups_of(self, user_id):
        return [g for g in self.groups.values() if user_id in g["members"]]

    def is_customer(self, key):
        """`my_customer`, the customer's id or its primary domain."""
        return key in ("my_customer", self.customer["id"], self.customer["domain"])

    def application(self, app_id):
        return next((a for a in self.applications if a["id"] == app_id), None)

    # -- writes ---------------------------------------------------------------------------

    def delete_user(self, user_id):
        """The user moves to the deleted users: out of its groups, its licenses released."""
        record = self.users.pop(user_id)
        for group in self.groups_of(user_id):
            group["members"].remove(user_id)
        for sku in self.skus.values():
            if user_id in sku["users"]:
                sku["users"].remove(user_id)
        record["deletionTime"] = now_rfc3339()
        self.deleted[user_id] = record


def _digits(value, where):
    if not value.isdigit():
        raise SeedError(f"{where} must be digits, as Google's ids are")

