//! The LDAP connector's errors: settings that cannot work ([`LdapConfigError`], found when the
//! connector is built) and the mapping of what the server or the network answered to
//! [`ConnectorError`]. This module owns the wording and the transient/permanent split; it never
//! retries, and no message it builds can hold the bind password (the password is never given
//! to it).

use std::path::PathBuf;

use ldap3::{LdapError, LdapResult};

use crate::connector::ConnectorError;

/// A setting of a `type: ldap` connector that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum LdapConfigError {
    /// The `url` is not an LDAP URL this connector can use.
    #[error("url {url}: {reason}")]
    Url {
        /// The URL, with anything that may hold a secret cut off.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A DN setting is empty or malformed.
    #[error("{field} {value:?} is not a DN (expected e.g. ou=people,dc=example,dc=com)")]
    Dn {
        /// The setting, e.g. `base_dn`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// An attribute name is not an RFC 4512 attribute description.
    #[error("{field} {value:?} is not an attribute name (letters, digits and hyphens, or an OID)")]
    Attribute {
        /// The setting, e.g. `match.attribute`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// `group_member_attribute` is none of the supported ones.
    #[error("group_member_attribute {value:?} is not one of member, uniqueMember, memberUid")]
    MemberAttribute {
        /// The value found.
        value: String,
    },
    /// The CA file for TLS cannot be read or holds no certificate.
    #[error("CA file {}: {reason}", crate::human::path(path))]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// What the connector was doing when an error came, for the message.
pub(crate) fn transport(action: &str, error: LdapError) -> ConnectorError {
    match error {
        LdapError::LdapResult { result } => result_error(action, &result),
        // A failed TLS handshake (untrusted or mismatched certificate) comes as an I/O error
        // but will fail the same way every time.
        LdapError::Io { ref source } if is_tls_failure(source) => ConnectorError::Permanent {
            message: format!("{action}: TLS: {source}"),
        },
        LdapError::Io { .. }
        | LdapError::Timeout { .. }
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. }
        | LdapError::EndOfStream => ConnectorError::Transient {
            message: format!("{action}: {error}"),
            retry_after: None,
        },
        other => ConnectorError::Permanent {
            message: format!("{action}: {other}"),
        },
    }
}

/// True when an I/O error carries a TLS (rustls) error.
fn is_tls_failure(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
}

/// The error for a non-success LDAP result: busy, unavailable and time limits are transient.
pub(crate) fn result_error(action: &str, result: &LdapResult) -> ConnectorError {
    let message = describe(action, result);
    if is_transient(result.rc) {
        ConnectorError::Transient {
            message,
            retry_after: None,
        }
    } else {
        ConnectorError::Permanent { message }
    }
}

/// `action: resultName (code): diagnostic text`.
pub(crate) fn describe(action: &str, result: &LdapResult) -> String {
    let mut message = format!("{action}: {} ({})", result_name(result.rc), result.rc);
    if !result.text.is_empty() {
        message.push_str(": ");
        message.push_str(&result.text);
    }
    message
}

/// LDAP result codes worth retrying (RFC 4511 appendix A): timeLimitExceeded, busy and
/// unavailable. `other` (80) is not among them: it covers too much to be worth a retry.
fn is_transient(rc: u32) -> bool {
    matches!(rc, 3 | 51 | 52)
}

/// The RFC 4511 name of a result code.
pub(crate) fn result_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        54 => "loopDetect",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        71 => "affectsMultipleDSAs",
        80 => "other",
        _ => "result",
    }
}

/// Result codes the connector treats specially.
pub(crate) mod rc {
    /// The operation succeeded.
    pub const SUCCESS: u32 = 0;
    /// More entries matched than the size limit allowed.
    pub const SIZE_LIMIT_EXCEEDED: u32 = 4;
    /// The value to delete is not there.
    pub const NO_SUCH_ATTRIBUTE: u32 = 16;
    /// The entry is not there.
    pub const NO_SUCH_OBJECT: u32 = 32;
    /// The entry (or value) is there already.
    pub const ENTRY_ALREADY_EXISTS: u32 = 68;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.to_owned(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    #[test]
    fn busy_and_unavailable_are_transient() {
        for code in [3, 51, 52] {
            assert!(
                matches!(
                    result_error("search", &result(code, "")),
                    ConnectorError::Transient { .. }
                ),
                "{code}"
            );
        }
        for code in [32, 49, 50, 53, 65, 80] {
            assert!(
                matches!(
                    result_error("search", &result(code, "")),
                    ConnectorError::Permanent { .. }
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn messages_name_the_action_the_result_and_the_text() {
        let error = result_error(
            "delete uid=a,dc=x",
            &result(66, "subordinate objects must be deleted first"),
        );
        assert_eq!(
            error.to_string(),
            "delete uid=a,dc=x: notAllowedOnNonLeaf (66): subordinate objects must be deleted first"
        );
    }

    #[test]
    fn certificate_failures_are_permanent() {
        let untrusted = LdapError::Io {
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            ),
        };
        assert!(matches!(
            transport("connect", untrusted),
            ConnectorError::Permanent { .. }
        ));
    }

    #[test]
    fn connection_failures_are_transient() {
        let refused = LdapError::Io {
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        };
        assert!(matches!(
            transport("connect", refused),
            ConnectorError::Transient { .. }
        ));
    }
}
