//! The SCIM connector against the real scim2-server: every change is checked by reading what the
//! server holds afterwards with plain HTTP, independently of the connector.

use std::time::Duration;

use crate::support::peers::scim::ScimServer;
use offboard::connector::scim::{PAGE_SIZE, ScimAttribute, ScimConnector, ScimOptions};
use offboard::connector::{Change, Connector, ConnectorError, Principal};
use secrecy::SecretString;

fn connector(server: &ScimServer, attribute: ScimAttribute) -> ScimConnector {
    let mut options = ScimOptions::new(&server.base_url, attribute);
    options.token = Some(SecretString::from(server.token.clone()));
    options.timeout = Duration::from_secs(10);
    ScimConnector::new("idp", options).unwrap()
}

fn principal(id: &str) -> Principal {
    Principal {
        id: id.to_owned(),
        name: String::new(),
    }
}

#[test]
fn find_by_user_name_and_external_id() {
    let server = ScimServer::shared();
    let alice = server.create_user(
        "alice@find-by-user-name-and-external-id.example",
        Some("E1001"),
    );
    let bob = server.create_user(
        "bob@find-by-user-name-and-external-id.example",
        Some("E1002"),
    );
    let idp = connector(server, ScimAttribute::UserName);

    let found = idp
        .find("alice@find-by-user-name-and-external-id.example")
        .unwrap()
        .unwrap();
    assert_eq!(found.id, alice);
    assert_eq!(
        found.name,
        "alice@find-by-user-name-and-external-id.example"
    );
    // userName is case-insensitive (RFC 7643 §4.1.1), and the server agrees.
    assert_eq!(
        idp.find("ALICE@find-by-user-name-and-external-id.example")
            .unwrap()
            .unwrap()
            .id,
        alice
    );
    assert_eq!(
        idp.find("carol@find-by-user-name-and-external-id.example")
            .unwrap(),
        None
    );
    // A userName is not an externalId.
    assert_eq!(idp.find("E1002").unwrap(), None);

    let by_external = connector(server, ScimAttribute::ExternalId);
    assert_eq!(by_external.find("E1002").unwrap().unwrap().id, bob);
    // externalId is case-sensitive.
    assert_eq!(by_external.find("e1002").unwrap(), None);
}

#[test]
fn hostile_values_match_only_themselves() {
    let server = ScimServer::shared();
    let long = "l".repeat(3000);
    let seeded = [
        r#"quote"inside@hostile-values-match-only-themselves.example"#,
        r"back\slash@hostile-values-match-only-themselves.example",
        r#"trailing\"#,
        "*)(uid=*",
        "{{ employee.id }}",
        "tab\tand\nnewline",
        long.as_str(),
    ];
    let mut ids = Vec::new();
    for name in seeded {
        ids.push(server.create_user(name, None));
    }
    let victim = server.create_user("victim@hostile-values-match-only-themselves.example", None);
    let idp = connector(server, ScimAttribute::UserName);

    for (name, id) in seeded.iter().zip(&ids) {
        let found = idp.find(name).unwrap();
        assert_eq!(
            found.map(|p| p.id).as_deref(),
            Some(id.as_str()),
            "{name:?}"
        );
    }
    // Values that would widen the filter if they were not quoted find nobody.
    for attack in [
        r#"x" or userName pr or userName eq ""#,
        r#"victim@hostile-values-match-only-themselves.example" or "1" eq "1"#,
        r#"victim@hostile-values-match-only-themselves.example\"#,
        r#"\"#,
        r#"""#,
        "*",
        "victim@hostile-values-match-only-themselves.example)",
        "{{ }}",
        &"v".repeat(5000),
    ] {
        assert_eq!(idp.find(attack).unwrap(), None, "{attack:?}");
    }
    assert_eq!(
        idp.find("victim@hostile-values-match-only-themselves.example")
            .unwrap()
            .unwrap()
            .id,
        victim
    );
}

#[test]
fn deactivate_changes_only_that_user_and_is_idempotent() {
    let server = ScimServer::shared();
    let alice = server.create_user(
        "alice@deactivate-changes-only-that-user-and-is-idempotent.example",
        None,
    );
    let bob = server.create_user(
        "bob@deactivate-changes-only-that-user-and-is-idempotent.example",
        None,
    );
    let idp = connector(server, ScimAttribute::UserName);

    let before = idp.read(&principal(&alice)).unwrap();
    assert!(before.exists && before.active);
    idp.apply(&principal(&alice), &Change::Deactivate).unwrap();
    assert_eq!(server.user(&alice).unwrap()["active"], false);
    assert_eq!(server.user(&bob).unwrap()["active"], true);
    let after = idp.read(&principal(&alice)).unwrap();
    assert!(after.exists && !after.active);
    assert!(Change::Deactivate.is_satisfied_by(&after));

    idp.apply(&principal(&alice), &Change::Deactivate).unwrap();
    assert_eq!(server.user(&alice).unwrap()["active"], false);
}

#[test]
fn remove_groups_leaves_only_the_named_groups() {
    let server = ScimServer::shared();
    let alice = server.create_user(
        "alice@remove-groups-leaves-only-the-named-groups.example",
        None,
    );
    let bob = server.create_user(
        "bob@remove-groups-leaves-only-the-named-groups.example",
        None,
    );
    let engineering = server.create_group("engineering", &[&alice, &bob]);
    let vpn = server.create_group("vpn", &[&alice]);
    let staff = server.create_group("all-staff", &[&alice, &bob]);
    let idp = connector(server, ScimAttribute::UserName);

    let before = idp.read(&principal(&alice)).unwrap();
    assert_eq!(before.groups, ["all-staff", "engineering", "vpn"]);
    let change = Change::RemoveGroups {
        groups: vec!["engineering".into(), "vpn".into(), "not-a-group".into()],
    };
    idp.apply(&principal(&alice), &change).unwrap();

    assert_eq!(server.members(&engineering), std::slice::from_ref(&bob));
    assert_eq!(server.members(&vpn), Vec::<String>::new());
    let mut both = vec![alice.clone(), bob.clone()];
    both.sort();
    assert_eq!(server.members(&staff), both);
    let after = idp.read(&principal(&alice)).unwrap();
    assert_eq!(after.groups, ["all-staff"]);
    assert!(change.is_satisfied_by(&after));
    assert_eq!(
        idp.read(&principal(&bob)).unwrap().groups,
        ["all-staff", "engineering"]
    );

    // Again: nothing left to remove, nothing changes.
    idp.apply(&principal(&alice), &change).unwrap();
    assert_eq!(server.members(&engineering), [bob]);
}

#[test]
fn memberships_are_read_across_pages() {
    let server = ScimServer::shared();
    let alice = server.create_user("alice@memberships-are-read-across-pages.example", None);
    let other = server.create_user("other@memberships-are-read-across-pages.example", None);
    let count = PAGE_SIZE as usize + 20;
    let mut expected: Vec<String> = (0..count).map(|i| format!("team-{i:03}")).collect();
    for name in &expected {
        server.create_group(name, &[&alice]);
    }
    server.create_group("not-alice", &[&other]);
    let idp = connector(server, ScimAttribute::UserName);
    expected.sort();
    assert_eq!(idp.read(&principal(&alice)).unwrap().groups, expected);
}

#[test]
fn delete_removes_the_user_and_a_second_delete_succeeds() {
    let server = ScimServer::shared();
    let alice = server.create_user(
        "alice@delete-removes-the-user-and-a-second-delete-succeeds.example",
        None,
    );
    let bob = server.create_user(
        "bob@delete-removes-the-user-and-a-second-delete-succeeds.example",
        None,
    );
    let idp = connector(server, ScimAttribute::UserName);

    idp.apply(&principal(&alice), &Change::Deactivate).unwrap();
    idp.apply(&principal(&alice), &Change::Delete).unwrap();
    assert!(server.user(&alice).is_none());
    assert!(server.user(&bob).is_some());
    let state = idp.read(&principal(&alice)).unwrap();
    assert!(!state.exists);
    assert!(Change::Delete.is_satisfied_by(&state));
    assert_eq!(
        idp.find("alice@delete-removes-the-user-and-a-second-delete-succeeds.example")
            .unwrap(),
        None
    );

    // The server answers 404 now: already deleted is deleted.
    idp.apply(&principal(&alice), &Change::Delete).unwrap();
    idp.apply(&principal(&alice), &Change::Deactivate).unwrap();
}

#[test]
fn changes_scim_cannot_make_are_unsupported() {
    let server = ScimServer::shared();
    let alice = server.create_user(
        "alice@changes-scim-cannot-make-are-unsupported.example",
        None,
    );
    let idp = connector(server, ScimAttribute::UserName);
    for change in [
        Change::RevokeSessions,
        Change::RetainData,
        Change::ReleaseSeats {
            products: vec!["github".into()],
        },
        Change::ReturnAssets {
            assets: vec!["LAP-1".into()],
        },
    ] {
        match idp.apply(&principal(&alice), &change) {
            Err(ConnectorError::Unsupported { connector, .. }) => assert_eq!(connector, "idp"),
            other => panic!("{change}: {other:?}"),
        }
    }
    assert_eq!(server.user(&alice).unwrap()["active"], true);
}

#[test]
fn a_wrong_token_is_a_permanent_error_without_the_token() {
    let server = ScimServer::shared();
    server.create_user(
        "alice@a-wrong-token-is-a-permanent-error-without-the-token.example",
        None,
    );
    let wrong = format!("wrong-{}", crate::support::peers::random_hex(8));
    let mut options = ScimOptions::new(&server.base_url, ScimAttribute::UserName);
    options.token = Some(SecretString::from(wrong.clone()));
    let idp = ScimConnector::new("idp", options).unwrap();
    match idp.find("alice@a-wrong-token-is-a-permanent-error-without-the-token.example") {
        Err(ConnectorError::Permanent { message }) => {
            assert!(
                message.starts_with("SCIM GET /v2/Users: 401 Unauthorized: "),
                "{message}"
            );
            assert!(message.contains("Authorization failure"), "{message}");
            assert!(!message.contains(&wrong) && !message.contains(&server.token));
        }
        other => panic!("{other:?}"),
    }
}
