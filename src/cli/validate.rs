//! `offboard validate`: run the analyzer over a playbook repository (or the files named) and
//! print every diagnostic as a human report, JSON or GitHub Actions annotations.
//!
//! Files checked: each PATH (a file, or the YAML files of a directory; a directory holding
//! `offboard.yaml` means that repository: its configuration, glossary, role matrix, holds,
//! service-account allow-list and playbooks). Without PATH: the configured playbooks directory,
//! else `./playbooks`. The configuration (`--config`, else `offboard.yaml` found upward from the
//! first PATH, else upward from the current directory), the glossary and the role matrix are
//! loaded as context and checked too, and so is `service-accounts.yaml` beside the
//! configuration when it exists. A configuration that cannot be read is reported as its diagnostics, never as a
//! usage error; what it would have named is then taken from its defaults beside it.
//!
//! With `--changed-since REV` only the files changed since REV are checked, unless a file the
//! playbooks are checked against (configuration, glossary, role matrix, legal holds) changed or
//! was deleted: then every file is, and the output says why.
//!
//! JSON output (`--format json`) is one object, a public contract:
//!
//! ```json
//! {
//!   "files_checked": 2,
//!   "errors": 1,
//!   "diagnostics": [
//!     { "file": "playbooks/leaver.yaml", "line": 12, "column": 5, "offset": 210, "length": 4,
//!       "code": "OB002", "severity": "error",
//!       "message": "unknown key `afer` in step", "hint": "did you mean `after`?" }
//!   ],
//!   "changed_since": { "revision": "origin/main", "all_checked": true,
//!                      "dependencies_changed": ["glossary.yaml"] }
//! }
//! ```
//!
//! `changed_since` is present only with `--changed-since`. Columns count characters in every
//! format. `--format github` paths are relative to the git work tree holding the file (GitHub
//! attaches annotations only to repository paths).
//!
//! Exit: 0 clean, 1 when any diagnostic was printed, 2 on usage errors (a PATH that does not
//! exist, nothing at all to check, a format validate does not print, an unknown revision).
//! Without PATH, configuration or `./playbooks`, the error is every command's "no
//! offboard.yaml" message.

use std::collections::HashMap;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::args::ValidateArgs;
use super::{Format, GlobalArgs};
use crate::analyze::{self, Diagnostic};
use crate::app::validate::{Outcome, ValidateRequest, canonical_lenient, check};
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::human::printable_lines;

/// Validate the files `args` names and print every diagnostic in the chosen format.
pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<Exit> {
    if !matches!(
        global.format,
        Format::Human | Format::Json | Format::Github | Format::Sarif
    ) {
        return Err(Error::Usage(format!(
            "`offboard validate` prints human, json, github or sarif, not {}",
            global.format
        )));
    }
    let request = ValidateRequest {
        config: global.config.clone(),
        paths: args.paths.clone(),
        changed_since: args.changed_since.clone(),
    };
    let outcome = check(&request)?;
    let mut out = std::io::stdout().lock();
    let written = match global.format {
        Format::Json => print_json(&mut out, &outcome),
        Format::Github => print_github(&mut out, &outcome),
        Format::Sarif => print_sarif(&mut out, &outcome),
        _ => print_human(&mut out, &outcome),
    };
    written.map_err(|e| Error::io("cannot write", "stdout", e))?;
    if global.format == Format::Human && !global.quiet {
        eprintln!("{}", summary(&outcome));
    }
    Ok(if outcome.diagnostics.is_empty() {
        Exit::Done
    } else {
        Exit::Findings
    })
}

/// The human summary line, e.g. `checked 4 files: 1 error`.
fn summary(outcome: &Outcome) -> String {
    let n = outcome.diagnostics.len();
    let mut line = format!(
        "checked {} file{}: {} error{}",
        outcome.files,
        plural(outcome.files),
        n,
        plural(n)
    );
    if let Some(scope) = &outcome.changed_since {
        if scope.all_checked {
            line.push_str(&format!(
                " (every file checked: {} changed since {})",
                scope.dependencies_changed.join(", "),
                scope.revision
            ));
        } else if outcome.files == 0 {
            line.push_str(&format!(" (nothing changed since {})", scope.revision));
        } else {
            line.push_str(&format!(" (files changed since {})", scope.revision));
        }
    }
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn print_json(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &outcome.report()).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// GitHub Actions workflow commands, one per diagnostic:
/// `::error file=F,line=L,col=C,title=CODE::message` then the hint on a second line. `F` is
/// relative to the root of the git work tree holding the file, when there is one.
fn print_github(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    let mut roots = RepoRoots::default();
    for d in &outcome.diagnostics {
        let file = roots.relative(&d.file);
        writeln!(
            out,
            "::error file={},line={},col={},title={}::{}",
            escape_property(&file.display().to_string()),
            d.span.line,
            d.span.column,
            d.code(),
            escape_data(&format!("{}\nhint: {}", d.message(), d.hint()))
        )?;
    }
    Ok(())
}

/// One SARIF 2.1.0 log; paths relative to the git work tree as for GitHub annotations.
fn print_sarif(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    let mut roots = RepoRoots::default();
    let located: Vec<(String, &Diagnostic)> = outcome
        .diagnostics
        .iter()
        .map(|d| (roots.relative(&d.file).display().to_string(), d))
        .collect();
    super::sarif::write(out, &located)
}

/// The git work tree roots of files' directories, looked up once per directory.
#[derive(Default)]
struct RepoRoots {
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl RepoRoots {
    /// `file` relative to the work tree holding it, or as given outside any.
    fn relative(&mut self, file: &Path) -> PathBuf {
        let absolute = canonical_lenient(file);
        let Some(dir) = absolute.parent().map(Path::to_path_buf) else {
            return file.to_path_buf();
        };
        let root = self.by_dir.entry(dir.clone()).or_insert_with(|| {
            dir.ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
        });
        match root.as_ref().and_then(|r| absolute.strip_prefix(r).ok()) {
            Some(rel) => rel.to_path_buf(),
            None => file.to_path_buf(),
        }
    }
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

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn print_human(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    let colour = super::colour::wanted(std::io::stdout().is_terminal());
    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    for d in &outcome.diagnostics {
        let text = outcome.texts.get(&d.file).map_or("", String::as_str);
        let report = Report::new(d, text);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &report).is_err() {
            rendered = format!("{}\n", printable_lines(&d.to_string()));
        }
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}

/// A character of a file's text as the snippet shows it: line breaks and tabs as they are (the
/// snippet keeps the file's lines), other control characters by their visible stand-ins.
fn visible(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c => crate::human::stand_in(c).unwrap_or(c),
    }
}

/// A file's text made printable for the snippet, and how to move byte offsets into it.
struct Printable {
    text: String,
    /// (offset in the original, bytes added by replacements up to and including it).
    shifts: Vec<(usize, usize)>,
}

impl Printable {
    fn new(original: &str) -> Printable {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut added = 0usize;
        for (at, c) in original.char_indices() {
            let shown = visible(c);
            text.push(shown);
            if shown != c {
                added += shown.len_utf8() - c.len_utf8();
                shifts.push((at, added));
            }
        }
        Printable { text, shifts }
    }

    /// The offset in the printable text of byte `offset` of the original.
    fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|(at, _)| *at < offset);
        let added = before.checked_sub(1).map_or(0, |i| self.shifts[i].1);
        offset + added
    }
}

/// A file's text for miette, named, whose reported column counts characters (miette counts
/// bytes), so the human header matches JSON and GitHub on lines with non-ASCII text.
struct Source {
    name: String,
    text: String,
}

impl miette::SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> std::result::Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let column = if context_lines_before == 0 {
            let at = span.offset().min(self.text.len());
            let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
            self.text
                .get(line_start..at)
                .map_or(inner.column(), |s| s.chars().count())
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// A diagnostic dressed for miette: source snippet, caret label, code and help.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Source,
    labels: Vec<miette::LabeledSpan>,
}

impl<'a> Report<'a> {
    fn new(diagnostic: &'a Diagnostic, text: &str) -> Report<'a> {
        let shown = Printable::new(text);
        let span = |s: analyze::Span, label: &str, primary: bool| {
            let start = shown.offset(s.offset.min(text.len()));
            let end = shown.offset((s.offset + s.len).min(text.len()));
            let label = Some(label.to_owned());
            if primary {
                miette::LabeledSpan::new_primary_with_span(label, (start, end - start))
            } else {
                miette::LabeledSpan::new_with_span(label, (start, end - start))
            }
        };
        let mut labels = vec![span(diagnostic.span, "here", true)];
        if let Some(first) = diagnostic.kind.related() {
            labels.push(span(first, "first here", false));
        }
        Report {
            diagnostic,
            source: Source {
                name: diagnostic.file.display().to_string(),
                text: shown.text,
            },
            labels,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable_lines(&self.diagnostic.kind.to_string()))
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code()))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(printable_lines(&self.diagnostic.hint())))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
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

    #[test]
    fn printable_text_keeps_offsets_in_step() {
        let original = "a: \"x\u{1b}[31m\u{7}\"\nb: é\n";
        let shown = Printable::new(original);
        assert_eq!(shown.text, "a: \"x\u{241b}[31m\u{2407}\"\nb: é\n");
        assert!(!shown.text.chars().any(|c| c.is_control() && c != '\n'));
        let b = original.find("b:").unwrap();
        assert_eq!(&shown.text[shown.offset(b)..shown.offset(b) + 2], "b:");
        assert_eq!(shown.offset(3), 3);
    }
}
