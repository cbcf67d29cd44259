//! Stage 2, analyze: turn raw YAML into validated domain types, collecting every diagnostic
//! (never stopping at the first). Only this stage produces a [`crate::playbook`] value.
//!
//! Each file kind has one entry function returning the value (only when the file is clean) and
//! every diagnostic; [`Workspace::load`] runs them over a whole repository for the engine.

mod config;
mod config_values;
mod conflicts;
mod connectors;
mod diagnostic;
pub mod github;
mod glossary;
mod graph;
mod holds;
mod node;
mod params;
mod playbook;
mod raw_step;
mod reader;
pub mod sarif;
mod service_accounts;
mod template;
mod workspace;

use std::path::Path;
use std::sync::Arc;

pub use config::{ConfigGaps, PartialConfig, analyze_config, analyze_config_partial};
pub use conflicts::conflicts;
pub use diagnostic::{Diagnostic, DiagnosticKind, Severity, Span, suggest};
pub use glossary::{analyze_glossary, analyze_glossary_partial, analyze_roles};
pub use holds::analyze_holds;
pub use node::{Entry, MAX_FILE_BYTES, Node, SyntaxError, Value, parse};
pub use playbook::{Context, Identity, analyze as analyze_playbook};
pub use service_accounts::analyze_service_accounts;
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

/// One playbook file checked.
#[derive(Clone, Debug)]
pub struct CheckedPlaybook {
    /// The playbook, when the file has no diagnostic.
    pub playbook: Option<crate::playbook::Playbook>,
    /// Every diagnostic of the file.
    pub diagnostics: Vec<Diagnostic>,
    /// Its name and triggers, for the rules across playbooks ([`conflicts`]).
    pub identity: Identity,
}

/// Check a playbook source file (encoding, then content).
pub fn check_playbook_source(
    source: &SourceFile,
    context: Context<'_>,
) -> (Option<crate::playbook::Playbook>, Vec<Diagnostic>) {
    let checked = check_source(source, context);
    (checked.playbook, checked.diagnostics)
}

fn check_source(source: &SourceFile, context: Context<'_>) -> CheckedPlaybook {
    if let Some(d) = encoding_problem(source) {
        return CheckedPlaybook {
            playbook: None,
            diagnostics: vec![d],
            identity: Identity::default(),
        };
    }
    let (playbook, diagnostics, identity) =
        playbook::analyze_with_identity(Arc::from(source.path.as_path()), &source.text, context);
    CheckedPlaybook {
        playbook,
        diagnostics,
        identity,
    }
}

/// Below this much YAML in all, a second thread costs more than it saves (parsing runs at
/// roughly a kilobyte per 0.1 ms, starting a thread takes about 0.05 ms).
const PARALLEL_FROM_BYTES: usize = 4 * 1024;

/// Check many playbook files on every core; results keep the order of `sources`.
pub fn check_playbooks(sources: &[SourceFile], context: Context<'_>) -> Vec<CheckedPlaybook> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len().max(1));
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();
    if threads <= 1 || bytes < PARALLEL_FROM_BYTES {
        return sources.iter().map(|s| check_source(s, context)).collect();
    }
    let chunk = sources.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| check_source(s, context))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = include_str!("../../tests/fixtures/valid/playbooks/voluntary-leaver.yaml");

    fn check_all(source: &SourceFile) {
        let _ = check_playbook_source(source, Context::default());
        if encoding_problem(source).is_none() {
            let file = file_id(&source.path);
            let _ = analyze_config(file.clone(), &source.text, &|_| true);
            let _ = analyze_glossary(file.clone(), &source.text);
            let _ = analyze_roles(file.clone(), &source.text);
            let _ = analyze_holds(file.clone(), &source.text);
            let _ = analyze_service_accounts(file, &source.text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            check_all(&SourceFile::from_bytes("x.yaml", bytes));
        }

        #[test]
        fn yaml_ish_text_never_panics(text in "[a-z_:{}\\[\\],.&*!|>'\"#%@ \n-]{0,200}") {
            check_all(&SourceFile::from_text("x.yaml", text));
        }

        #[test]
        fn mangled_playbooks_never_panic(cut in 0..VALID.len(), len in 0usize..40, insert in "[ :\\[\\]{}\n-]{0,4}") {
            let mut text = VALID.to_owned();
            let start = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let end = (start + len).min(text.len());
            let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            text.replace_range(start..end, &insert);
            check_all(&SourceFile::from_text("x.yaml", text));
        }
    }

    #[test]
    fn valid_fixture_has_no_diagnostics_and_yields_a_playbook() {
        let source = SourceFile::from_text("v.yaml", VALID);
        let (playbook, diags) = check_playbook_source(&source, Context::default());
        assert_eq!(diags, []);
        let playbook = playbook.unwrap();
        assert_eq!(playbook.name, "voluntary-leaver");
        assert_eq!(playbook.steps.len(), 6);
        let delete = playbook.step("hard-delete").unwrap();
        assert!(delete.destructive);
        assert_eq!(delete.at.map(|d| d.to_string()).as_deref(), Some("+30d"));
        assert_eq!(delete.confirm, crate::playbook::Confirm::Readback);
        let manual = playbook.step("preserve-mailbox").unwrap();
        assert_eq!(manual.confirm, crate::playbook::Confirm::Manual);
        let ctx = serde_json::json!({"employee": {"email": "a@x", "manager_email": "m@x"}});
        assert_eq!(
            manual.with["task"].render(&ctx).unwrap(),
            "Hand the mailbox of a@x to m@x"
        );
    }

    #[test]
    fn bad_utf8_is_a_syntax_diagnostic() {
        let source = SourceFile::from_bytes("x.yaml", b"version: 1\nname: \xff\n".to_vec());
        let (_, diags) = check_playbook_source(&source, Context::default());
        assert_eq!(diags.len(), 1);
        assert_eq!(
            (diags[0].code(), diags[0].span.line, diags[0].span.column),
            ("OB001", 2, 7)
        );
    }
}
