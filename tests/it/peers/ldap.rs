//! The LDAP connector against a real OpenLDAP `slapd` (`support::peers::ldap`): every change is
//! checked by reading the directory with the real `ldapsearch`, not with the connector.

use std::time::{Duration, Instant};

use crate::support::peers::ldap::{DISABLED, GROUPS, PEOPLE, ROOT_DN, Slapd, USER_PASSWORD};
use offboard::connector::ldap::{Bind, DisableMethod, LdapConnector, LdapOptions, MemberAttribute};
use offboard::connector::{AccountState, Change, Connector, ConnectorError, Principal};
use secrecy::SecretString;

fn options(
    url: &str,
    password: &str,
    disable: DisableMethod,
    member: MemberAttribute,
) -> LdapOptions {
    let bind = Bind {
        dn: ROOT_DN.to_owned(),
        password: SecretString::from(password.to_owned()),
    };
    LdapOptions::new(url, Some(bind), PEOPLE, "uid", disable, member)
        .expect("valid options")
        .with_timeout(Duration::from_secs(5))
}

fn connector(slapd: &Slapd, disable: DisableMethod, member: MemberAttribute) -> LdapConnector {
    LdapConnector::new(
        "ldap",
        options(&slapd.url(), &slapd.password, disable, member),
    )
    .expect("connector")
}

fn member_connector(slapd: &Slapd) -> LdapConnector {
    connector(slapd, DisableMethod::PpolicyLock, MemberAttribute::Member)
}

fn person(uid: &str) -> String {
    format!("uid={uid},{PEOPLE}")
}

fn group(cn: &str) -> String {
    format!("cn={cn},{GROUPS}")
}

fn find(connector: &LdapConnector, key: &str) -> Principal {
    match connector.find(key) {
        Ok(Some(principal)) => principal,
        other => panic!("find {key:?}: {other:?}"),
    }
}

fn read(connector: &LdapConnector, principal: &Principal) -> AccountState {
    connector
        .read(principal)
        .unwrap_or_else(|e| panic!("read {}: {e}", principal.id))
}

fn apply(connector: &LdapConnector, principal: &Principal, change: &Change) {
    if let Err(e) = connector.apply(principal, change) {
        panic!("apply {change} to {}: {e}", principal.id);
    }
}

fn remove(groups: &[&str]) -> Change {
    Change::RemoveGroups {
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

#[test]
fn slapd_starts_quickly() {
    let slapd = Slapd::start();
    eprintln!(
        "slapd accepted a bind {:?} after spawning",
        slapd.started_in
    );
    assert!(slapd.started_in < Duration::from_secs(20));
    assert_eq!(slapd.values(&person("alice"), "uid"), ["alice"]);
}

#[test]
fn find_returns_the_dn_and_the_matched_value() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    assert_eq!(
        ldap.find("alice").ok().flatten(),
        Some(Principal {
            id: person("alice"),
            name: "alice".to_owned()
        })
    );
    assert_eq!(ldap.find("nobody").ok(), Some(None));
}

#[test]
fn find_matches_hostile_values_literally() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let hostile = |cn: &str| format!("cn={cn},{PEOPLE}");
    let long = "l".repeat(300);
    let found = [
        ("*)(uid=*", hostile("hostile-star")),
        ("admin)(|(uid=*", hostile("hostile-or")),
        ("back\\slash", hostile("hostile-backslash")),
        ("(paren)", hostile("hostile-parens")),
        ("zoë-ünïcødé-名前", hostile("hostile-unicode")),
        (long.as_str(), hostile("hostile-long")),
        ("admin", person("admin")),
    ];
    for (key, dn) in &found {
        let principal = find(&ldap, key);
        assert_eq!(&principal.id, dn, "{key:?}");
        assert_eq!(principal.name, *key, "{key:?}");
    }
    let very_long = "x".repeat(20_000);
    let not_found = [
        "*",
        "a*",
        "alic*",
        "*lice",
        "admin)(uid=*",
        "admin)(|(uid=*)",
        "*)(objectClass=*",
        ")(",
        "al\\69ce",
        "al\\2aice",
        "alice\0",
        "ali\0ce",
        "\0",
        "back\\\\slash",
        "zoë",
        very_long.as_str(),
    ];
    for key in not_found {
        match ldap.find(key) {
            Ok(None) => {}
            other => panic!("{:?} should match nothing: {other:?}", key.get(..40)),
        }
    }
    // Nothing was changed by any of it.
    assert_eq!(
        slapd
            .search(PEOPLE, "one", "(objectClass=*)", &["dn"])
            .len(),
        13
    );
}

#[test]
fn an_ambiguous_key_is_a_permanent_error_naming_the_entries() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    match ldap.find("dup") {
        Err(ConnectorError::Permanent { message }) => {
            assert!(
                message.contains("uid \"dup\" matches 2 entries"),
                "{message}"
            );
            assert!(message.contains(&format!("cn=dup-a,{PEOPLE}")), "{message}");
            assert!(message.contains(&format!("cn=dup-b,{PEOPLE}")), "{message}");
        }
        other => panic!("expected a permanent error: {other:?}"),
    }
    assert!(matches!(
        ldap.find(""),
        Err(ConnectorError::Permanent { .. })
    ));
}

#[test]
fn read_reports_existence_activity_and_groups_per_member_attribute() {
    let slapd = Slapd::start();
    let cases = [
        (MemberAttribute::Member, vec!["admins", "engineering"]),
        (MemberAttribute::MemberUid, vec!["developers", "ops"]),
        (MemberAttribute::UniqueMember, vec!["auditors"]),
    ];
    for (member, groups) in cases {
        let ldap = connector(&slapd, DisableMethod::PpolicyLock, member);
        let alice = find(&ldap, "alice");
        assert_eq!(
            read(&ldap, &alice),
            AccountState {
                exists: true,
                active: true,
                groups: groups.iter().map(|g| g.to_string()).collect(),
                sessions: None,
                ..AccountState::default()
            },
            "{member}"
        );
    }
}

#[test]
fn ppolicy_lock_sets_the_permanent_lock_once() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let alice = find(&ldap, "alice");
    assert!(slapd.can_bind(&alice.id, USER_PASSWORD));

    apply(&ldap, &alice, &Change::Deactivate);
    let entry = slapd
        .entry(&alice.id, &["pwdAccountLockedTime", "modifyTimestamp"])
        .expect("alice still exists");
    assert_eq!(entry.values("pwdAccountLockedTime"), ["000001010000Z"]);
    assert!(
        !slapd.can_bind(&alice.id, USER_PASSWORD),
        "a locked account can still bind"
    );
    let state = read(&ldap, &alice);
    assert!(state.exists && !state.active, "{state:?}");

    // Again: nothing is written (the entry's modifyTimestamp and entryCSN stay).
    let before = slapd
        .entry(&alice.id, &["entryCSN"])
        .map(|e| e.values("entryCSN"));
    apply(&ldap, &alice, &Change::Deactivate);
    let after = slapd
        .entry(&alice.id, &["entryCSN"])
        .map(|e| e.values("entryCSN"));
    assert_eq!(before, after);
    // Bob is untouched.
    assert!(
        slapd
            .values(&person("bob"), "pwdAccountLockedTime")
            .is_empty()
    );
}

#[test]
fn a_lockout_after_failed_binds_is_not_a_disable() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let bob = find(&ldap, "bob");
    slapd.modify(&format!(
        "dn: {}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 20250101000000Z\n",
        bob.id
    ));
    assert!(
        read(&ldap, &bob).active,
        "an expiring lockout reads as active"
    );
    apply(&ldap, &bob, &Change::Deactivate);
    assert_eq!(
        slapd.values(&bob.id, "pwdAccountLockedTime"),
        ["000001010000Z"]
    );
}

#[test]
fn move_ou_moves_the_entry_and_still_finds_it_afterwards() {
    let slapd = Slapd::start();
    let disable = DisableMethod::MoveOu {
        ou: DISABLED.to_owned(),
    };
    let ldap = connector(&slapd, disable, MemberAttribute::Member);
    let alice = find(&ldap, "alice");

    apply(&ldap, &alice, &Change::Deactivate);
    let moved = format!("uid=alice,{DISABLED}");
    assert!(
        slapd.entry(&alice.id, &["uid"]).is_none(),
        "still in people"
    );
    assert_eq!(slapd.values(&moved, "uid"), ["alice"]);
    let state = read(&ldap, &alice);
    assert!(state.exists && !state.active, "{state:?}");
    // Groups still name the old DN (no referential integrity overlay): still reported.
    assert_eq!(state.groups, ["admins", "engineering"]);

    apply(&ldap, &alice, &Change::Deactivate);
    assert_eq!(slapd.values(&moved, "uid"), ["alice"]);
    assert_eq!(find(&ldap, "alice").id, moved);

    // Leaving groups and deleting work on the moved entry, by the original principal.
    apply(&ldap, &alice, &remove(&["admins", "engineering"]));
    assert_eq!(
        slapd.values(&group("engineering"), "member"),
        [person("bob")]
    );
    assert_eq!(slapd.values(&group("admins"), "member"), [person("carol")]);
    apply(&ldap, &alice, &Change::Delete);
    assert!(slapd.entry(&moved, &["uid"]).is_none());
    let state = read(&ldap, &alice);
    assert!(
        !state.exists && !state.active && state.groups.is_empty(),
        "{state:?}"
    );
}

#[test]
fn ad_uac_sets_the_disable_bit_and_keeps_the_others() {
    let slapd = Slapd::start();
    let ldap = connector(&slapd, DisableMethod::AdUac, MemberAttribute::Member);
    let alice = find(&ldap, "alice");
    assert!(read(&ldap, &alice).active);

    apply(&ldap, &alice, &Change::Deactivate);
    assert_eq!(slapd.values(&alice.id, "userAccountControl"), ["514"]);
    assert!(!read(&ldap, &alice).active);
    let before = slapd.values(&alice.id, "entryCSN");
    apply(&ldap, &alice, &Change::Deactivate);
    assert_eq!(slapd.values(&alice.id, "userAccountControl"), ["514"]);
    assert_eq!(slapd.values(&alice.id, "entryCSN"), before);
    assert_eq!(slapd.values(&person("bob"), "userAccountControl"), ["512"]);

    // An entry without the attribute is not an AD account: refused, nothing written.
    slapd.modify(&format!(
        "dn: {}\nchangetype: modify\ndelete: userAccountControl\n",
        person("carol")
    ));
    let carol = find(&ldap, "carol");
    match ldap.apply(&carol, &Change::Deactivate) {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("has no userAccountControl"), "{message}");
        }
        other => panic!("expected a permanent error: {other:?}"),
    }
    assert!(slapd.values(&carol.id, "userAccountControl").is_empty());
}

#[test]
fn remove_groups_deletes_member_values_idempotently() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let alice = find(&ldap, "alice");
    let change = remove(&["engineering", "admins", "no-such-group"]);

    apply(&ldap, &alice, &change);
    assert_eq!(
        slapd.values(&group("engineering"), "member"),
        [person("bob")]
    );
    assert_eq!(slapd.values(&group("admins"), "member"), [person("carol")]);
    assert!(read(&ldap, &alice).groups.is_empty());
    apply(&ldap, &alice, &change);
    assert_eq!(
        slapd.values(&group("engineering"), "member"),
        [person("bob")]
    );
    // Other kinds of groups are not touched by a `member` connector.
    assert_eq!(
        sorted(slapd.values(&group("developers"), "memberUid")),
        ["alice", "bob"]
    );
}

#[test]
fn remove_groups_with_member_uid_and_unique_member() {
    let slapd = Slapd::start();
    let posix = connector(
        &slapd,
        DisableMethod::PpolicyLock,
        MemberAttribute::MemberUid,
    );
    let alice = find(&posix, "alice");
    let change = remove(&["developers", "ops"]);
    apply(&posix, &alice, &change);
    assert_eq!(slapd.values(&group("developers"), "memberUid"), ["bob"]);
    assert!(slapd.values(&group("ops"), "memberUid").is_empty());
    assert!(
        slapd.entry(&group("ops"), &["cn"]).is_some(),
        "the group stays"
    );
    apply(&posix, &alice, &change);
    assert!(read(&posix, &alice).groups.is_empty());

    let unique = connector(
        &slapd,
        DisableMethod::PpolicyLock,
        MemberAttribute::UniqueMember,
    );
    apply(&unique, &alice, &remove(&["auditors"]));
    assert_eq!(
        slapd.values(&group("auditors"), "uniqueMember"),
        [person("carol")]
    );
    // The groupOfNames groups were left alone throughout.
    assert_eq!(
        sorted(slapd.values(&group("engineering"), "member")),
        [person("alice"), person("bob")]
    );
}

#[test]
fn removing_the_last_member_of_a_group_of_names_is_refused_clearly() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let dave = find(&ldap, "dave");
    match ldap.apply(&dave, &remove(&["solo"])) {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("objectClassViolation (65)"), "{message}");
            assert!(
                message.contains("requires at least one member"),
                "{message}"
            );
        }
        other => panic!("expected a permanent error: {other:?}"),
    }
    assert_eq!(slapd.values(&group("solo"), "member"), [person("dave")]);
}

#[test]
fn delete_removes_the_entry_and_is_idempotent() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let bob = find(&ldap, "bob");
    apply(&ldap, &bob, &Change::Delete);
    assert!(slapd.entry(&bob.id, &["uid"]).is_none());
    assert_eq!(slapd.values(&person("alice"), "uid"), ["alice"]);
    apply(&ldap, &bob, &Change::Delete);
    apply(&ldap, &bob, &Change::Deactivate);
    let state = read(&ldap, &bob);
    assert!(!state.exists && !state.active, "{state:?}");
    assert_eq!(ldap.find("bob").ok(), Some(None));
}

#[test]
fn other_changes_are_unsupported() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let alice = find(&ldap, "alice");
    for change in [
        Change::RevokeSessions,
        Change::RetainData,
        Change::ReleaseSeats {
            products: vec!["github".to_owned()],
        },
    ] {
        assert!(
            matches!(
                ldap.apply(&alice, &change),
                Err(ConnectorError::Unsupported { .. })
            ),
            "{change}"
        );
    }
}

#[test]
fn a_wrong_password_is_permanent_and_never_shown() {
    let slapd = Slapd::start();
    let wrong = "Wr0ng-Secret-Value-123";
    let ldap = LdapConnector::new(
        "ldap",
        options(
            &slapd.url(),
            wrong,
            DisableMethod::PpolicyLock,
            MemberAttribute::Member,
        ),
    )
    .expect("connector");
    match ldap.find("alice") {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("invalidCredentials (49)"), "{message}");
            assert!(message.contains(ROOT_DN), "{message}");
            assert!(!message.contains(wrong), "{message}");
            assert!(!message.contains(&slapd.password), "{message}");
        }
        other => panic!("expected a permanent error: {other:?}"),
    }
}

#[test]
fn anonymous_binds_can_read_but_not_write() {
    let slapd = Slapd::start();
    let options = LdapOptions::new(
        &slapd.url(),
        None,
        PEOPLE,
        "uid",
        DisableMethod::PpolicyLock,
        MemberAttribute::Member,
    )
    .expect("options");
    let ldap = LdapConnector::new("ldap", options).expect("connector");
    let alice = find(&ldap, "alice");
    match ldap.apply(&alice, &Change::Deactivate) {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("strongerAuthRequired (8)"), "{message}");
        }
        other => panic!("expected a permanent error: {other:?}"),
    }
    assert!(slapd.values(&alice.id, "pwdAccountLockedTime").is_empty());
}

#[test]
fn a_server_that_is_down_is_transient() {
    let slapd = Slapd::start();
    let ldap = member_connector(&slapd);
    let alice = find(&ldap, "alice");
    drop(slapd);
    for result in [
        ldap.find("alice").map(|_| ()),
        ldap.read(&alice).map(|_| ()),
        ldap.apply(&alice, &Change::Deactivate),
    ] {
        match result {
            Err(ConnectorError::Transient { message, .. }) => {
                assert!(
                    message.starts_with("connect to ldap://127.0.0.1:"),
                    "{message}"
                );
            }
            other => panic!("expected a transient error: {other:?}"),
        }
    }
}

#[test]
fn a_server_that_never_answers_times_out_as_transient() {
    // Accepts connections (the kernel does) but never reads or answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let url = format!("ldap://{}", listener.local_addr().expect("address"));
    let ldap = LdapConnector::new(
        "ldap",
        options(
            &url,
            "irrelevant",
            DisableMethod::PpolicyLock,
            MemberAttribute::Member,
        )
        .with_timeout(Duration::from_millis(300)),
    )
    .expect("connector");
    let started = Instant::now();
    let result = ldap.find("alice");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match result {
        Err(ConnectorError::Transient { message, .. }) => {
            assert!(message.contains("timeout"), "{message}");
        }
        other => panic!("expected a transient error: {other:?}"),
    }
}
