"""Graph v1.0 as the fake serves it: one method per operation, reading and writing the Store.
Answers follow the real service's documented behaviour: default properties without `$select`,
204 for PATCH and DELETE, a user's licenses derived from direct and group-based assignments,
errors in Graph's shape. Authentication, faults and the contract check happen before and after
(app.py), never here.
"""

import copy
import re

from common.messages import Reply
from messages import graph_error
from odata import QueryError, page, parse_filter, parse_select, refuse_unsupported
from store import now_utc

# What GET returns for a user or a group without $select.
DEFAULT_USER = ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"]
DEFAULT_GROUP = ["id", "displayName", "description", "groupTypes", "mail", "mailEnabled",
                 "mailNickname", "membershipRule", "membershipRuleProcessingState",
                 "onPremisesSyncEnabled", "securityEnabled"]
COLLECTIONS = {"businessPhones", "otherMails", "proxyAddresses", "imAddresses"}
NAVIGATION = {"manager", "memberOf", "transitiveMemberOf", "directReports", "ownedObjects"}
# Seed bookkeeping in a user record, not Graph properties.
INTERNAL = {"licenses", "manager", "mailboxSettings"}
# Properties a PATCH of the user cannot set (they have their own calls, or are the service's).
READ_ONLY = {"id", "assignedLicenses", "licenseAssignmentStates",
             "signInSessionsValidFromDateTime", "signInActivity", "mailboxSettings"} | NAVIGATION
FILTERABLE = {"userPrincipalName", "mail", "employeeId"}
DEFAULT_MAILBOX = {
    "timeZone": "UTC",
    "dateFormat": "yyyy-MM-dd",
    "timeFormat": "HH:mm",
    "language": {"locale": "en-US", "displayName": "English (United States)"},
    "automaticRepliesSetting": {
        "status": "disabled",
        "externalAudience": "all",
        "internalReplyMessage": "",
        "externalReplyMessage": "",
        "scheduledStartDateTime": {"dateTime": "2024-01-01T00:00:00.0000000", "timeZone": "UTC"},
        "scheduledEndDateTime": {"dateTime": "2024-01-02T00:00:00.0000000", "timeZone": "UTC"},
    },
}


def not_found(what):
    return graph_error(404, "Request_ResourceNotFound", f"{what} does not exist.")


class NotFound(Exception):
    """The call names an object that does not exist (for the read it is)."""

    def __init__(self, what, code="Request_ResourceNotFound"):
        super().__init__(what)
        self.reply = graph_error(404, code, f"{what} does not exist.")


class Graph:
    """The Graph v1.0 operations of the fake."""

    def __init__(self, store, base_url, tenant_id):
        self.store = store
        self.base = base_url
        self.tenant_id = tenant_id
        user = r"/users/([^/]+)"
        self._routes = [
            ("GET", r"/users", self.list_users),
            ("GET", user, self.get_user),
            ("PATCH", user, self.update_user),
            ("DELETE", user, self.delete_user),
            ("POST", user + r"/(?:microsoft\.graph\.)?revokeSignInSessions", self.revoke),
            ("POST", user + r"/(?:microsoft\.graph\.)?assignLicense", self.assign_license),
            ("GET", user + r"/memberOf(?:/microsoft\.graph\.group)?", self.member_of),
            ("GET", user + r"/manager", self.manager),
            ("GET", user + r"/mailboxSettings", self.get_mailbox),
            ("PATCH", user + r"/mailboxSettings", self.update_mailbox),
            ("DELETE", r"/groups/([^/]+)/members/([^/]+)/\$ref", self.remove_member),
            ("GET", r"/subscribedSkus", self.subscribed_skus),
        ]

    def handle(self, call):
        """The answer to a Graph call whose path starts with /v1.0."""
        rest = call.path[len("/v1.0"):]
        for method, pattern, handler in self._routes:
            match = re.fullmatch(pattern, rest)
            if match and method == call.method:
                try:
                    return handler(call, *match.groups())
                except (QueryError, NotFound) as e:
                    return e.reply
        return graph_error(400, "BadRequest",
                           f"The fake Graph server does not serve {call.method} {call.path}.")

    def _context(self, fragment):
        return f"{self.base}/v1.0/$metadata#{fragment}"

    def _read(self, key):
        """(tenant as this read sees it, user record) for a read of the user `key`."""
        user_id = self.store.resolve(key)
        view = self.store.view(user_id) if user_id else None
        record = view.users.get(user_id) if view else None
        if record is None:
            raise NotFound(f"The user {key!r}")
        return view, record

    def _live(self, key):
        """The current record of the user `key`, for a write."""
        record = self.store.tenant.user(key)
        if record is None:
            raise NotFound(f"The user {key!r}")
        return record

    # -- users ----------------------------------------------------------------------------

    def list_users(self, call):
        refuse_unsupported(call, {"$filter", "$select", "$top", "$skiptoken"})
        wanted = None
        if call.arg("$filter") is not None:
            wanted = parse_filter(call.arg("$filter"), FILTERABLE)
        select = parse_select(call)
        tenant = self.store.tenant
        ids = list(tenant.users) + [i for i in self.store.stale_ids() if i not in tenant.users]
        found = []
        for user_id in ids:
            view = self.store.view(user_id, consume=False)
            record = view.users.get(user_id)
            if record is None or (wanted and not _matches(record, *wanted)):
                continue
            view = self.store.view(user_id)  # this user is read: count it
            found.append(user_view(view, record, select))
        # Graph serves at most 120 users a page when their sign-in activity is selected.
        largest = 120 if select and "signInActivity" in select else 999
        chunk, next_link = page(found, call, self.base, default_size=100, max_size=largest)
        body = {"@odata.context": self._context("users"), "value": chunk}
        if next_link:
            body["@odata.nextLink"] = next_link
        return Reply(200, body)

    def get_user(self, call, key):
        refuse_unsupported(call, {"$select"})
        view, record = self._read(key)
        body = user_view(view, record, parse_select(call))
        return Reply(200, {"@odata.context": self._context("users/$entity"), **body})

    def update_user(self, call, key):
        record = self._live(key)
        changes = {k: v for k, v in (call.json() or {}).items() if not k.startswith("@")}
        fixed = sorted(set(changes) & READ_ONLY)
        if fixed:
            return graph_error(400, "Request_BadRequest",
                               f"These properties cannot be set by updating the user: "
                               f"{', '.join(fixed)}.")
        self.store.before_write(record["id"])
        record.update(changes)
        return Reply(204)

    def delete_user(self, call, key):
        record = self._live(key)
        tenant = self.store.tenant
        self.store.before_write(record["id"])
        groups = tenant.groups_of(record["id"])
        for group in groups:
            group["members"].remove(record["id"])
        del tenant.users[record["id"]]
        tenant.deleted[record["id"]] = dict(record, deletedDateTime=now_utc(),
                                            memberOf=[g["id"] for g in groups])
        return Reply(204)

    def revoke(self, call, key):
        record = self._live(key)
        self.store.before_write(record["id"])
        record["signInSessionsValidFromDateTime"] = now_utc()
        return Reply(200, {"@odata.context": self._context("Edm.Boolean"), "value": True})

    def assign_license(self, call, key):
        record = self._live(key)
        tenant = self.store.tenant
        body = call.json() or {}
        add, remove = body.get("addLicenses"), body.get("removeLicenses")
        if add is None or remove is None:
            return graph_error(400, "Request_BadRequest",
                               "assignLicense takes both addLicenses and removeLicenses "
                               "(either may be empty).")
        for sku in [a.get("skuId") for a in add] + list(remove):
            if sku not in tenant.skus:
                return graph_error(400, "Request_BadRequest",
                                   f"License {sku} is not a subscribed SKU of the tenant.")
        states = tenant.license_states(record["id"])
        direct = {lic["skuId"] for lic in record["licenses"]}
        for sku in remove:
            if sku in direct:
                continue
            groups = [group for s, group, _ in states if s == sku and group]
            if groups:
                return graph_error(400, "Request_BadRequest",
                                   f"License {sku} is assigned to the user through group "
                                   f"{', '.join(groups)}; it cannot be removed from the user "
                                   "directly.")
            return graph_error(400, "Request_BadRequest",
                               f"The user does not hold license {sku}.")
        held = set(tenant.held(record["id"]))
        for entry in add:
            sku = tenant.skus[entry["skuId"]]
            if entry["skuId"] not in held and tenant.consumed(entry["skuId"]) >= sku["enabled"]:
                return graph_error(400, "Request_BadRequest",
                                   f"No unit of {sku['skuPartNumber']} ({entry['skuId']}) is "
                                   "left to assign.")
        self.store.before_write(record["id"])
        licenses = [lic for lic in record["licenses"] if lic["skuId"] not in remove]
        for entry in add:
            plans = list(entry.get("disabledPlans") or [])
            existing = next((lic for lic in licenses if lic["skuId"] == entry["skuId"]), None)
            if existing:
                existing["disabledPlans"] = plans
            else:
                licenses.append({"skuId": entry["skuId"], "disabledPlans": plans})
        record["licenses"] = licenses
        return Reply(200, {"@odata.context": self._context("users/$entity"),
                           **user_view(tenant, record, None)})

    def member_of(self, call, key):
        refuse_unsupported(call, {"$select", "$top", "$skiptoken"})
        view, record = self._read(key)
        select = parse_select(call)
        groups = [group_view(g, select) for g in view.groups_of(record["id"])]
        chunk, next_link = page(groups, call, self.base, default_size=100)
        body = {"@odata.context": self._context("directoryObjects"), "value": chunk}
        if next_link:
            body["@odata.nextLink"] = next_link
        return Reply(200, body)

    def manager(self, call, key):
        refuse_unsupported(call, {"$select"})
        view, record = self._read(key)
        manager = view.users.get(record.get("manager") or "")
        if manager is None:
            raise NotFound(f"The manager of the user {key!r}")
        return Reply(200, {"@odata.context": self._context("directoryObjects/$entity"),
                           "@odata.type": "#microsoft.graph.user",
                           **user_view(view, manager, parse_select(call))})

    def get_mailbox(self, call, key):
        refuse_unsupported(call, {"$select"})
        _, record = self._read(key)
        settings = _mailbox(record)
        select = parse_select(call)
        if select is not None:
            settings = {k: settings.get(k) for k in select}
        return Reply(200, {"@odata.context": self._context(f"users('{record['id']}')/"
                                                           "mailboxSettings"), **settings})

    def update_mailbox(self, call, key):
        record = self._live(key)
        settings = _mailbox(record)
        self.store.before_write(record["id"])
        for name, value in (call.json() or {}).items():
            if name.startswith("@"):
                continue
            if isinstance(value, dict) and isinstance(settings.get(name), dict):
                value = {**settings[name], **value}
            settings[name] = value
        record["mailboxSettings"] = settings
        return Reply(200, {"@odata.context": self._context(f"users('{record['id']}')/"
                                                           "mailboxSettings"), **settings})

    # -- groups and SKUs ------------------------------------------------------------------

    def remove_member(self, call, group_id, member_id):
        group = self.store.tenant.groups.get(group_id)
        if group is None:
            return not_found(f"The group {group_id!r}")
        if "DynamicMembership" in group["groupTypes"]:
            return graph_error(400, "Request_BadRequest",
                               "The members of a dynamic group follow its membership rule; "
                               "they cannot be removed one by one.")
        if group["onPremisesSyncEnabled"]:
            return graph_error(400, "Request_BadRequest",
                               "The group is synchronised from an on-premises directory; its "
                               "members can only be changed there.")
        if member_id not in group["members"]:
            return not_found(f"The member {member_id!r} of the group {group_id!r}")
        self.store.before_write(member_id)
        group["members"].remove(member_id)
        return Reply(204)

    def subscribed_skus(self, call):
        refuse_unsupported(call, {"$select"})
        tenant = self.store.tenant
        select = parse_select(call)
        skus = []
        for sku_id, sku in tenant.skus.items():
            full = {"id": f"{self.tenant_id}_{sku_id}", "skuId": sku_id,
                    "skuPartNumber": sku["skuPartNumber"], "appliesTo": "User",
                    "capabilityStatus": "Enabled", "consumedUnits": tenant.consumed(sku_id),
                    "prepaidUnits": {"enabled": sku["enabled"], "suspended": 0, "warning": 0},
                    "servicePlans": []}
            skus.append(full if select is None else {k: full.get(k) for k in select})
        return Reply(200, {"@odata.context": self._context("subscribedSkus"), "value": skus})


def user_view(tenant, record, select):
    """A user as Graph shows it: the default properties, or exactly those of `$select`."""
    user_id = record["id"]
    direct = {lic["skuId"]: lic["disabledPlans"] for lic in record["licenses"]}
    derived = {
        "assignedLicenses": [{"skuId": sku, "disabledPlans": direct.get(sku, [])}
                             for sku in tenant.held(user_id)],
        "licenseAssignmentStates": [
            {"skuId": sku, "assignedByGroup": group, "state": "Active", "error": "None",
             "disabledPlans": plans}
            for sku, group, plans in tenant.license_states(user_id)],
        "signInActivity": record.get("signInActivity"),
        "mailboxSettings": _mailbox(record) if record.get("mail") else None,
    }
    view = {}
    for name in select or DEFAULT_USER:
        if name in NAVIGATION:
            continue
        if name in derived:
            view[name] = derived[name]
        elif name in record and name not in INTERNAL:
            view[name] = record[name]
        else:
            view[name] = [] if name in COLLECTIONS else None
    return view


def group_view(group, select):
    """A group as an item of a directoryObject collection."""
    dynamic = "DynamicMembership" in group["groupTypes"]
    full = {k: group.get(k) for k in DEFAULT_GROUP}
    full["membershipRuleProcessingState"] = "On" if dynamic else None
    view = {"@odata.type": "#microsoft.graph.group"}
    for name in select or DEFAULT_GROUP:
        view[name] = full.get(name)
    return view


def _matches(record, name, value):
    actual = record.get(name)
    return isinstance(actual, str) and actual.casefold() == value.casefold()


def _mailbox(record):
    """The user's mailbox settings (a copy), or NotFound for a user without a mailbox."""
    if not record.get("mail"):
        raise NotFound(f"A mailbox for the user {record['id']!r}", "MailboxNotEnabledForRESTAPI")
    return copy.deepcopy(record.get("mailboxSettings") or DEFAULT_MAILBOX)
