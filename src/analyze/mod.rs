//! Stage 2, analyze: turn raw YAML into validated domain types, collecting every diagnostic
//! (never stopping at the first). Only this stage produces a [`crate::playbook`] value.
//!
//! Each file kind has one entry function returning the value (only when the file is clean) and
//! every diagnostic; [`Workspace::load`] runs them over a whole repository for the engine.

mod config;
mod diagnostic;
mod glossary;
mod graph;
mod holds;
mod node;
mod playbook;
mod reader;
mod template;
mod workspace;

use std::path::Path;
use std::sync::Arc;

pub use config::analyze_config;
pub use diagnostic::{Diagnostic, DiagnosticKind, Severity, Span};
pub use glossary::{analyze_glossary, analyze_roles};
pub use holds::analyze_holds;
pub use node::{Entry, MAX_FILE_BYTES, Node, SyntaxError, Value, parse};
pub use playbook::{Context, analyze as analyze_playbook};
pub use workspace::{LoadError, PlaybookFile, Workspace};

use crate::load::SourceFile;

/// A diagnostic for a file that is not UTF-8, or `None` when it is.
pub fn encoding_problem(source: &SourceFile) -> Option<Diagnostic> {
    let at = source.invalid_utf8_at?;
    let before = &source.text.as_bytes()[..at.min(source.text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    Some(Diagnostic {
        kind: DiagnosticKind::Syntax {
            message: "the file is not valid UTF-8".into(),
        },
        file: Arc::from(source.path.as_path()),
        span: Span {
            line,
            column,
            offset: at,
            len: 1,
        },
    })
}

/// Check a playbook source file (encoding, then content).
pub fn check_playbook_source(
    source: &SourceFile,
    context: Context<'_>,
) -> (Option<crate::playbook::Playbook>, Vec<Diagnostic>) {
    if let Some(d) = encoding_problem(source) {
        return (None, vec![d]);
    }
    analyze_playbook(Arc::from(source.path.as_path()), &source.text, context)
}

/// Check many playbook files on every core; results keep the order of `sources`.
pub fn check_playbooks(
    sources: &[SourceFile],
    context: Context<'_>,
) -> Vec<(Option<crate::playbook::Playbook>, Vec<Diagnostic>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len().max(1));
    if threads <= 1 || sources.len() < 16 {
        return sources
            .iter()
            .map(|s| check_playbook_source(s, context))
            .collect();
    }
    let chunk = sources.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| check_playbook_source(s, context))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// The file as an `Arc<Path>` for diagnostics.
pub(crate) fn file_id(path: &Path) -> Arc<Path> {
    Arc::from(path)
}
