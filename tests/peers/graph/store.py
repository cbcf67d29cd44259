"""The fake tenant's directory and its replication lag.

`Tenant` holds users (with their direct licenses, manager, mailbox settings and sign-in
activity), groups (members, group-based licenses, dynamic or on-premises-synced), subscribed SKUs
and deleted users, loaded from a seed and dumped in the same shape. License assignments through
groups and consumed units are derived, never stored, so they cannot drift.

`Store` adds eventual consistency: after a write to a user, reads of that user may come from a
copy of the tenant taken before the write, for the next N reads and/or T milliseconds. Writes
always apply to the current tenant. The caller serialises access (one lock in app.py).
"""

import copy
import time

from common.seeds import SeedError, fields, records, unique

SESSIONS_VALID_FROM = "2024-01-01T00:00:00Z"

# Seed fields. Users: Graph properties kept as given, plus `licenses` (direct), `manager` (a
# user id) and `mailboxSettings`. Groups: Graph properties plus `members` and `licenses`
# (group-based licensing: every member holds them).
USER_PROPERTIES = {"id", "userPrincipalName", "displayName", "givenName", "surname", "mail",
                   "employeeId", "accountEnabled", "jobTitle", "department",
                   "signInSessionsValidFromDateTime", "signInActivity"}
USER_FIELDS = USER_PROPERTIES | {"licenses", "manager", "mailboxSettings"}
GROUP_PROPERTIES = {"id", "displayName", "description", "groupTypes", "membershipRule",
                    "onPremisesSyncEnabled", "mailEnabled", "securityEnabled", "mail",
                    "mailNickname"}
GROUP_FIELDS = GROUP_PROPERTIES | {"members", "licenses"}
SKU_FIELDS = {"skuId", "skuPartNumber", "enabled"}




def now_utc():
    """The current time as Graph writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Tenant:
    """The directory at one moment; copied whole for stale reads."""

    def __init__(self):
        self.users = {}    # id -> user record
        self.groups = {}   # id -> group record, in seed order
        self.skus = {}     # skuId -> sku record
        self.deleted = {}  # id -> user record with deletedDateTime and memberOf

    # -- seed and dump --------------------------------------------------------------------

    @staticmethod
    def from_seed(seed):
        """A tenant from a seed; SeedError names the first problem and where it is."""
        if not isinstance(seed, dict):
            raise SeedError("the seed must be a JSON object")
        unknown = set(seed) - {"users", "groups", "skus"}
        if unknown:
            raise SeedError(f"unknown top-level keys: {', '.join(sorted(unknown))}")
        tenant = Tenant()
        for i, sku in enumerate(records(seed, "skus")):
            where = f"skus[{i}]"
            _fields(sku, SKU_FIELDS, {"skuId", "skuPartNumber"}, where)
            if not isinstance(sku.get("enabled", 0), int):
                raise SeedError(f"{where}.enabled must be a whole number")
            unique(tenant.skus, sku["skuId"], where)
            tenant.skus[sku["skuId"]] = {"enabled": 0, **sku}
        for i, user in enumerate(records(seed, "users")):
            where = f"users[{i}]"
            _fields(user, USER_FIELDS, {"id", "userPrincipalName"}, where)
            unique(tenant.users, user["id"], where)
            record = {"accountEnabled": True,
                      "signInSessionsValidFromDateTime": SESSIONS_VALID_FROM, **user}
            record["licenses"] = [tenant._license(entry, f"{where}.licenses[{j}]")
                                  for j, entry in enumerate(user.get("licenses", []))]
            tenant.users[user["id"]] = record
        for i, user in enumerate(tenant.users.values()):
            manager = user.get("manager")
            if manager is not None and manager not in tenant.users:
                raise SeedError(f"users[{i}].manager: no user has the id {manager!r}")
        for i, group in enumerate(records(seed, "groups")):
            where = f"groups[{i}]"
            _fields(group, GROUP_FIELDS, {"id", "displayName"}, where)
            unique(tenant.groups, group["id"], where)
            for j, member in enumerate(group.get("members", [])):
                if member not in tenant.users:
                    raise SeedError(f"{where}.members[{j}]: no user has the id {member!r}")
            for j, sku in enumerate(group.get("licenses", [])):
                if sku not in tenant.skus:
                    raise SeedError(f"{where}.licenses[{j}]: no SKU has the skuId {sku!r}")
            tenant.groups[group["id"]] = {"groupTypes": [], "membershipRule": None,
                                          "onPremisesSyncEnabled": None, "mailEnabled": False,
                                          "securityEnabled": True, "members": [],
                                          "licenses": [], **group}
        for sku_id, sku in tenant.skus.items():
            if tenant.consumed(sku_id) > sku["enabled"]:
                raise SeedError(f"skus: {sku['skuPartNumber']} has {sku['enabled']} units "
                                f"but the seed assigns {tenant.consumed(sku_id)}")
        return tenant

    def _license(self, entry, where):
        if isinstance(entry, str):
            entry = {"skuId": entry}
        if not isinstance(entry, dict) or entry.get("skuId") not in self.skus:
            raise SeedError(f"{where}: not the skuId of a SKU of the seed")
        return {"skuId": entry["skuId"], "disabledPlans": list(entry.get("disabledPlans", []))}

    def dump(self):
        """Everything, in the seed's shape, plus consumed units and the deleted users."""
        return {
            "skus": [dict(sku, consumedUnits=self.consumed(sku_id))
                     for sku_id, sku in self.skus.items()],
            "users": [copy.deepcopy(u) for u in self.users.values()],
            "groups": [copy.deepcopy(g) for g in self.groups.values()],
            "deletedUsers": [copy.deepcopy(u) for u in self.deleted.values()],
        }

    # -- reads ----------------------------------------------------------------------------

    def user(self, key):
        """The live user whose id or userPrincipalName (any case) is `key`, or None."""
        if key in self.users:
            return self.users[key]
        folded = key.casefold()
        return next((u for u in self.users.values()
                     if u["userPrincipalName"].casefold() == folded), None)

    def groups_of(self, user_id):
        """The groups `user_id` is a direct member of, in seed order."""
        return [g for g in self.groups.values() if user_id in g["members"]]

    def license_states(self, user_id):
        """`(skuId, group id or None, disabledPlans)` for every way the user holds a license."""
        states = [(lic["skuId"], None, lic["disabledPlans"])
                  for lic in self.users[user_id]["licenses"]]
        for group in self.groups_of(user_id):
            states += [(sku, group["id"], []) for sku in group["licenses"]]
        return states

    def held(self, user_id):
        """The SKUs the user holds, by any path, in first-seen order."""
        return list(dict.fromkeys(sku for sku, _, _ in self.license_states(user_id)))

    def consumed(self, sku_id):
        """Units of a SKU in use: one per live user holding it, however many paths."""
        return sum(sku_id in self.held(uid) for uid in self.users)


class Store:
    """The current tenant, the lag setting and the stale copies being served."""

    def __init__(self):
        self.tenant = Tenant()
        self.lag_reads = 0
        self.lag_ms = 0
        self._stale = {}  # user id -> [tenant before the write, reads left, until (monotonic)]

    def load(self, seed):
        self.tenant = Tenant.from_seed(seed)
        self._stale.clear()

    def set_lag(self, reads=0, ms=0):
        """After each write to a user, serve `reads` reads and/or `ms` milliseconds of it from
        before the write; a window already open for that user keeps its older copy."""
        self.lag_reads, self.lag_ms = int(reads), int(ms)
        self._stale.clear()

    def before_write(self, user_id):
        """Call before changing anything a read of `user_id` shows."""
        if not (self.lag_reads or self.lag_ms):
            return
        entry = self._stale.get(user_id)
        before = entry[0] if entry and self._open(entry) else copy.deepcopy(self.tenant)
        self._stale[user_id] = [before, self.lag_reads,
                                time.monotonic() + self.lag_ms / 1000]

    def view(self, user_id, consume=True):
        """The tenant a read of `user_id` sees; with `consume`, counts as one read of a stale
        window."""
        entry = self._stale.get(user_id)
        if entry is None:
            return self.tenant
        if not self._open(entry):
            del self._stale[user_id]
            return self.tenant
        if consume:
            entry[1] -= 1
        return entry[0]

    def resolve(self, key):
        """The id of the user `key` (id or userPrincipalName) names, as a read sees it: live
        now, or still live in a stale copy (deleted since). None if neither."""
        record = self.tenant.user(key)
        if record is not None:
            return record["id"]
        for user_id, entry in list(self._stale.items()):
            found = entry[0].user(key) if self._open(entry) else None
            if found is not None and found["id"] == user_id:
                return user_id
        return None

    def stale_ids(self):
        """Users whose reads may still come from a stale copy (deleted ones included)."""
        return list(self._stale)

    def _open(self, entry):
        _, reads, until = entry
        return (self.lag_reads and reads > 0) or (self.lag_ms and time.monotonic() < until)


def _fields(record, allowed, required, where):
    fields(record, allowed, required, where)
    if "/" in record.get("id", ""):
        raise SeedError(f"{where}.id must not contain '/'")

