//! The LDAP connector over TLS against a real `slapd` with a certificate from a test CA made by
//! `openssl`: `ldaps://` and StartTLS both verify the certificate against the configured CA,
//! and fail permanently without it.

use std::time::Duration;

use crate::support::peers::ldap::{PEOPLE, ROOT_DN, Slapd};
use offboard::connector::ldap::{Bind, DisableMethod, LdapConnector, LdapOptions, MemberAttribute};
use offboard::connector::{Change, Connector, ConnectorError};
use secrecy::SecretString;

fn options(slapd: &Slapd, url: &str) -> LdapOptions {
    let bind = Bind {
        dn: ROOT_DN.to_owned(),
        password: SecretString::from(slapd.password.clone()),
    };
    LdapOptions::new(
        url,
        Some(bind),
        PEOPLE,
        "uid",
        DisableMethod::PpolicyLock,
        MemberAttribute::Member,
    )
    .expect("valid options")
    .with_timeout(Duration::from_secs(5))
}

fn expect_untrusted(ldap: &LdapConnector) {
    match ldap.find("alice") {
        Err(ConnectorError::Permanent { message }) => {
            assert!(message.contains("TLS"), "{message}");
            assert!(message.contains("certificate"), "{message}");
        }
        other => panic!("expected a permanent TLS error: {other:?}"),
    }
}

#[test]
fn ldaps_and_starttls_verify_the_server_certificate() {
    let slapd = Slapd::builder().tls().start();
    let starttls = format!("{}/????!StartTLS", slapd.url());
    for url in [slapd.ldaps_url(), starttls] {
        let trusted =
            LdapConnector::new("ldap", options(&slapd, &url).with_ca_file(slapd.ca_file()))
                .expect("connector");
        let alice = trusted
            .find("alice")
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .unwrap_or_else(|| panic!("{url}: alice not found"));
        trusted
            .apply(&alice, &Change::Deactivate)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            slapd.values(&alice.id, "pwdAccountLockedTime"),
            ["000001010000Z"],
            "{url}"
        );
        slapd.modify(&format!(
            "dn: {}\nchangetype: modify\ndelete: pwdAccountLockedTime\n",
            alice.id
        ));

        // Without the CA the handshake fails, which also shows StartTLS really ran.
        let untrusted = LdapConnector::new("ldap", options(&slapd, &url)).expect("connector");
        expect_untrusted(&untrusted);
    }
}

#[test]
fn a_missing_ca_file_is_a_configuration_error() {
    let slapd = Slapd::builder().tls().start();
    let missing = std::env::temp_dir().join("offboard-no-such-ca.pem");
    let error = LdapConnector::new(
        "ldap",
        options(&slapd, &slapd.ldaps_url()).with_ca_file(&missing),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        error.starts_with(&format!("CA file {}: ", missing.display())),
        "{error}"
    );
}
