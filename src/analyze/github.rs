//! The diagnostics as GitHub Actions workflow commands (`offboard validate --format github`), one
//! annotation per diagnostic: `::error file=F,line=L,col=C,title=CODE::message` with the hint
//! on a second line. It writes the commands; it never chooses the files.

use std::io::Write;

use super::diagnostic::Diagnostic;

/// Write one annotation per diagnostic, each with its path (relative to its work tree, since
/// GitHub attaches annotations only to repository paths).
pub fn write(out: &mut impl Write, diagnostics: &[(String, &Diagnostic)]) -> std::io::Result<()> {
    for (file, d) in diagnostics {
        writeln!(
            out,
            "::error file={},line={},col={},title={}::{}",
            escape_property(file),
            d.span.line,
            d.span.column,
            d.code(),
            escape_data(&format!("{}\nhint: {}", d.message(), d.hint()))
        )?;
    }
    Ok(())
}

/// Workflow-command data: `%`, CR and LF encoded; other control characters shown as `\u{..}`.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// A workflow-command property: data escaping, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_data("a\u{1b}b"), "a\\u{1b}b");
        assert_eq!(escape_property("C:\\x,y"), "C%3A\\x%2Cy");
    }
}
