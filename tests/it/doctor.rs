//! `offboard doctor` against the Northwind peers (a real scim2-server, a real OpenLDAP `slapd`,
//! a scripted webhook receiver, the embedded store): with the SCIM URL on a closed port and a
//! wrong LDAP bind password, doctor exits 1 naming both; once both are fixed it exits 0. It
//! never changes a target: the SCIM users, the LDAP entries and the repository's files are the
//! same afterwards, the webhook receiver got no message, and no secret is printed.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use crate::peers::northwind::{NANCY_EMAIL, Northwind, Peers, Secrets};
use crate::peers::{entra, google_workspace};
use crate::support::Output;
use crate::support::peers::free_port;
use crate::support::peers::google::{GoogleServer, key_pair};
use crate::support::peers::graph::GraphServer;
use crate::support::peers::ldap::{PEOPLE, ROOT_DN, Slapd};
use crate::support::peers::okta::OktaServer;
use crate::support::repo::Repo;

/// The canary accounts: Nancy, who stays, in each system holding accounts.
const CANARY: &str = "doctor:\n  canary:\n    idp: nancy.davolio@northwind.example\n    directory: nancy\n    inventory: nancy\n";

/// `(system, check, status)` of every check in doctor's JSON.
fn statuses(out: &Output) -> Vec<(String, String, String)> {
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_owned();
            (s("system"), s("check"), s("status"))
        })
        .collect()
}

/// The check `system`/`check` of doctor's JSON.
fn check<'a>(report: &'a Value, system: &str, check: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["system"] == system && c["check"] == check)
        .unwrap_or_else(|| panic!("no {system}/{check} in {report}"))
}

fn expected(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn doctor_names_the_down_peer_and_the_wrong_credential_and_passes_once_both_are_fixed() {
    let secrets = Secrets::new();
    let peers = Peers::start(&secrets);
    let closed = format!("http://127.0.0.1:{}/v2", free_port());
    let mut nw = Northwind::new(
        &closed,
        &peers.slapd.url(),
        &peers.finance.url,
        "5s",
        &secrets,
    );
    let config = nw.dir().join("offboard.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}{CANARY}")).unwrap();
    // The embedded store exists once a plan has read it (a plan changes no system).
    // (It stops at the SCIM server, which is down.)
    let plan = nw.run(&["plan", "robert"]);
    assert!(nw.dir().join("state/inventory.db").is_file(), "{plan}");
    let journal = nw.dir().join("journal");
    std::fs::create_dir(&journal).unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o700)).unwrap();
    let wrong = format!("wrongPASSWORD{}", crate::support::peers::random_hex(8));
    for (var, value) in &mut nw.env {
        if var == "NORTHWIND_LDAP_PASSWORD" {
            *value = wrong.clone();
        }
    }
    let files = nw.snapshot();
    let (scim_before, ldap_before, _) = peers.fingerprint();

    let broken = nw.run_live(&["--format", "json", "doctor"]).expect(1);
    let report: Value = serde_json::from_str(&broken.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(
        statuses(&broken),
        expected(&[
            ("hr", "connection", "ok"),
            ("directory", "connection", "ok"),
            ("directory", "tls", "warn"),
            ("directory", "credentials", "fail"),
            ("directory", "canary", "skip"),
            ("finance", "connection", "ok"),
            ("finance", "tls", "warn"),
            // The scripted receiver sends no `Date` header.
            ("finance", "clock", "skip"),
            ("finance", "credentials", "skip"),
            ("idp", "connection", "fail"),
            ("idp", "tls", "skip"),
            ("idp", "clock", "skip"),
            ("idp", "credentials", "skip"),
            ("idp", "canary", "skip"),
            ("inventory", "connection", "ok"),
            ("inventory", "credentials", "skip"),
            ("inventory", "canary", "ok"),
            ("signing", "signing_key", "ok"),
            ("signing", "allowed_signers", "ok"),
            ("signing", "operator", "ok"),
            ("journal", "permissions", "ok"),
        ])
    );
    let down = check(&report, "idp", "connection");
    let port = closed
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/v2");
    assert!(
        down["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}")),
        "{down}"
    );
    assert_eq!(
        down["fix"],
        "start the service, open the network path to it, or correct `connectors.idp.base_url`"
    );
    let refused = check(&report, "directory", "credentials");
    assert_eq!(
        refused["detail"],
        json!(format!(
            "bind to {} as cn=admin,dc=northwind,dc=example: invalidCredentials (49)",
            peers.slapd.url()
        ))
    );
    assert_eq!(
        refused["fix"],
        "check `connectors.directory.bind_dn` and the password in NORTHWIND_LDAP_PASSWORD"
    );
    assert_eq!(
        check(&report, "inventory", "canary")["detail"],
        "found `nancy` (nw-1002) and read its state"
    );

    // The human form: one line per check, the fix under each failure.
    let human = nw.run_live(&["doctor"]).expect(1);
    let lines: Vec<&str> = human.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("FAIL") && l.contains("idp") && l.contains("connection"))
        .unwrap_or_else(|| panic!("{human}"));
    assert_eq!(
        lines[at + 1],
        "      fix: start the service, open the network path to it, or correct `connectors.idp.base_url`"
    );
    assert_eq!(
        lines.last().unwrap(),
        &"doctor FAILED: 21 check(s), 2 failed, 2 warning(s)"
    );

    // Fix both: the SCIM server's real URL, the right password.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace(&closed, &peers.scim.base_url)).unwrap();
    for (var, value) in &mut nw.env {
        if var == "NORTHWIND_LDAP_PASSWORD" {
            *value = secrets.ldap_password.clone();
        }
    }
    let fixed = nw.run_live(&["--format", "json", "doctor"]).expect(0);
    let report: Value = serde_json::from_str(&fixed.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let failed: Vec<_> = statuses(&fixed)
        .into_iter()
        .filter(|(_, _, status)| status == "fail")
        .collect();
    assert!(failed.is_empty(), "{fixed}");
    assert_eq!(
        check(&report, "idp", "canary")["detail"],
        json!(format!(
            "found `{NANCY_EMAIL}` ({}) and read its state",
            peers.scim_id(NANCY_EMAIL)
        ))
    );
    assert_eq!(check(&report, "directory", "canary")["status"], "ok");
    assert_eq!(check(&report, "directory", "credentials")["status"], "ok");
    assert_eq!(check(&report, "idp", "clock")["status"], "ok");

    // At a clock nine days behind the servers' (`OFFBOARD_NOW`), the skew is a warning only.
    let skewed = nw.run_at("2026-11-30T09:00:00Z", &["--format", "json", "doctor"]);
    let report: Value = serde_json::from_str(&skewed.stdout).unwrap();
    let clock = check(&report, "idp", "clock");
    assert_eq!(clock["status"], "warn", "{clock}");
    assert!(
        clock["detail"]
            .as_str()
            .unwrap()
            .contains("behind the server's"),
        "{clock}"
    );

    // Nothing changed anywhere: files, SCIM users, LDAP entries; the receiver got no message.
    let after = nw.snapshot();
    let changed: Vec<_> = files
        .keys()
        .chain(after.keys())
        .filter(|p| files.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "doctor changed {changed:?}");
    let (scim_after, ldap_after, _) = peers.fingerprint();
    assert_eq!((scim_after, ldap_after), (scim_before, ldap_before));
    let sent: Vec<String> = peers
        .finance
        .requests()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert!(sent.iter().all(|m| m == "GET"), "{sent:?}");
    for out in [&broken, &human, &fixed, &skewed] {
        for secret in [
            &secrets.scim_token,
            &secrets.ldap_password,
            &secrets.finance_secret,
            &wrong,
        ] {
            assert!(!out.stdout.contains(secret.as_str()), "{out}");
            assert!(!out.stderr.contains(secret.as_str()), "{out}");
        }
    }
}

#[test]
fn a_canary_naming_an_unknown_connector_is_a_configuration_error() {
    let secrets = Secrets::new();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let nw = Northwind::new(
        &format!("{closed}/v2"),
        "ldap://127.0.0.1:1",
        &closed,
        "5s",
        &secrets,
    );
    let config = nw.dir().join("offboard.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}doctor:\n  canary:\n    crm: nancy\n"),
    )
    .unwrap();
    let out = nw.run(&["doctor"]).expect(2);
    assert!(
        out.stderr
            .contains("`doctor.canary.crm` names no configured connector"),
        "{out}"
    );
}

/// Acme's repository with an LDAP directory `vpn` at `url`, its password in `ACME_VPN_PASSWORD`.
fn acme_with_ldap(url: &str) -> Repo {
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml");
    let vpn = format!(
        "connectors:\n  vpn:\n    type: ldap\n    url: {url}\n    bind_dn: {ROOT_DN}\n    \
         password_env: ACME_VPN_PASSWORD\n    base_dn: {PEOPLE}\n    \
         match: {{ attribute: uid, value: \"{{{{ employee.username }}}}\" }}\n    \
         disable: {{ method: ppolicy_lock }}\n"
    );
    assert!(config.contains("connectors:\n"));
    repo.write("offboard.yaml", &config.replacen("connectors:\n", &vpn, 1));
    repo
}

#[test]
fn ldaps_passes_only_with_the_servers_certificate_trusted() {
    let slapd = Slapd::builder().tls().start();
    let repo = acme_with_ldap(&slapd.ldaps_url());
    let doctor = |trust: Option<&std::path::Path>| {
        let test = repo
            .offboard(["--format", "json", "doctor"])
            .env("ACME_VPN_PASSWORD", &slapd.password)
            .any_status();
        match trust {
            Some(ca) => test.env("SSL_CERT_FILE", ca.to_str().unwrap()),
            None => test,
        }
        .run()
    };

    let untrusted = doctor(None).expect(1);
    let report: Value = serde_json::from_str(&untrusted.stdout).unwrap();
    let tls = check(&report, "vpn", "tls");
    assert_eq!(tls["status"], "fail", "{tls}");
    let detail = tls["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("TLS handshake with 127.0.0.1 failed: ")
            && detail.contains("certificate"),
        "{tls}"
    );
    assert!(
        tls["fix"].as_str().unwrap().contains("SSL_CERT_FILE"),
        "{tls}"
    );
    // The bind goes over the same untrusted connection.
    assert_eq!(check(&report, "vpn", "credentials")["status"], "fail");

    let trusted = doctor(Some(slapd.ca_file())).expect(0);
    let report: Value = serde_json::from_str(&trusted.stdout).unwrap();
    let tls = check(&report, "vpn", "tls");
    assert_eq!(tls["status"], "ok", "{tls}");
    assert!(
        tls["detail"]
            .as_str()
            .unwrap()
            .ends_with("; certificate trusted"),
        "{tls}"
    );
    assert_eq!(check(&report, "vpn", "credentials")["status"], "ok");
    for out in [&untrusted, &trusted] {
        assert!(!out.stdout.contains(&slapd.password), "{out}");
        assert!(!out.stderr.contains(&slapd.password), "{out}");
    }
}

#[test]
fn the_signing_keys_window_and_the_operator_role_are_checked() {
    let repo = Repo::acme();
    let allowed = repo.read("allowed_signers");
    let signing = |repo: &Repo| {
        let out = repo
            .offboard(["--format", "json", "doctor"])
            .any_status()
            .run();
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        let key = check(&report, "signing", "signing_key").clone();
        let operator = check(&report, "signing", "operator").clone();
        (out.code, key, operator)
    };

    // A fresh checkout: nothing fails (the store and the journal do not exist yet: warnings).
    let (code, key, operator) = signing(&repo);
    assert_eq!(code, Some(0), "{key}");
    assert_eq!(key["status"], "ok");
    assert_eq!(operator["status"], "ok");
    assert_eq!(
        operator["detail"],
        "`it-ops@acme.example` holds an operator role (iam)"
    );

    // Valid for ten more days (the clock is 2026-11-30): a warning.
    let dated = |until: &str| {
        allowed.replacen(
            "it-ops@acme.example namespaces=\"offboard\"",
            &format!("it-ops@acme.example namespaces=\"offboard\",valid-before=\"{until}\""),
            1,
        )
    };
    repo.write("allowed_signers", &dated("20261210"));
    let (code, key, _) = signing(&repo);
    assert_eq!(
        (code, key["status"].as_str()),
        (Some(0), Some("warn")),
        "{key}"
    );
    assert!(
        key["detail"]
            .as_str()
            .unwrap()
            .contains("signs as `it-ops@acme.example` now, but not in 30 days"),
        "{key}"
    );

    // Expired: a failure.
    repo.write("allowed_signers", &dated("20261101"));
    let (code, key, _) = signing(&repo);
    assert_eq!(
        (code, key["status"].as_str()),
        (Some(1), Some("fail")),
        "{key}"
    );
    assert!(
        key["detail"].as_str().unwrap().contains("valid-before"),
        "{key}"
    );

    // No operator role: a failure naming the roles.
    repo.write("allowed_signers", &allowed);
    let config = repo.read("offboard.yaml");
    repo.write(
        "offboard.yaml",
        &config.replacen("it-ops@acme.example: [iam]", "it-ops@acme.example: [hr]", 1),
    );
    let (code, key, operator) = signing(&repo);
    assert_eq!(code, Some(1));
    assert_eq!(key["status"], "ok");
    assert_eq!(
        operator["detail"],
        "`it-ops@acme.example` holds no operator role (holds: hr; operator roles: iam)"
    );
}

#[test]
fn okta_with_a_refused_token_fails_and_with_the_right_one_finds_the_canary_writing_nothing() {
    let okta = OktaServer::start();
    okta.seed(&json!({
        "users": [{"id": "00u1nancy0000000003", "login": "nancy@acme.example"}],
    }));
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml");
    let connector = format!(
        "connectors:\n  okta:\n    type: okta\n    org_url: {}\n    api_token_env: ACME_OKTA_TOKEN\n",
        okta.base_url
    );
    repo.write(
        "offboard.yaml",
        &format!(
            "{}doctor:\n  canary:\n    okta: nancy@acme.example\n",
            config.replacen("connectors:\n", &connector, 1)
        ),
    );
    let doctor = |token: &str| {
        repo.offboard(["--format", "json", "doctor"])
            .env("ACME_OKTA_TOKEN", token)
            .any_status()
            .run()
    };
    let wrong = format!("00{}", crate::support::peers::random_hex(20));

    let refused = doctor(&wrong).expect(1);
    let report: Value = serde_json::from_str(&refused.stdout).unwrap();
    let credentials = check(&report, "okta", "credentials");
    assert_eq!(credentials["status"], "fail", "{credentials}");
    assert!(
        credentials["detail"].as_str().unwrap().contains("401"),
        "{credentials}"
    );
    assert_eq!(credentials["fix"], "check the API token in ACME_OKTA_TOKEN");
    assert_eq!(check(&report, "okta", "canary")["status"], "skip");

    let passed = doctor(&okta.api_token).expect(0);
    let report: Value = serde_json::from_str(&passed.stdout).unwrap();
    assert_eq!(check(&report, "okta", "credentials")["status"], "ok");
    assert_eq!(
        check(&report, "okta", "canary")["detail"],
        "found `nancy@acme.example` (00u1nancy0000000003) and read its state"
    );

    // The clock is read from an unauthenticated call of the API; at this test's clock
    // (`OFFBOARD_NOW`, days behind the fake's) it is a warning.
    let clock = check(&report, "okta", "clock");
    assert_eq!(clock["status"], "warn", "{clock}");

    let writes: Vec<Value> = okta
        .requests()
        .into_iter()
        .filter(|r| r["method"] != "GET")
        .collect();
    assert!(writes.is_empty(), "doctor wrote to Okta: {writes:?}");
    let violations = okta.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
    for out in [&refused, &passed] {
        for secret in [&wrong, &okta.api_token] {
            assert!(!out.stdout.contains(secret.as_str()), "{out}");
            assert!(!out.stderr.contains(secret.as_str()), "{out}");
        }
    }
}

#[test]
fn entra_with_a_wrong_client_secret_fails_and_with_the_right_one_finds_the_canary_writing_nothing()
{
    let graph = GraphServer::start();
    graph.seed(&entra::seed());
    let repo = entra::repo(&graph);
    let config = repo.read("offboard.yaml");
    repo.write(
        "offboard.yaml",
        &format!("{config}doctor:\n  canary:\n    m365: nancy@acme.example\n"),
    );
    let doctor = |secret: &str| {
        repo.offboard(["--format", "json", "doctor"])
            .env(entra::SECRET_ENV, secret)
            .any_status()
            .run()
    };
    let wrong = format!("wrongSECRET{}", crate::support::peers::random_hex(16));

    let refused = doctor(&wrong).expect(1);
    let report: Value = serde_json::from_str(&refused.stdout).unwrap();
    let credentials = check(&report, "m365", "credentials");
    assert_eq!(credentials["status"], "fail", "{credentials}");
    assert!(
        credentials["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("the client secret in {}", entra::SECRET_ENV)),
        "{credentials}"
    );

    let passed = doctor(&graph.secret).expect(0);
    let report: Value = serde_json::from_str(&passed.stdout).unwrap();
    assert_eq!(check(&report, "m365", "credentials")["status"], "ok");
    assert_eq!(
        check(&report, "m365", "canary")["detail"],
        json!(format!(
            "found `nancy@acme.example` ({}) and read its state",
            entra::NANCY
        ))
    );
    assert_eq!(check(&report, "m365", "clock")["status"], "warn");

    // Only tokens were asked for; nothing was changed in the tenant.
    let writes: Vec<Value> = graph
        .requests()
        .into_iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().ends_with("/token"))
        .collect();
    assert!(writes.is_empty(), "doctor wrote to Graph: {writes:?}");
    let violations = graph.violations();
    assert!(
        violations.is_empty(),
        "contract violations: {violations:#?}"
    );
    for out in [&refused, &passed] {
        for secret in [&wrong, &graph.secret] {
            assert!(!out.stdout.contains(secret.as_str()), "{out}");
            assert!(!out.stderr.contains(secret.as_str()), "{out}");
        }
    }
}

#[test]
fn google_with_an_untrusted_key_fails_and_with_the_delegated_one_finds_the_canary_writing_nothing()
{
    let google = GoogleServer::start();
    google.seed(&google_workspace::seed());
    let repo = google_workspace::repo(&google, google_workspace::leaver::PLAYBOOK);
    let config = repo.read("offboard.yaml");
    repo.write(
        "offboard.yaml",
        &format!("{config}doctor:\n  canary:\n    workspace: nancy@acme.example\n"),
    );
    let doctor = || {
        repo.offboard(["--format", "json", "doctor"])
            .any_status()
            .run()
    };
    // The service account file signed with a key Google does not know.
    let file = google.dir().join("service-account.json");
    let delegated = std::fs::read_to_string(&file).unwrap();
    let (other, _) = key_pair(google.dir(), "not-delegated");
    let mut untrusted: Value = serde_json::from_str(&delegated).unwrap();
    untrusted["private_key"] = json!(std::fs::read_to_string(other).unwrap());
    std::fs::write(&file, untrusted.to_string()).unwrap();

    let refused = doctor().expect(1);
    let report: Value = serde_json::from_str(&refused.stdout).unwrap();
    let credentials = check(&report, "workspace", "credentials");
    assert_eq!(credentials["status"], "fail", "{credentials}");
    assert!(
        credentials["fix"]
            .as_str()
            .unwrap()
            .starts_with("check the service account key, its domain-wide delegation"),
        "{credentials}"
    );

    std::fs::write(&file, delegated).unwrap();
    let passed = doctor().expect(0);
    let report: Value = serde_json::from_str(&passed.stdout).unwrap();
    assert_eq!(check(&report, "workspace", "credentials")["status"], "ok");
    assert_eq!(
        check(&report, "workspace", "canary")["detail"],
        json!(format!(
            "found `nancy@acme.example` ({}) and read its state",
            google_workspace::NANCY
        ))
    );
    assert_eq!(check(&report, "workspace", "clock")["status"], "warn");
    assert_eq!(google_workspace::writes(&google), 0);
    google_workspace::assert_no_violations(&google);
}
