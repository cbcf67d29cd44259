//! The calls an offboarding makes, read back through Graph and the control API; paging.

use reqwest::Method;
use serde_json::{Value, json};

use super::peers::graph::GraphServer;
use super::{
    BOSS, E3, E5, E5_USERS, FINANCE_SYNCED, NANCY, PAT, PAT_EMPLOYEE, PAT_MAIL, PAT_UPN, SALES,
    STAFF_DYNAMIC, assert_no_violations, consumed, error_code, group_in_state, seeded,
    user_in_state,
};

#[test]
fn offboards_a_user_and_reads_back_what_graph_holds() {
    let (graph, token) = seeded();
    let select = "id,userPrincipalName,mail,employeeId,accountEnabled";

    // Found by each match attribute, the quote written twice inside the OData literal.
    for (attribute, value) in [
        ("userPrincipalName", PAT_UPN),
        ("mail", PAT_MAIL),
        ("employeeId", PAT_EMPLOYEE),
        ("mail", "O'BRIEN@CONTOSO.EXAMPLE"),
    ] {
        let filter = format!("{attribute} eq '{}'", value.replace('\'', "''"));
        let found = graph.get(
            "/users",
            &[("$filter", &filter), ("$select", select)],
            &token,
        );
        assert_eq!(found.status, 200, "{filter}: {:?}", found.body);
        let value = found.body["value"].as_array().unwrap();
        assert_eq!(value.len(), 1, "{filter}: {value:?}");
        assert_eq!(value[0]["id"], PAT);
        assert_eq!(value[0]["accountEnabled"], true);
        // $select: exactly what was asked for.
        let mut keys: Vec<&str> = value[0]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "accountEnabled",
                "employeeId",
                "id",
                "mail",
                "userPrincipalName"
            ]
        );
    }
    // No match: an empty page. The quote not doubled, or another attribute: 400, as Graph does.
    let none = graph.get(
        "/users",
        &[("$filter", "mail eq 'nobody@contoso.example'")],
        &token,
    );
    assert_eq!(none.body["value"], json!([]));
    for filter in [
        format!("mail eq '{PAT_MAIL}'"),
        "mail eq nobody".to_owned(),
        "mail eq 'a' or mail eq 'b'".to_owned(),
        "jobTitle eq 'x'".to_owned(),
    ] {
        let bad = graph.get("/users", &[("$filter", &filter)], &token);
        assert_eq!(bad.status, 400, "{filter}: {:?}", bad.body);
        assert_ne!(error_code(&bad), "ContractViolation", "{filter}");
    }

    // Read before: licenses direct and through a group, sessions, last sign-in.
    let full = "accountEnabled,assignedLicenses,licenseAssignmentStates,signInSessionsValidFromDateTime,signInActivity";
    let before = graph.get(&format!("/users/{PAT}"), &[("$select", full)], &token);
    assert_eq!(before.status, 200, "{:?}", before.body);
    assert_eq!(
        before.body["signInActivity"]["lastSignInDateTime"],
        "2026-11-20T08:30:00Z"
    );
    let states = before.body["licenseAssignmentStates"].as_array().unwrap();
    assert!(states.contains(
        &json!({"skuId": E3, "assignedByGroup": null, "state": "Active", "error": "None", "disabledPlans": []})
    ));
    assert!(
        states
            .iter()
            .any(|s| s["skuId"] == E5 && s["assignedByGroup"] == E5_USERS)
    );
    let sessions_before = before.body["signInSessionsValidFromDateTime"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = graph.state();
    assert_eq!((consumed(&state, E3), consumed(&state, E5)), (2, 2));

    // Disable.
    let disabled = graph.call(
        Method::PATCH,
        &format!("/users/{PAT}"),
        &[],
        &token,
        Some(&json!({"accountEnabled": false})),
    );
    assert_eq!(disabled.status, 204, "{:?}", disabled.body);
    assert_eq!(disabled.body, Value::Null);

    // Revoke sessions, by the bare and the qualified action name.
    for action in [
        "revokeSignInSessions",
        "microsoft.graph.revokeSignInSessions",
    ] {
        let revoked = graph.call(
            Method::POST,
            &format!("/users/{PAT}/{action}"),
            &[],
            &token,
            None,
        );
        assert_eq!(revoked.status, 200, "{action}: {:?}", revoked.body);
        assert_eq!(revoked.body["value"], true);
    }

    // Groups: the direct one goes; the dynamic and the synced ones are refused, as Graph does.
    let groups = graph.get(&format!("/users/{PAT}/memberOf"), &[], &token);
    assert_eq!(groups.status, 200, "{:?}", groups.body);
    let groups = groups.body["value"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 4);
    assert!(
        groups
            .iter()
            .all(|g| g["@odata.type"] == "#microsoft.graph.group")
    );
    let dynamic = groups.iter().find(|g| g["id"] == STAFF_DYNAMIC).unwrap();
    assert_eq!(dynamic["groupTypes"], json!(["DynamicMembership"]));
    assert_eq!(dynamic["membershipRule"], "user.accountEnabled -eq true");
    let synced = groups.iter().find(|g| g["id"] == FINANCE_SYNCED).unwrap();
    assert_eq!(synced["onPremisesSyncEnabled"], true);
    let leave = |group: &str| {
        graph.call(
            Method::DELETE,
            &format!("/groups/{group}/members/{PAT}/$ref"),
            &[],
            &token,
            None,
        )
    };
    assert_eq!(leave(SALES).status, 204);
    for group in [STAFF_DYNAMIC, FINANCE_SYNCED] {
        let refused = leave(group);
        assert_eq!(refused.status, 400, "{group}: {:?}", refused.body);
        assert_eq!(error_code(&refused), "Request_BadRequest");
    }
    assert_eq!(leave(SALES).status, 404, "a second removal finds nothing");

    // Licenses: the direct one is released; the one through a group is refused, naming it.
    let release = |sku: &str, action: &str| {
        graph.call(
            Method::POST,
            &format!("/users/{PAT}/{action}"),
            &[],
            &token,
            Some(&json!({"addLicenses": [], "removeLicenses": [sku]})),
        )
    };
    let released = release(E3, "assignLicense");
    assert_eq!(released.status, 200, "{:?}", released.body);
    assert_eq!(released.body["id"], PAT);
    let refused = release(E5, "microsoft.graph.assignLicense");
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(E5) && message.contains(E5_USERS),
        "{message}"
    );

    // Out of office, through mailboxSettings.
    let reply = json!({"automaticRepliesSetting": {
        "status": "alwaysEnabled", "externalAudience": "all",
        "internalReplyMessage": "Pat has left; write to the boss.",
        "externalReplyMessage": "Pat has left Contoso."}});
    let set = graph.call(
        Method::PATCH,
        &format!("/users/{PAT}/mailboxSettings"),
        &[],
        &token,
        Some(&reply),
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    let mailbox = graph.get(
        &format!("/users/{PAT}/mailboxSettings"),
        &[("$select", "automaticRepliesSetting")],
        &token,
    );
    assert_eq!(
        mailbox.body["automaticRepliesSetting"]["status"],
        "alwaysEnabled"
    );

    // The manager, then nobody's manager: 404.
    let manager = graph.get(&format!("/users/{PAT}/manager"), &[], &token);
    assert_eq!(
        (manager.status, manager.body["id"].as_str()),
        (200, Some(BOSS))
    );
    assert_eq!(
        graph
            .get(&format!("/users/{BOSS}/manager"), &[], &token)
            .status,
        404
    );

    // Read back through Graph.
    let after = graph.get(&format!("/users/{PAT}"), &[("$select", full)], &token);
    assert_eq!(after.body["accountEnabled"], false);
    assert!(
        after.body["signInSessionsValidFromDateTime"]
            .as_str()
            .unwrap()
            > &*sessions_before
    );
    assert_eq!(
        after.body["assignedLicenses"],
        json!([{"skuId": E5, "disabledPlans": []}])
    );
    let left: Vec<Value> = graph
        .get(&format!("/users/{PAT}/memberOf"), &[], &token)
        .body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].clone())
        .collect();
    assert_eq!(left, [STAFF_DYNAMIC, FINANCE_SYNCED, E5_USERS]);
    let skus = graph.get("/subscribedSkus", &[], &token);
    let e3 = skus.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == E3)
        .unwrap()
        .clone();
    assert_eq!(
        (
            e3["consumedUnits"].as_i64(),
            e3["prepaidUnits"]["enabled"].as_i64()
        ),
        (Some(1), Some(5))
    );

    // And what the fake holds, read from its control API: Pat changed, Nancy untouched.
    let state = graph.state();
    let pat = user_in_state(&state, PAT);
    assert_eq!(pat["accountEnabled"], false);
    assert_eq!(pat["licenses"], json!([]));
    assert_eq!(
        pat["mailboxSettings"]["automaticRepliesSetting"]["internalReplyMessage"],
        "Pat has left; write to the boss."
    );
    assert_eq!(group_in_state(&state, SALES)["members"], json!([NANCY]));
    assert_eq!(
        group_in_state(&state, STAFF_DYNAMIC)["members"],
        json!([PAT, NANCY])
    );
    assert_eq!(user_in_state(&state, NANCY)["accountEnabled"], true);
    assert_eq!((consumed(&state, E3), consumed(&state, E5)), (1, 2));

    // Delete: gone for Graph, kept among the deleted users, its seats freed.
    let deleted = graph.call(Method::DELETE, &format!("/users/{PAT}"), &[], &token, None);
    assert_eq!(deleted.status, 204);
    let gone = graph.get(&format!("/users/{PAT}"), &[], &token);
    assert_eq!(
        (gone.status, error_code(&gone)),
        (404, "Request_ResourceNotFound")
    );
    let state = graph.state();
    assert_eq!(state["deletedUsers"][0]["id"], PAT);
    assert_eq!(consumed(&state, E5), 1);

    // A clean run: every call kept the contract, and each one is in the log.
    assert_no_violations(&graph);
    let log = graph.requests();
    assert!(log.iter().all(|r| r["in_batch"] == false));
    assert!(log.iter().any(|r| r["method"] == "DELETE"
        && r["path"] == format!("/v1.0/groups/{SALES}/members/{PAT}/$ref")
        && r["status"] == 204));
    assert!(log.iter().any(|r| r["query"]["$filter"]
        == format!("employeeId eq '{}'", PAT_EMPLOYEE.replace('\'', "''"))));
}

#[test]
fn pages_follow_next_links_to_the_end() {
    let graph = GraphServer::start();
    let users: Vec<Value> = (0..7)
        .map(|i| json!({"id": format!("user-{i}"), "userPrincipalName": format!("u{i}@contoso.example")}))
        .collect();
    let members: Vec<String> = (0..7).map(|i| format!("user-{i}")).collect();
    let groups: Vec<Value> = (0..5)
        .map(|i| json!({"id": format!("group-{i}"), "displayName": format!("G{i}"), "members": members}))
        .collect();
    graph.seed(&json!({"users": users, "groups": groups}));
    let token = graph.token();
    for (path, expected) in [("/users", 7), ("/users/user-3/memberOf", 5)] {
        let mut seen = Vec::new();
        let mut page = graph.get(path, &[("$top", "3"), ("$select", "id")], &token);
        let mut pages = 1;
        loop {
            assert_eq!(page.status, 200, "{path}: {:?}", page.body);
            for item in page.body["value"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
            let Some(next) = page.body["@odata.nextLink"].as_str() else {
                break;
            };
            page = graph.get_url(next, &token);
            pages += 1;
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), expected, "{path}");
        assert_eq!(pages, expected.div_ceil(3), "{path}");
    }
    let too_big = graph.get("/users", &[("$top", "1000")], &token);
    assert_eq!(too_big.status, 400);
    assert_no_violations(&graph);
}
