"""Okta's resources as the API answers them: users, groups, app links and factors, each with
its `_links`."""

import copy

USER_TYPE = "oty1fake0default0000"


def user_resource(base, user):
    href = f"{base}/api/v1/users/{user['id']}"
    body = {
        "id": user["id"], "status": user["status"], "created": user["created"],
        "activated": user["created"], "statusChanged": user["statusChanged"],
        "lastUpdated": user["statusChanged"], "type": {"id": USER_TYPE},
        "profile": {"firstName": user["firstName"], "lastName": user["lastName"],
                    "login": user["login"], "email": user["email"]},
        "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": href}}}
    if user.get("employeeNumber"):
        body["profile"]["employeeNumber"] = user["employeeNumber"]
    # Okta writes null for a user who never signed in; the description has no nulls, so the
    # fake leaves the property out.
    if user.get("lastLogin"):
        body["lastLogin"] = user["lastLogin"]
    return body


def group_resource(base, group):
    kind = group["type"]
    object_class = {"OKTA_GROUP": "okta:user_group", "BUILT_IN": "okta:user_group",
                    "APP_GROUP": "okta:windows_security_principal"}[kind]
    return {
        "id": group["id"], "created": "2024-01-01T00:00:00.000Z",
        "lastUpdated": "2024-01-01T00:00:00.000Z",
        "lastMembershipUpdated": "2024-01-01T00:00:00.000Z", "objectClass": [object_class],
        "type": kind, "profile": {"name": group["name"], "description": group["description"]},
        "_links": {"self": {"href": f"{base}/api/v1/groups/{group['id']}"}}}


def app_link(base, app, user_id, order):
    return {
        "id": f"{app['id']}-{user_id}", "label": app["label"],
        "linkUrl": f"{base}/home/{app['name']}/{app['id']}/link",
        "logoUrl": f"{base}/assets/img/logos/default.png", "appName": app["name"],
        "appInstanceId": app["id"], "appAssignmentId": f"0ua{app['id'][3:]}{user_id[-6:]}",
        "credentialsSetup": False, "hidden": False, "sortOrder": order}


def factor_resource(base, user, factor):
    body = {"provider": "OKTA", "status": "ACTIVE", "created": "2024-01-01T00:00:00.000Z",
            "lastUpdated": "2024-01-01T00:00:00.000Z", **copy.deepcopy(factor),
            "_links": {"self": {"href": f"{base}/api/v1/users/{user['id']}/factors/"
                                        f"{factor['id']}"}}}
    return body
