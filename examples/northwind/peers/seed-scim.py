#!/usr/bin/env python3
"""Seed a SCIM 2.0 server with the users and groups of a JSON file.

Usage: seed-scim.py BASE_URL SEED.json   (the bearer token is read from NORTHWIND_SCIM_TOKEN)

The file holds {"users": [User, ...], "groups": [{"displayName": ..., "members": [userName, ...]}]}:
users are posted as they are; group members are named by userName and posted as the ids the
server assigned. Standard library only.
"""

import json
import os
import sys
import urllib.error
import urllib.request

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def post(base, token, path, resource):
    request = urllib.request.Request(
        base.rstrip("/") + path,
        data=json.dumps(resource).encode(),
        method="POST",
        headers={
            "Content-Type": "application/scim+json",
            "Authorization": "Bearer " + token,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:300]
        sys.exit(f"seed-scim: POST {path} answered {error.code}: {detail}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base, seed_file = sys.argv[1], sys.argv[2]
    token = os.environ.get("NORTHWIND_SCIM_TOKEN", "")
    if not token:
        sys.exit("seed-scim: NORTHWIND_SCIM_TOKEN is not set")
    with open(seed_file, encoding="utf-8") as f:
        seed = json.load(f)
    ids = {}
    for user in seed["users"]:
        created = post(base, token, "/Users", {"schemas": [USER], **user})
        ids[user["userName"]] = created["id"]
    for group in seed["groups"]:
        members = [{"value": ids[name]} for name in group["members"]]
        post(base, token, "/Groups",
             {"schemas": [GROUP], "displayName": group["displayName"], "members": members})
    print(f"seeded {len(seed['users'])} users and {len(seed['groups'])} groups")


if __name__ == "__main__":
    main()
