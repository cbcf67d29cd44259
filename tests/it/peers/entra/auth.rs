//! How the connector signs in: a certificate's client assertion; a wrong or missing secret
//! fails clearly and never shows the secret.

use std::process::{Command, Stdio};

use super::{MALLORY, SECRET_ENV, assert_no_violations, repo, repo_with, seed, user};
use crate::support::peers::graph::GraphServer;

#[test]
fn a_certificate_signs_the_client_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app-key.pem");
    let cert = dir.path().join("app-cert.pem");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=offboard-entra-test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success());
    let graph = GraphServer::start_with_cert(Some(&cert));
    graph.seed(&seed());
    let credential = format!(
        "    certificate: {}\n    private_key: {}\n",
        cert.display(),
        key.display()
    );
    let repo = repo_with(&graph, &credential);
    // No secret in the environment: the certificate is the only credential.
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .run();
    let state = graph.state();
    assert_eq!(user(&state, MALLORY)["accountEnabled"], false);
    let tokens: Vec<_> = graph
        .requests()
        .into_iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
        .collect();
    // One token for the whole run: cached, not fetched per call.
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["status"], 200);
    assert_no_violations(&graph);
}

#[test]
fn a_wrong_secret_stops_the_run_without_showing_it() {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let repo = repo(&graph);
    let before = graph.state();
    let wrong = "wrongSECRETvalue0123456789";
    let out = repo
        .offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, wrong)
        .status(3)
        .run();
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("token endpoint"), "{all}");
    assert!(all.contains("invalid_client"), "{all}");
    assert!(!all.contains(wrong), "{all}");
    assert!(!all.contains(&graph.secret), "{all}");
    for file in crate::support::files(repo.path()).values() {
        let text = String::from_utf8_lossy(file);
        assert!(!text.contains(wrong));
    }
    assert_eq!(graph.state(), before);
}

#[test]
fn a_missing_secret_variable_is_named() {
    let graph = GraphServer::start();
    let repo = repo(&graph);
    let out = repo
        .offboard(["mallory", "--playbook", "entra-leaver"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains(
            "environment variable ACME_ENTRA_SECRET (the Entra client secret) is not set"
        ),
        "{}",
        out.stderr
    );
    assert!(graph.requests().is_empty());
}

#[test]
fn an_expired_token_is_fetched_again_mid_run() {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let repo = repo(&graph);
    graph.fault(&serde_json::json!(
        {"kind": "expire_token", "method": "PATCH", "path": "/v1.0/users/*"}
    ));
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    let requests = graph.requests();
    let tokens = requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
        .count();
    assert_eq!(tokens, 2, "{requests:#?}");
    let patches: Vec<_> = requests
        .iter()
        .filter(|r| r["method"] == "PATCH")
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(patches, [401, 204]);
    assert_eq!(user(&graph.state(), MALLORY)["accountEnabled"], false);
    assert_no_violations(&graph);
}

#[test]
fn a_missing_permission_stops_the_run_naming_it() {
    let graph = GraphServer::start();
    graph.seed(&seed());
    let repo = repo(&graph);
    graph.fault(&serde_json::json!({"kind": "forbidden", "method": "POST",
        "path": "/v1.0/users/*/revokeSignInSessions", "times": null}));
    let out = repo
        .offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .status(3)
        .run();
    assert!(
        out.stdout.contains("revoke-entra-sessions")
            && out.stdout.contains("403 Forbidden")
            && out
                .stdout
                .contains("grant the application the Microsoft Graph application permission User.RevokeSessions.All"),
        "{}",
        out.stdout
    );
    // Refused once: a permanent failure is not retried.
    let revokes = graph
        .requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .ends_with("/revokeSignInSessions")
        })
        .count();
    assert_eq!(revokes, 1);
    assert_no_violations(&graph);
}

#[test]
fn a_token_near_its_expiry_is_renewed_before_use() {
    // Tokens live 4 s, so one is used for 2 s; Graph's 3 s throttle outlasts the first.
    let graph = GraphServer::start_with_token_lifetime(4);
    graph.seed(&seed());
    let repo = repo(&graph);
    graph.fault(&serde_json::json!(
        {"kind": "throttle", "method": "PATCH", "path": "/v1.0/users/*", "retry_after": 3}
    ));
    repo.offboard(["mallory", "--playbook", "entra-leaver"])
        .env(SECRET_ENV, &graph.secret)
        .run();
    let requests = graph.requests();
    let tokens = requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
        .count();
    assert!(tokens >= 2, "{requests:#?}");
    // No call was refused for an expired token: each was renewed before it was used.
    assert!(
        !requests.iter().any(|r| r["status"] == 401),
        "{requests:#?}"
    );
    assert_eq!(user(&graph.state(), MALLORY)["accountEnabled"], false);
    assert_no_violations(&graph);
}
