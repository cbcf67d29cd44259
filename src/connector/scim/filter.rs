//! Building the SCIM filters offboard sends (RFC 7644 §3.4.2.2) from employee data. It owns the
//! quoting of values: a value is written as a JSON string, so quotes, backslashes and control
//! characters can never end the string early and add clauses. It never sends anything.

use std::fmt;
use std::str::FromStr;

/// The User attribute `find` compares the employee's key with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimAttribute {
    /// `userName` (case-insensitive, RFC 7643 §4.1.1).
    UserName,
    /// `externalId` (case-sensitive, RFC 7643 §3.1).
    ExternalId,
}

/// A `match.attribute` that is neither `userName` nor `externalId`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("SCIM match attribute {0:?} is not supported: use userName or externalId")]
pub struct UnknownScimAttribute(pub String);

impl ScimAttribute {
    /// The attribute's name in SCIM.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimAttribute::UserName => "userName",
            ScimAttribute::ExternalId => "externalId",
        }
    }

    /// True when `found` (a value the server returned) equals `key` under this attribute's
    /// case rule: the check that a server honoured the filter.
    pub fn same_value(self, found: &str, key: &str) -> bool {
        match self {
            ScimAttribute::UserName => found.to_lowercase() == key.to_lowercase(),
            ScimAttribute::ExternalId => found == key,
        }
    }
}

impl FromStr for ScimAttribute {
    type Err = UnknownScimAttribute;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "userName" => Ok(ScimAttribute::UserName),
            "externalId" => Ok(ScimAttribute::ExternalId),
            other => Err(UnknownScimAttribute(other.to_owned())),
        }
    }
}

impl fmt::Display for ScimAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `value` as a SCIM filter string literal: double-quoted, with `"`, `\` and control characters
/// escaped as in JSON (RFC 7644 §3.4.2.2 takes comparison values as JSON values).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `<attribute> eq "<value>"`.
pub fn equals(attribute: ScimAttribute, value: &str) -> String {
    format!("{} eq {}", attribute.as_str(), quote(value))
}

/// `members[value eq "<id>"]`: the groups holding a member, or (as a PATCH path) that member.
pub fn member(id: &str) -> String {
    format!("members[value eq {}]", quote(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_everything_that_could_end_the_string() {
        let cases = [
            ("alice", r#""alice""#),
            (r#"a"b"#, r#""a\"b""#),
            (r"a\b", r#""a\\b""#),
            (
                r#"x" or userName pr or userName eq ""#,
                r#""x\" or userName pr or userName eq \"""#,
            ),
            ("*)(uid=*", r#""*)(uid=*""#),
            ("{{ }}", r#""{{ }}""#),
            ("a\nb\u{1}", r#""a\nb\u0001""#),
            ("é", "\"é\""),
        ];
        for (value, quoted) in cases {
            assert_eq!(quote(value), quoted, "{value:?}");
            // A JSON parser reads the literal back to the very value.
            let back: String = serde_json::from_str(&quote(value)).unwrap();
            assert_eq!(back, value);
        }
    }

    #[test]
    fn filters_and_attributes() {
        assert_eq!(
            equals(ScimAttribute::UserName, r#"a"b"#),
            r#"userName eq "a\"b""#
        );
        assert_eq!(member("u1"), r#"members[value eq "u1"]"#);
        assert_eq!("externalId".parse(), Ok(ScimAttribute::ExternalId));
        assert_eq!(
            "mail".parse::<ScimAttribute>().unwrap_err().to_string(),
            r#"SCIM match attribute "mail" is not supported: use userName or externalId"#
        );
        assert!(ScimAttribute::UserName.same_value("Alice@X", "alice@x"));
        assert!(!ScimAttribute::ExternalId.same_value("E1", "e1"));
    }
}
