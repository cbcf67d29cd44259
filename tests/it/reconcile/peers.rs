//! `offboard reconcile` against the real peers: a scim2-server and an OpenLDAP slapd seeded with
//! accounts of people HR lists as gone, an account HR does not know, disabled accounts and group
//! members; the findings are checked exactly. The same directories are also listed through the
//! library with tiny pages, so paging over several pages is exercised against the real servers.

use std::time::Duration;

use crate::support::Test;
use crate::support::peers::ldap::{DISABLED, PEOPLE, ROOT_DN, Slapd};
use crate::support::peers::scim::ScimServer;
use offboard::connector::ldap::{Bind, DisableMethod, LdapConnector, LdapOptions, MemberAttribute};
use offboard::connector::scim::{ScimAttribute, ScimConnector, ScimOptions};
use offboard::reconcile::{Entitlement, EntitlementSource, LdapSource, ScimSource};
use offboard::retry::RetryPolicy;
use secrecy::SecretString;
use serde_json::{Value, json};

const NOW: &str = "2026-11-19T12:00:00Z";
const DOMAIN: &str = "peers.example";

/// The directory's skeleton: suffix, people, groups, disabled OU and the ppolicy default.
const SKELETON: &str = "\
dn: dc=acme,dc=example
objectClass: dcObject
objectClass: organization
o: Acme
dc: acme

dn: ou=people,dc=acme,dc=example
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=acme,dc=example
objectClass: organizationalUnit
ou: groups

dn: ou=disabled,dc=acme,dc=example
objectClass: organizationalUnit
ou: disabled

dn: ou=policies,dc=acme,dc=example
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=acme,dc=example
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
";

/// An inetOrgPerson `uid` under `parent`, with an `employeeNumber` when given.
fn person(uid: &str, parent: &str, employee_number: Option<&str>, extra: &str) -> String {
    let number = employee_number.map_or(String::new(), |n| format!("employeeNumber: {n}\n"));
    format!(
        "\ndn: uid={uid},{parent}\nobjectClass: inetOrgPerson\nobjectClass: adAccountStandIn\n\
         cn: {uid}\nsn: Test\nuid: {uid}\n{number}{extra}"
    )
}

fn user(name: &str) -> String {
    format!("{name}@{DOMAIN}")
}

/// A raw SCIM request to the server, independent of the connector.
fn scim(server: &ScimServer, method: reqwest::Method, path: &str, body: Value) -> Value {
    let response = reqwest::blocking::Client::new()
        .request(method, format!("{}{path}", server.base_url))
        .bearer_auth(&server.token)
        .header("Content-Type", "application/scim+json")
        .body(body.to_string())
        .send()
        .expect("scim2-server answers");
    let status = response.status();
    let text = response.text().unwrap_or_default();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Seed the SCIM server:
/// - alice (E1, engineer) in engineering: carried by her role, nothing found;
/// - bob (E2, terminated) in engineering and admins: orphaned account and groups;
/// - carol (E3, resigned), deactivated, in engineering: only the group is orphaned;
/// - ghost (no externalId) in admins: unknown to HR;
/// - dave (E4, engineer) in admins: excess;
/// - engineering also lists the admins group (nested) and a dangling id: neither is anyone's.
fn seed_scim(server: &ScimServer) {
    let alice = server.create_user(&user("alice"), Some("E1"));
    let bob = server.create_user(&user("bob"), Some("E2"));
    let carol = server.create_user(&user("carol"), Some("E3"));
    let ghost = server.create_user(&user("ghost"), None);
    let dave = server.create_user(&user("dave"), Some("E4"));
    scim(
        server,
        reqwest::Method::PATCH,
        &format!("/Users/{carol}"),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}],
        }),
    );
    let carol_now = server.user(&carol).expect("carol exists");
    assert_eq!(carol_now["active"], json!(false), "{carol_now}");
    let admins = server.create_group("admins", &[&bob, &ghost, &dave]);
    server.create_group(
        "engineering",
        &[
            &alice,
            &bob,
            &carol,
            &admins,
            "0000000000000000000000000dangling",
        ],
    );
}

/// Seed LDIF, disabled accounts moved to ou=disabled:
/// - alice (E1) in engineering: nothing found;
/// - bob (E2, terminated) in engineering: orphaned account and group;
/// - erin (E5, terminated) moved to ou=disabled, engineering still names her old DN: the group
///   is orphaned, the account is not an entitlement;
/// - frank (no employeeNumber): unknown to HR;
/// - an OU and a group are not accounts.
fn ldap_ldif() -> String {
    let mut ldif = SKELETON.to_owned();
    ldif.push_str(&person("alice", PEOPLE, Some("E1"), ""));
    ldif.push_str(&person("bob", PEOPLE, Some("E2"), ""));
    ldif.push_str(&person("erin", DISABLED, Some("E5"), ""));
    ldif.push_str(&person("frank", PEOPLE, None, ""));
    ldif.push_str(
        "\ndn: cn=engineering,ou=groups,dc=acme,dc=example\nobjectClass: groupOfNames\n\
         cn: engineering\nmember: uid=alice,ou=people,dc=acme,dc=example\n\
         member: UID=Bob, ou=People,dc=acme,dc=example\n\
         member: uid=erin,ou=people,dc=acme,dc=example\n\
         member: uid=nobody,ou=people,dc=acme,dc=example\n",
    );
    ldif
}

/// A repository reconciling `hr.csv` against the two peers.
fn repository(scim: &ScimServer, ldap: &Slapd) -> Test {
    let config = format!(
        "version: 1
hr:
  type: csv
  path: hr.csv
glossary: glossary.yaml
roles: roles.yaml
playbooks: playbooks
connectors:
  idp:
    type: scim
    base_url: {scim_url}
    token_env: RECONCILE_SCIM_TOKEN
    match: {{ attribute: externalId, value: \"{{{{ employee.id }}}}\" }}
    timeout: 10s
  ldap:
    type: ldap
    url: {ldap_url}
    bind_dn: {ROOT_DN}
    password_env: RECONCILE_LDAP_PASSWORD
    base_dn: {PEOPLE}
    match: {{ attribute: uid, value: \"{{{{ employee.username }}}}\" }}
    disable: {{ method: move_ou, ou: \"{DISABLED}\" }}
    group_member_attribute: member
    timeout: 10s
",
        scim_url = scim.base_url,
        ldap_url = ldap.url(),
    );
    Test::new()
        .file("offboard.yaml", &config)
        .file(
            "glossary.yaml",
            "version: 1\nstatuses:\n  active: { codes: [ACT] }\n  terminated: { codes: [TERM] }\n  resigned: { codes: [RES] }\n",
        )
        .file(
            "roles.yaml",
            "version: 1\nroles:\n  engineer:\n    groups: [engineering]\n",
        )
        .file("playbooks/.keep", "")
        .file(
            "hr.csv",
            "employee_id,username,email,status,role,effective_at\n\
             E1,alice,alice@acme.example,ACT,engineer,2020-01-01\n\
             E2,bob,bob@acme.example,TERM,engineer,2026-11-09\n\
             E3,carol,carol@acme.example,RES,engineer,2026-11-14\n\
             E4,dave,dave@acme.example,ACT,engineer,2021-03-01\n\
             E5,erin,erin@acme.example,TERM,engineer,2026-10-20\n",
        )
        .env("OFFBOARD_NOW", NOW)
        .env("RECONCILE_SCIM_TOKEN", &scim.token)
        .env("RECONCILE_LDAP_PASSWORD", &ldap.password)
}

/// `kind system account employee_id type entitlement days` of each finding, in output order.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or("-").to_owned();
            format!(
                "{} {} {} {} {} {} {}",
                text("kind"),
                text("system"),
                text("account"),
                text("employee_id"),
                text("entitlement_type"),
                text("entitlement"),
                f["days_orphaned"]
                    .as_i64()
                    .map_or("-".to_owned(), |d| d.to_string())
            )
        })
        .collect()
}

/// `type account employee_id entitlement` of everything `source` lists, sorted.
fn listed(source: &dyn EntitlementSource) -> Vec<String> {
    let mut out = Vec::new();
    source
        .for_each(&mut |e: &Entitlement<'_>| {
            assert_eq!(e.monthly_cost_cents, 0, "{e:?}");
            out.push(format!(
                "{} {} {} {}",
                e.kind,
                e.account,
                if e.employee_id.is_empty() {
                    "-"
                } else {
                    e.employee_id
                },
                e.name
            ));
        })
        .unwrap_or_else(|e| panic!("{}: {e}", source.describe()));
    out.sort();
    out
}

fn scim_connector(server: &ScimServer) -> ScimConnector {
    let mut options = ScimOptions::new(&server.base_url, ScimAttribute::UserName);
    options.token = Some(SecretString::from(server.token.clone()));
    options.timeout = Duration::from_secs(10);
    ScimConnector::new("idp", options).expect("connector")
}

fn ldap_connector(
    server: &Slapd,
    disable: DisableMethod,
    member: MemberAttribute,
) -> LdapConnector {
    let bind = Bind {
        dn: ROOT_DN.to_owned(),
        password: SecretString::from(server.password.clone()),
    };
    let options = LdapOptions::new(&server.url(), Some(bind), PEOPLE, "uid", disable, member)
        .expect("options")
        .with_timeout(Duration::from_secs(5));
    LdapConnector::new("ldap", options).expect("connector")
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn scim_and_ldap_accounts_and_groups_are_reconciled_exactly() {
    let scim_server = ScimServer::start();
    seed_scim(&scim_server);
    let ldap = Slapd::builder().ldif(&ldap_ldif()).start();

    let out = repository(&scim_server, &ldap)
        .args(["--format", "json", "reconcile"])
        .status(1)
        .run();
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON report");
    let bob = user("bob");
    let carol = user("carol");
    let ghost = user("ghost");
    let dave = user("dave");
    assert_eq!(
        findings(&report),
        [
            format!("orphan idp {bob} E2 account {bob} 10"),
            format!("orphan idp {bob} E2 group admins 10"),
            format!("orphan idp {bob} E2 group engineering 10"),
            format!("orphan idp {carol} E3 group engineering 5"),
            "orphan ldap bob E2 account bob 10".to_owned(),
            "orphan ldap bob E2 group engineering 10".to_owned(),
            "orphan ldap erin E5 group engineering 30".to_owned(),
            format!("unknown_holder idp {ghost} - account {ghost} -"),
            format!("unknown_holder idp {ghost} - group admins -"),
            "unknown_holder ldap frank - account frank -".to_owned(),
            format!("excess idp {dave} E4 group admins -"),
        ],
        "{}",
        out.stdout
    );
    let coverage = &report["coverage"];
    assert_eq!(
        coverage["sources"],
        json!([
            format!("idp (scim {})", scim_server.base_url),
            format!("ldap (ldap {} {PEOPLE})", ldap.url()),
        ])
    );
    // SCIM: 4 enabled users and 6 memberships; LDAP: 3 enabled accounts and 3 memberships.
    assert_eq!(coverage["entitlements"], json!(16), "{coverage}");
    assert_eq!(coverage["people"], json!(5));
    for secret in [&scim_server.token, &ldap.password] {
        assert!(!out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()));
    }

    // The same listings through the library, two resources per page: several pages each.
    let expected_scim = owned(&[
        "account alice@peers.example E1 alice@peers.example",
        "account bob@peers.example E2 bob@peers.example",
        "account dave@peers.example E4 dave@peers.example",
        "account ghost@peers.example - ghost@peers.example",
        "group alice@peers.example E1 engineering",
        "group bob@peers.example E2 admins",
        "group bob@peers.example E2 engineering",
        "group carol@peers.example E3 engineering",
        "group dave@peers.example E4 admins",
        "group ghost@peers.example - admins",
    ]);
    for page_size in [1, 2, 500] {
        let source = ScimSource::new("idp", scim_connector(&scim_server)).with_page_size(page_size);
        assert_eq!(listed(&source), expected_scim, "page size {page_size}");
    }
    let expected_ldap = owned(&[
        "account alice E1 alice",
        "account bob E2 bob",
        "account frank - frank",
        "group alice E1 engineering",
        "group bob E2 engineering",
        "group erin E5 engineering",
    ]);
    for page_size in [1, 2, 500] {
        let connector = ldap_connector(
            &ldap,
            DisableMethod::MoveOu {
                ou: DISABLED.to_owned(),
            },
            MemberAttribute::Member,
        );
        let source = LdapSource::new("ldap", connector).with_page_size(page_size);
        assert_eq!(listed(&source), expected_ldap, "page size {page_size}");
    }
}

#[test]
fn ldap_disable_methods_and_member_uid_groups_are_honoured() {
    let mut ldif = SKELETON.to_owned();
    ldif.push_str(&person("alice", PEOPLE, Some("E1"), ""));
    ldif.push_str(&person("bob", PEOPLE, Some("E2"), ""));
    ldif.push_str(&person("carol", PEOPLE, Some("E3"), ""));
    ldif.push_str(&person(
        "dave",
        PEOPLE,
        Some("E4"),
        "userAccountControl: 514\n",
    ));
    ldif.push_str(&person(
        "erin",
        PEOPLE,
        Some("E5"),
        "userAccountControl: 512\n",
    ));
    ldif.push_str(
        "\ndn: cn=developers,ou=groups,dc=acme,dc=example\nobjectClass: posixGroup\n\
         cn: developers\ngidNumber: 5001\nmemberUid: alice\nmemberUid: bob\nmemberUid: dave\n\
         memberUid: nobody\n\
         \ndn: cn=auditors,ou=groups,dc=acme,dc=example\nobjectClass: groupOfUniqueNames\n\
         cn: auditors\nuniqueMember: uid=carol,ou=people,dc=acme,dc=example\n",
    );
    let ldap = Slapd::builder().ldif(&ldif).start();
    // Bob is locked for good by an administrator; carol only for a while after failed binds.
    ldap.modify(&format!(
        "dn: uid=bob,{PEOPLE}\nchangetype: modify\nadd: pwdAccountLockedTime\n\
         pwdAccountLockedTime: 000001010000Z\n\n\
         dn: uid=carol,{PEOPLE}\nchangetype: modify\nadd: pwdAccountLockedTime\n\
         pwdAccountLockedTime: 20261101000000Z\n"
    ));
    assert_eq!(
        ldap.values(&format!("uid=bob,{PEOPLE}"), "pwdAccountLockedTime"),
        ["000001010000Z"]
    );

    let list = |disable: DisableMethod, member: MemberAttribute| {
        let source =
            LdapSource::new("ldap", ldap_connector(&ldap, disable, member)).with_page_size(2);
        listed(&source)
    };
    assert_eq!(
        list(DisableMethod::PpolicyLock, MemberAttribute::MemberUid),
        owned(&[
            "account alice E1 alice",
            "account carol E3 carol",
            "account dave E4 dave",
            "account erin E5 erin",
            "group alice E1 developers",
            "group bob E2 developers",
            "group dave E4 developers",
        ])
    );
    assert_eq!(
        list(DisableMethod::AdUac, MemberAttribute::UniqueMember),
        owned(&[
            "account alice E1 alice",
            "account bob E2 bob",
            "account carol E3 carol",
            "account erin E5 erin",
            "group carol E3 auditors",
        ])
    );
}

#[test]
fn a_source_that_cannot_be_listed_is_an_error_naming_the_connector() {
    let scim_server = ScimServer::start();
    let ldap = Slapd::builder().ldif(SKELETON).start();

    // A wrong bearer token: refused (401), not retried, and never printed.
    let wrong = format!("wrong-{}", crate::support::peers::random_hex(8));
    let out = repository(&scim_server, &ldap)
        .env("RECONCILE_SCIM_TOKEN", &wrong)
        .args(["reconcile"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("connector `idp`: SCIM GET /v2/Users") && out.stderr.contains("401"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&wrong) && !out.stdout.contains(&wrong));
    assert_eq!(out.stdout, "");

    // A wrong bind password: refused by the directory, the password never printed.
    let out = repository(&scim_server, &ldap)
        .env("RECONCILE_LDAP_PASSWORD", &wrong)
        .args(["reconcile"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("connector `ldap`: bind to"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&wrong), "{}", out.stderr);

    // An unset secret variable is named before anything is contacted.
    let out = repository(&scim_server, &ldap)
        .env("RECONCILE_LDAP_PASSWORD", "")
        .args(["reconcile"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains(
            "connector `ldap`: environment variable RECONCILE_LDAP_PASSWORD (the LDAP bind password) is empty"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unreachable_directory_is_an_error_after_retries() {
    let port = crate::support::peers::free_port();
    let source = LdapSource::new("ldap", {
        let options = LdapOptions::new(
            &format!("ldap://127.0.0.1:{port}"),
            None,
            PEOPLE,
            "uid",
            DisableMethod::PpolicyLock,
            MemberAttribute::Member,
        )
        .expect("options")
        .with_timeout(Duration::from_secs(2));
        LdapConnector::new("ldap", options).expect("connector")
    })
    .with_retry(RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
    });
    let error = source
        .for_each(&mut |_| panic!("nothing is listed"))
        .expect_err("nothing listens there");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "connector `ldap`: connect to ldap://127.0.0.1:{port}"
        )),
        "{message}"
    );

    let scim = ScimSource::new("idp", {
        let options = ScimOptions::new(
            format!("http://127.0.0.1:{port}/v2"),
            ScimAttribute::UserName,
        );
        ScimConnector::new("idp", options).expect("connector")
    })
    .with_retry(RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
    });
    let message = scim
        .for_each(&mut |_| panic!("nothing is listed"))
        .expect_err("nothing listens there")
        .to_string();
    assert!(
        message.starts_with("connector `idp`: SCIM GET /v2/Users"),
        "{message}"
    );
}
