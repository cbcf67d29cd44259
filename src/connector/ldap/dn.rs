//! Distinguished names as strings (RFC 4514): splitting off the first RDN, finding the `dc=`
//! naming context, and comparing DNs the way servers do for the common cases (attribute names
//! and ASCII case ignored, spaces around separators ignored). It never builds a DN from
//! untrusted text: DNs come from the server or the checked configuration.

/// Split `dn` into its first RDN and the rest (the parent DN, empty for a one-RDN DN), honouring
/// `\`-escapes and quoted values. `None` for an empty DN or one with a dangling escape.
pub fn split_first_rdn(dn: &str) -> Option<(&str, &str)> {
    if dn.trim().is_empty() {
        return None;
    }
    let mut escaped = false;
    let mut quoted = false;
    for (i, c) in dn.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' | ';' if !quoted => return Some((dn[..i].trim(), dn[i + 1..].trim())),
            _ => {}
        }
    }
    if escaped || quoted {
        None
    } else {
        Some((dn.trim(), ""))
    }
}

/// The RDNs of `dn`, first to last.
fn rdns(dn: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = dn;
    while let Some((rdn, tail)) = split_first_rdn(rest) {
        out.push(rdn);
        rest = tail;
    }
    out
}

/// The trailing `dc=` RDNs of `dn` (e.g. `dc=acme,dc=example` of
/// `ou=people,dc=acme,dc=example`), as a suffix of `dn`; `None` when it has none.
pub fn naming_context(dn: &str) -> Option<&str> {
    let mut rest = dn.trim();
    loop {
        if rdns(rest).iter().all(|rdn| is_dc(rdn)) {
            return (!rest.is_empty()).then_some(rest);
        }
        let (_, tail) = split_first_rdn(rest)?;
        rest = tail;
    }
}

fn is_dc(rdn: &str) -> bool {
    rdn.split_once('=')
        .is_some_and(|(attr, _)| attr.trim().eq_ignore_ascii_case("dc"))
}

/// `dn` in a form where two spellings of the same DN compare equal: attribute names and ASCII
/// letters lower-cased, spaces around `=` and `,` removed.
pub fn normalize(dn: &str) -> String {
    rdns(dn)
        .iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((attr, value)) => format!(
                "{}={}",
                attr.trim().to_ascii_lowercase(),
                value.trim().to_ascii_lowercase()
            ),
            None => rdn.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// True when `dn` lies strictly below `parent`.
pub fn is_below(dn: &str, parent: &str) -> bool {
    let dn = normalize(dn);
    let parent = normalize(parent);
    !parent.is_empty() && dn.len() > parent.len() && dn.ends_with(&format!(",{parent}"))
}

/// True when `dn` equals `parent` or lies below it.
pub fn is_within(dn: &str, parent: &str) -> bool {
    normalize(dn) == normalize(parent) || is_below(dn, parent)
}

/// The value of the first RDN when its attribute is `attribute` (e.g. `alice` of
/// `uid=alice,ou=people,...` for `uid`), with simple `\`-escapes undone.
pub fn rdn_value(dn: &str, attribute: &str) -> Option<String> {
    let (rdn, _) = split_first_rdn(dn)?;
    let (attr, value) = rdn.split_once('=')?;
    if !attr.trim().eq_ignore_ascii_case(attribute) || rdn.contains('+') {
        return None;
    }
    unescape_value(value.trim())
}

/// Undo RFC 4514 escapes: `\X` for a special character, `\HH` for a byte in hex.
fn unescape_value(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(*bytes.get(i + 1)?);
                i += 2;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_first_rdn_honouring_escapes() {
        assert_eq!(
            split_first_rdn("uid=alice,ou=people,dc=acme"),
            Some(("uid=alice", "ou=people,dc=acme"))
        );
        assert_eq!(
            split_first_rdn(r"cn=Smith\, John , ou=people"),
            Some((r"cn=Smith\, John", "ou=people"))
        );
        assert_eq!(
            split_first_rdn(r#"cn="a,b",dc=x"#),
            Some((r#"cn="a,b""#, "dc=x"))
        );
        assert_eq!(split_first_rdn("dc=example"), Some(("dc=example", "")));
        assert_eq!(split_first_rdn(""), None);
        assert_eq!(split_first_rdn(r"cn=bad\"), None);
    }

    #[test]
    fn finds_the_naming_context() {
        assert_eq!(
            naming_context("ou=people,dc=acme,dc=example"),
            Some("dc=acme,dc=example")
        );
        assert_eq!(
            naming_context("OU=Users,DC=corp,DC=example"),
            Some("DC=corp,DC=example")
        );
        assert_eq!(naming_context("dc=acme,ou=x,o=corp"), None);
        assert_eq!(naming_context("ou=people,o=acme"), None);
    }

    #[test]
    fn compares_dns_as_servers_do() {
        assert!(is_below(
            "uid=a,ou=Disabled, dc=acme,dc=example",
            "OU=disabled,dc=acme,dc=example"
        ));
        assert!(!is_below(
            "uid=a,ou=notdisabled,dc=acme,dc=example",
            "ou=disabled,dc=acme,dc=example"
        ));
        assert!(!is_below(
            "ou=disabled,dc=acme,dc=example",
            "ou=disabled,dc=acme,dc=example"
        ));
        assert!(is_within(
            "ou=disabled,dc=acme,dc=example",
            "ou=disabled,dc=acme,dc=example"
        ));
    }

    #[test]
    fn reads_the_rdn_value() {
        assert_eq!(
            rdn_value("uid=alice,ou=people", "uid"),
            Some("alice".to_owned())
        );
        assert_eq!(
            rdn_value(r"UID=o\2cx\,y\c3\a9,ou=people", "uid"),
            Some("o,x,y\u{e9}".to_owned())
        );
        assert_eq!(rdn_value("cn=alice,ou=people", "uid"), None);
    }
}
