//! The fake Microsoft Graph (tests/peers/graph/) through its real server process, as a
//! connector will use it: tokens by client secret and by certificate assertion, finding a user
//! by each match attribute with a value that needs escaping, disabling, revoking sessions,
//! leaving groups and releasing licenses (and the refusals the real service gives), reading
//! back; eventual consistency; every fault; `$batch`; and the contract check refusing calls
//! that break Graph's published description, listing them, and staying empty on a clean run.
//! What the fake holds afterwards is read from its control API, apart from the Graph answers.

mod peers;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use peers::graph::{Answer, CLIENT_ID, GraphServer, SCOPE};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const E3: &str = "11111111-2222-4333-8444-000000000e03";
const E5: &str = "11111111-2222-4333-8444-000000000e05";
/// Pat O'Brien, the leaver: every match attribute holds a quote.
const PAT: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000001";
const PAT_UPN: &str = "pat.o'brien@contoso.example";
const PAT_MAIL: &str = "o'brien@contoso.example";
const PAT_EMPLOYEE: &str = "E-10'7";
const BOSS: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000002";
/// Nancy: in the same groups, left alone.
const NANCY: &str = "0b7e6a3c-1d2f-4e5a-9b8c-000000000003";
const SALES: &str = "7c1d0e2f-0000-4000-8000-0000000000a1";
const STAFF_DYNAMIC: &str = "7c1d0e2f-0000-4000-8000-0000000000a2";
const FINANCE_SYNCED: &str = "7c1d0e2f-0000-4000-8000-0000000000a3";
const E5_USERS: &str = "7c1d0e2f-0000-4000-8000-0000000000a4";

fn seed() -> Value {
    json!({
        "skus": [
            {"skuId": E3, "skuPartNumber": "ENTERPRISEPACK", "enabled": 5},
            {"skuId": E5, "skuPartNumber": "SPE_E5", "enabled": 5},
        ],
        "users": [
            {"id": PAT, "userPrincipalName": PAT_UPN, "mail": PAT_MAIL,
             "employeeId": PAT_EMPLOYEE, "displayName": "Pat O'Brien", "licenses": [E3],
             "manager": BOSS,
             "signInActivity": {"lastSignInDateTime": "2026-11-20T08:30:00Z"}},
            {"id": BOSS, "userPrincipalName": "boss@contoso.example",
             "mail": "boss@contoso.example", "displayName": "The Boss", "licenses": [E3]},
            {"id": NANCY, "userPrincipalName": "nancy@contoso.example",
             "mail": "nancy@contoso.example", "employeeId": "E-1001", "displayName": "Nancy"},
        ],
        "groups": [
            {"id": SALES, "displayName": "Sales", "members": [PAT, NANCY]},
            {"id": STAFF_DYNAMIC, "displayName": "All staff", "groupTypes": ["DynamicMembership"],
             "membershipRule": "user.accountEnabled -eq true", "members": [PAT, NANCY]},
            {"id": FINANCE_SYNCED, "displayName": "Finance", "onPremisesSyncEnabled": true,
             "members": [PAT]},
            {"id": E5_USERS, "displayName": "E5 users", "members": [PAT, NANCY],
             "licenses": [E5]},
        ],
    })
}

/// A started fake, seeded, and a token for it.
fn seeded() -> (GraphServer, String) {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let token = graph.token();
    (graph, token)
}

fn user_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("user {id} in {state}"))
}

fn group_in_state<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap()
}

fn consumed(state: &Value, sku: &str) -> i64 {
    state["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku)
        .unwrap()["consumedUnits"]
        .as_i64()
        .unwrap()
}

fn error_code(answer: &Answer) -> &str {
    answer.body["error"]["code"].as_str().unwrap_or("")
}

fn assert_no_violations(graph: &GraphServer) {
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
}

// -- tokens ------------------------------------------------------------------------------

/// A throwaway RSA key and self-signed certificate, made with `openssl`.
struct Certificate {
    _dir: tempfile::TempDir,
    key: PathBuf,
    cert: PathBuf,
}

impl Certificate {
    fn new() -> Certificate {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("app-key.pem");
        let cert = dir.path().join("app-cert.pem");
        let status = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=offboard-graph-test", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(status.success());
        Certificate {
            _dir: dir,
            key,
            cert,
        }
    }

    /// Base64url SHA-256 of the certificate's DER form: the `x5t#S256` header.
    fn thumbprint(&self) -> String {
        let der = Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&self.cert)
            .output()
            .unwrap();
        assert!(der.status.success());
        Base64UrlUnpadded::encode_string(&Sha256::digest(&der.stdout))
    }

    /// An RS256 JWT with these header and claims, signed with this certificate's key.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        sign_with(&self.key, header, claims)
    }
}

fn sign_with(key: &Path, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("input");
    std::fs::write(&data, &input).unwrap();
    let signature = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg(&data)
        .output()
        .unwrap();
    assert!(signature.status.success());
    format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&signature.stdout)
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assertion_form(assertion: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", CLIENT_ID.into()),
        ("scope", SCOPE.into()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
        ),
        ("client_assertion", assertion.into()),
    ]
}

fn post_assertion(graph: &GraphServer, assertion: &str) -> Answer {
    let form = assertion_form(assertion);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    graph.request_token(&form)
}

#[test]
fn tokens_by_secret_and_by_certificate_assertion() {
    let certificate = Certificate::new();
    let graph = GraphServer::start_with_cert(Some(&certificate.cert));
    graph.seed(&seed());

    // By secret: a token that Graph takes.
    let token = graph.token();
    let users = graph.get("/users", &[], &token);
    assert_eq!(users.status, 200, "{:?}", users.body);
    assert_eq!(users.body["value"].as_array().unwrap().len(), 3);

    // A wrong secret: 401 invalid_client, and neither secret is echoed.
    let wrong = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", "wrongSECRETvalue"),
        ("scope", SCOPE),
    ]);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "invalid_client");
    let text = wrong.body.to_string();
    assert!(!text.contains("wrongSECRETvalue") && !text.contains(&graph.secret));
    // Another client id, another scope.
    let stranger = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", "00000000-0000-0000-0000-000000000000"),
        ("client_secret", &graph.secret),
        ("scope", SCOPE),
    ]);
    assert_eq!(
        (stranger.status, stranger.body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let scope = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", &graph.secret),
        ("scope", "User.Read.All"),
    ]);
    assert_eq!(
        (scope.status, scope.body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // By certificate: a signed assertion naming the certificate.
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t#S256": certificate.thumbprint()});
    let claims = |jti: &str, aud: &str, exp: u64| {
        json!({"aud": aud, "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": jti,
               "nbf": now() - 5, "iat": now() - 5, "exp": exp})
    };
    let good = certificate.sign(&header, &claims("jti-1", &graph.token_url(), now() + 600));
    let issued = post_assertion(&graph, &good);
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_eq!(issued.body["token_type"], "Bearer");
    assert!(issued.body["expires_in"].as_i64().unwrap() > 0);
    let by_cert = issued.body["access_token"].as_str().unwrap();
    assert_eq!(
        graph.get(&format!("/users/{PAT}"), &[], by_cert).status,
        200
    );

    // Each broken rule: 401 invalid_client, naming the rule, never quoting the assertion.
    let other_key = Certificate::new();
    let cases = [
        ("replayed", good.clone(), "used before"),
        (
            "wrong audience",
            certificate.sign(
                &header,
                &claims("jti-2", "https://elsewhere/token", now() + 600),
            ),
            "aud",
        ),
        (
            "expired",
            certificate.sign(&header, &claims("jti-3", &graph.token_url(), now() - 60)),
            "expired",
        ),
        (
            "signed by another key",
            other_key.sign(&header, &claims("jti-4", &graph.token_url(), now() + 600)),
            "signature",
        ),
        (
            "another certificate named",
            certificate.sign(
                &json!({"alg": "RS256", "typ": "JWT", "x5t#S256": other_key.thumbprint()}),
                &claims("jti-5", &graph.token_url(), now() + 600),
            ),
            "x5t#S256",
        ),
        (
            "no jti",
            certificate.sign(
                &header,
                &json!({"aud": graph.token_url(), "iss": CLIENT_ID, "sub": CLIENT_ID,
                        "exp": now() + 600}),
            ),
            "jti",
        ),
    ];
    for (case, assertion, rule) in cases {
        let refused = post_assertion(&graph, &assertion);
        assert_eq!(refused.status, 401, "{case}: {:?}", refused.body);
        assert_eq!(refused.body["error"], "invalid_client", "{case}");
        let description = refused.body["error_description"].as_str().unwrap();
        assert!(description.contains(rule), "{case}: {description}");
        assert!(!refused.body.to_string().contains(&assertion), "{case}");
    }

    // Tokens expire: with a one-second lifetime, a token stops working; a fresh one works.
    graph.control(Method::POST, "tokens", Some(&json!({"lifetime": 1})));
    let short = graph.token();
    std::thread::sleep(Duration::from_millis(1500));
    let expired = graph.get(&format!("/users/{PAT}"), &[], &short);
    assert_eq!(
        (expired.status, error_code(&expired)),
        (401, "InvalidAuthenticationToken")
    );
    graph.control(Method::POST, "tokens", Some(&json!({"lifetime": 3600})));
    assert_eq!(
        graph
            .get(&format!("/users/{PAT}"), &[], &graph.token())
            .status,
        200
    );
    // No token at all.
    let anonymous = graph.get("/users", &[], "");
    assert_eq!(
        (anonymous.status, error_code(&anonymous)),
        (401, "InvalidAuthenticationToken")
    );
    assert_no_violations(&graph);
}

// -- the offboarding calls ----------------------------------------------------------------

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

// -- eventual consistency -----------------------------------------------------------------

#[test]
fn reads_after_a_write_are_stale_for_a_while_then_fresh() {
    let (graph, token) = seeded();
    let enabled = |graph: &GraphServer| {
        let got = graph.get(
            &format!("/users/{PAT}"),
            &[("$select", "accountEnabled")],
            &token,
        );
        assert_eq!(got.status, 200, "{:?}", got.body);
        got.body["accountEnabled"].as_bool().unwrap()
    };
    let disable = |graph: &GraphServer, value: bool| {
        let patched = graph.call(
            Method::PATCH,
            &format!("/users/{PAT}"),
            &[],
            &token,
            Some(&json!({"accountEnabled": value})),
        );
        assert_eq!(patched.status, 204);
    };

    // The next two reads see the old state, the third the new one.
    graph.control(Method::POST, "lag", Some(&json!({"reads": 2})));
    disable(&graph, false);
    assert_eq!(
        [enabled(&graph), enabled(&graph), enabled(&graph)],
        [true, true, false]
    );
    // The write itself is done at once.
    assert_eq!(user_in_state(&graph.state(), PAT)["accountEnabled"], false);

    // By time: stale at first, fresh after the lag; a lookup by filter lags the same way.
    graph.control(Method::POST, "lag", Some(&json!({"ms": 600})));
    disable(&graph, true);
    let started = Instant::now();
    assert!(!enabled(&graph), "first read after the write is stale");
    let filter = format!("mail eq '{}'", PAT_MAIL.replace('\'', "''"));
    let listed = graph.get(
        "/users",
        &[("$filter", &filter), ("$select", "accountEnabled")],
        &token,
    );
    if started.elapsed() < Duration::from_millis(500) {
        assert_eq!(listed.body["value"][0]["accountEnabled"], false);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !enabled(&graph) {
        assert!(Instant::now() < deadline, "never became fresh");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_no_violations(&graph);
}

// -- faults -------------------------------------------------------------------------------

#[test]
fn every_fault_then_the_call_succeeds() {
    let (graph, token) = seeded();
    let user = format!("/users/{PAT}");

    // 429 with Retry-After, for the one call it was queued for.
    graph.fault(
        &json!({"kind": "throttle", "method": "GET", "path": "/v1.0/users/*", "retry_after": 2}),
    );
    let throttled = graph.get(&user, &[], &token);
    assert_eq!(
        (throttled.status, error_code(&throttled)),
        (429, "TooManyRequests")
    );
    assert_eq!(throttled.headers["retry-after"], "2");
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // 503 with and without Retry-After.
    graph.fault(&json!([
        {"kind": "unavailable", "path": "/v1.0/users/*", "retry_after": 1},
        {"kind": "unavailable", "path": "/v1.0/users/*"},
    ]));
    let first = graph.get(&user, &[], &token);
    assert_eq!(first.status, 503);
    assert_eq!(first.headers["retry-after"], "1");
    let second = graph.get(&user, &[], &token);
    assert_eq!(second.status, 503);
    assert!(!second.headers.contains_key("retry-after"));
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // The token expires now: 401, and a fresh token works.
    graph.fault(&json!({"kind": "expire_token", "path": "/v1.0/users/*"}));
    let expired = graph.get(&user, &[], &token);
    assert_eq!(
        (expired.status, error_code(&expired)),
        (401, "InvalidAuthenticationToken")
    );
    assert_eq!(graph.get(&user, &[], &token).status, 401, "stays expired");
    let token = graph.token();
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // A permanent 403 on group membership changes; other calls go through.
    graph.fault(&json!({"kind": "forbidden", "method": "DELETE", "path": "/v1.0/groups/*/members/*", "times": null}));
    for _ in 0..3 {
        let denied = graph.call(
            Method::DELETE,
            &format!("/groups/{SALES}/members/{PAT}/$ref"),
            &[],
            &token,
            None,
        );
        assert_eq!(
            (denied.status, error_code(&denied)),
            (403, "Authorization_RequestDenied")
        );
        assert!(
            denied.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Insufficient privileges")
        );
    }
    assert_eq!(graph.get(&user, &[], &token).status, 200);
    assert_eq!(
        group_in_state(&graph.state(), SALES)["members"],
        json!([PAT, NANCY])
    );

    // A dropped connection: no answer at all; the next call is served.
    graph.fault(&json!({"kind": "drop", "path": "/v1.0/users/*"}));
    let dropped = reqwest::blocking::Client::new()
        .get(format!("{}/v1.0{user}", graph.base_url))
        .bearer_auth(&token)
        .send();
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(graph.get(&user, &[], &token).status, 200);

    // A delay.
    graph.fault(&json!({"kind": "delay", "path": "/v1.0/users/*", "delay_ms": 700}));
    let started = Instant::now();
    assert_eq!(graph.get(&user, &[], &token).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(700));

    // Bad fault specifications are refused with a reason.
    let refused = reqwest::blocking::Client::new()
        .post(format!("{}/_control/faults", graph.base_url))
        .body(r#"{"kind": "meteor"}"#)
        .send()
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().unwrap().contains("kind must be one of"));

    let log = graph.requests();
    assert!(log.iter().any(|r| r["status"] == 429));
    assert!(
        log.iter().any(|r| r["status"].is_null()),
        "the dropped call"
    );
    assert_no_violations(&graph);
}

// -- $batch -------------------------------------------------------------------------------

#[test]
fn batch_sub_requests_are_routed_and_checked_like_direct_calls() {
    let (graph, token) = seeded();
    let batch = |requests: Value| {
        graph.call(
            Method::POST,
            "/$batch",
            &[],
            &token,
            Some(&json!({"requests": requests})),
        )
    };
    let answered = batch(json!([
        {"id": "1", "method": "PATCH", "url": format!("/users/{PAT}"),
         "headers": {"Content-Type": "application/json"}, "body": {"accountEnabled": false}},
        {"id": "2", "method": "POST", "url": format!("/users/{PAT}/revokeSignInSessions"),
         "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": format!("/users/{PAT}/assignLicense"),
         "headers": {"Content-Type": "application/json"},
         "body": {"addLicenses": [], "removeLicenses": [E3]}},
        {"id": "4", "method": "GET", "url": format!("/users/{PAT}?$select=accountEnabled")},
        {"id": "5", "method": "GET", "url": format!("/users/{PAT}?$select=notAField")},
        {"id": "6", "method": "DELETE", "url": format!("/groups/{STAFF_DYNAMIC}/members/{PAT}/$ref")},
    ]));
    assert_eq!(answered.status, 200, "{:?}", answered.body);
    let responses = answered.body["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id("1")["status"], 204);
    assert_eq!(by_id("2")["body"]["value"], true);
    assert_eq!(by_id("3")["status"], 200);
    assert_eq!(by_id("4")["body"]["accountEnabled"], false);
    assert_eq!(by_id("5")["status"], 400);
    assert_eq!(by_id("5")["body"]["error"]["code"], "ContractViolation");
    assert_eq!(by_id("6")["status"], 400);
    assert_eq!(by_id("6")["body"]["error"]["code"], "Request_BadRequest");
    let pat = user_in_state(&graph.state(), PAT).clone();
    assert_eq!(pat["accountEnabled"], false);
    assert_eq!(pat["licenses"], json!([]));

    // The log shows each sub-request as such; the one violation is the sub-request's.
    let log = graph.requests();
    assert_eq!(log.iter().filter(|r| r["in_batch"] == true).count(), 6);
    assert!(
        log.iter()
            .any(|r| r["path"] == "/v1.0/$batch" && r["in_batch"] == false)
    );
    let violations = graph.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0]["in_batch"], true);

    // A failed dependency; the envelope's own rules: 20 requests at most, unique ids, headers
    // with a body.
    let failed = batch(json!([
        {"id": "a", "method": "GET", "url": "/users/nobody"},
        {"id": "b", "method": "GET", "url": format!("/users/{PAT}"), "dependsOn": ["a"]},
    ]));
    assert_eq!(failed.body["responses"][1]["status"], 424);
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users"}))
        .collect();
    for (case, requests) in [
        ("21 requests", json!(many)),
        (
            "ids twice",
            json!([{"id": "1", "method": "GET", "url": "/users"},
                   {"id": "1", "method": "GET", "url": "/users"}]),
        ),
        (
            "body without headers",
            json!([{"id": "1", "method": "PATCH", "url": format!("/users/{PAT}"),
                    "body": {"accountEnabled": true}}]),
        ),
        (
            "absolute URL",
            json!([{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]),
        ),
    ] {
        let refused = batch(requests);
        assert_eq!(refused.status, 400, "{case}: {:?}", refused.body);
        assert_eq!(error_code(&refused), "ContractViolation", "{case}");
    }
    assert_eq!(graph.violations().len(), 5);
}

// -- the contract -------------------------------------------------------------------------

#[test]
fn calls_that_break_the_description_are_refused_and_listed() {
    let (graph, token) = seeded();
    let user = format!("/users/{PAT}");
    let cases: Vec<(&str, Answer, &str)> = vec![
        (
            "$select of a property users do not have",
            graph.get(&user, &[("$select", "id,notAField")], &token),
            "notAField",
        ),
        (
            "a string for a boolean",
            graph.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"accountEnabled": "no"})),
            ),
            "accountEnabled",
        ),
        (
            "a property users do not have",
            graph.call(
                Method::PATCH,
                &user,
                &[],
                &token,
                Some(&json!({"acountEnabled": false})),
            ),
            "acountEnabled",
        ),
        (
            "a query parameter the operation does not declare",
            graph.get(&user, &[("$filter", "x")], &token),
            "$filter",
        ),
        (
            "$top that is not a number",
            graph.get("/users", &[("$top", "ten")], &token),
            "$top",
        ),
        (
            "a path Graph does not have",
            graph.get(&format!("{user}/notAPath"), &[], &token),
            "no operation",
        ),
        (
            "a license id that is not a GUID",
            graph.call(
                Method::POST,
                &format!("{user}/assignLicense"),
                &[],
                &token,
                Some(&json!({"addLicenses": [], "removeLicenses": ["E3"]})),
            ),
            "removeLicenses",
        ),
        (
            "an automatic-replies status Graph does not know",
            graph.call(
                Method::PATCH,
                &format!("{user}/mailboxSettings"),
                &[],
                &token,
                Some(&json!({"automaticRepliesSetting": {"status": "sometimes"}})),
            ),
            "automaticRepliesSetting",
        ),
    ];
    for (case, answer, place) in &cases {
        assert_eq!(answer.status, 400, "{case}: {:?}", answer.body);
        assert_eq!(error_code(answer), "ContractViolation", "{case}");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(place), "{case}: {message}");
    }
    let violations = graph.violations();
    assert_eq!(violations.len(), cases.len(), "{violations:#?}");
    assert!(violations.iter().all(|v| v["side"] == "request"));
    assert_eq!(violations[0]["query"]["$select"], "id,notAField");
    // Nothing was changed by a refused call.
    assert_eq!(user_in_state(&graph.state(), PAT)["accountEnabled"], true);

    // An answer that breaks the description is caught too: a group seeded with groupTypes as
    // a string is caught by the check of memberOf items as groups (not only directoryObjects),
    // and a sign-in time that is not a date-time by the user's own schema.
    let graph = GraphServer::start();
    graph.seed(&json!({
        "users": [{"id": "u1", "userPrincipalName": "u1@contoso.example",
                   "signInActivity": {"lastSignInDateTime": "last Tuesday"}}],
        "groups": [{"id": "g1", "displayName": "G", "groupTypes": "Unified", "members": ["u1"]}],
    }));
    let token = graph.token();
    let groups = graph.get("/users/u1/memberOf", &[], &token);
    assert_eq!(
        (groups.status, error_code(&groups)),
        (500, "ContractViolation")
    );
    assert!(
        groups.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("microsoft.graph.group")
    );
    let signed_in = graph.get("/users/u1", &[("$select", "signInActivity")], &token);
    assert_eq!(signed_in.status, 500, "{:?}", signed_in.body);
    let violations = graph.violations();
    assert_eq!(violations.len(), 2);
    assert!(violations.iter().all(|v| v["side"] == "response"));
}

#[test]
fn the_example_seed_loads_and_bad_seeds_are_refused_with_the_place() {
    let graph = GraphServer::start();
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/graph/example-seed.json"
        ))
        .unwrap(),
    )
    .unwrap();
    graph.seed(&example);
    let state = graph.state();
    assert_eq!(state["users"].as_array().unwrap().len(), 2);
    assert_eq!(consumed(&state, E5), 1);
    for (seed, place) in [
        (
            json!({"users": [{"id": "u1", "userPrincipalName": "a@b", "manager": "nobody"}]}),
            "users[0].manager",
        ),
        (
            json!({"users": [{"id": "u1", "userPrincipalName": "a@b", "licenses": ["x"]}]}),
            "users[0].licenses[0]",
        ),
        (
            json!({"groups": [{"id": "g", "displayName": "G", "members": ["u9"]}]}),
            "groups[0].members[0]",
        ),
        (json!({"users": [{"id": "u1"}]}), "users[0]"),
        (json!({"people": []}), "people"),
    ] {
        let refused = reqwest::blocking::Client::new()
            .post(format!("{}/_control/state", graph.base_url))
            .body(seed.to_string())
            .send()
            .unwrap();
        assert_eq!(refused.status(), 400);
        let text = refused.text().unwrap();
        assert!(text.contains(place), "{place}: {text}");
    }
}
