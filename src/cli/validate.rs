//! `offboard validate`: check a playbook repository, or the files named, through
//! [`crate::app::validate`] and print every diagnostic for people (source snippets), as JSON,
//! as GitHub Actions annotations ([`crate::analyze::github`]) or as a SARIF log
//! ([`crate::analyze::sarif`]). Which files are checked, the JSON document and the exit codes
//! are documented in docs/playbook-format.md (Diagnostics); the CI formats in docs/ci.md.

use std::fmt;
use std::io::{IsTerminal, Write};

use super::args::ValidateArgs;
use super::{Format, GlobalArgs};
use crate::analyze::{self, Diagnostic};
use crate::app::Result;
use crate::app::validate::{Outcome, ValidateRequest, check};
use crate::error::Error;
use crate::exit::Exit;
use crate::human::{ShownText, printable_lines};

/// Validate the files `args` names and print every diagnostic in the chosen format.
pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<Exit> {
    let request = ValidateRequest {
        config: global.config.clone(),
        paths: args.paths.clone(),
        changed_since: args.changed_since.clone(),
    };
    let outcome = check(&request)?;
    let mut out = std::io::stdout().lock();
    let written = match global.format {
        Format::Json => print_json(&mut out, &outcome),
        Format::Github => analyze::github::write(&mut out, &outcome.in_work_trees()),
        Format::Sarif => analyze::sarif::write(&mut out, &outcome.in_work_trees()),
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
        let shown = ShownText::new(text);
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
