//! A small, strict CSV reader for the seed files (RFC 4180): comma separated, fields optionally
//! quoted with `"`, a quote inside quotes written `""`, quoted fields may span lines, LF or CRLF
//! line ends, an optional UTF-8 byte-order mark. It owns only the syntax and the line numbers;
//! it never interprets values (the seed loader does).

use super::error::SeedErrorKind;

/// One CSV record and the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Line of the record's first character.
    pub line: usize,
    /// The field values, unquoted.
    pub fields: Vec<String>,
}

/// A syntax error and the line it was found on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub kind: SeedErrorKind,
}

/// Split `text` into records. Blank lines are skipped; a line holding only `""` is a record
/// with one empty field.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    // The field began with a quote (so it is not blank even when empty).
    let mut quoted = false;
    let mut in_quotes = false;
    let mut after_quote = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();

    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if !fields.is_empty() || !field.is_empty() || quoted {
                    fields.push(std::mem::take(&mut field));
                    records.push(Record {
                        line: record_line,
                        fields: std::mem::take(&mut fields),
                    });
                }
                quoted = false;
                after_quote = false;
                line += 1;
                record_line = line;
            }
            '"' if after_quote => {
                return Err(SyntaxError {
                    line,
                    kind: SeedErrorKind::TextAfterQuote,
                });
            }
            '"' if field.is_empty() && !quoted => {
                quoted = true;
                in_quotes = true;
            }
            '"' => {
                return Err(SyntaxError {
                    line,
                    kind: SeedErrorKind::BareQuote,
                });
            }
            _ if after_quote => {
                return Err(SyntaxError {
                    line,
                    kind: SeedErrorKind::TextAfterQuote,
                });
            }
            other => field.push(other),
        }
    }
    if in_quotes {
        return Err(SyntaxError {
            line: record_line,
            kind: SeedErrorKind::UnterminatedQuote,
        });
    }
    if !fields.is_empty() || !field.is_empty() || quoted {
        fields.push(field);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        let records = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        records.into_iter().map(|r| (r.line, r.fields)).collect()
    }

    fn rec(line: usize, values: &[&str]) -> (usize, Vec<String>) {
        (line, values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn plain_records_with_lf_crlf_and_bom() {
        assert_eq!(
            fields("\u{feff}a,b\r\n1,2\n\n3,\n"),
            vec![rec(1, &["a", "b"]), rec(2, &["1", "2"]), rec(4, &["3", ""])]
        );
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        assert_eq!(
            fields("x,y\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,\"\""),
            vec![
                rec(1, &["x", "y"]),
                rec(2, &["a,b", "say \"hi\""]),
                rec(3, &["two\nlines", "z"]),
                rec(5, &["last", ""]),
            ]
        );
    }

    #[test]
    fn a_lone_empty_quoted_field_is_a_record() {
        assert_eq!(fields("\"\"\n"), vec![rec(1, &[""])]);
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let cases = [
            ("a\n\"open\nstill", 2, SeedErrorKind::UnterminatedQuote),
            ("a\nb\n\"x\"y", 3, SeedErrorKind::TextAfterQuote),
            ("a\nab\"c", 2, SeedErrorKind::BareQuote),
        ];
        for (text, line, kind) in cases {
            assert_eq!(parse(text), Err(SyntaxError { line, kind }), "{text:?}");
        }
    }
}
