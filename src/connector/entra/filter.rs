//! OData `$filter` expressions built from employee data: `attribute eq 'value'` with the value
//! written as an OData string literal (a single quote doubled), so a value can never end the
//! literal and add a clause of its own.

/// `attribute eq 'value'`, the value escaped.
pub fn equals(attribute: &str, value: &str) -> String {
    format!("{attribute} eq '{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        for (value, expected) in [
            ("pat@contoso.example", "mail eq 'pat@contoso.example'"),
            (
                "o'brien@contoso.example",
                "mail eq 'o''brien@contoso.example'",
            ),
            ("x' or mail eq 'y", "mail eq 'x'' or mail eq ''y'"),
            ("''", "mail eq ''''''"),
        ] {
            assert_eq!(equals("mail", value), expected);
        }
    }
}
