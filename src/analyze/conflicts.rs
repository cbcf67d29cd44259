//! Rules across the playbooks of one repository: a status triggers at most one playbook, and a
//! name belongs to one playbook file. `run` picks playbooks by status and by name, so either
//! conflict would make it refuse or guess. Reads [`Identity`]s; never reads files.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, DiagnosticKind, Span};
use super::playbook::Identity;
use crate::playbook::Status;

/// The conflicts among `playbooks` (each file with its identity), each reported at the later
/// occurrence in the given order, with the earlier one's location in the diagnostic.
pub fn conflicts(playbooks: &[(Arc<Path>, &Identity)]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut names: HashMap<&str, (&Arc<Path>, Span)> = HashMap::new();
    let mut statuses: HashMap<Status, (&Arc<Path>, &str, Span)> = HashMap::new();
    for (file, identity) in playbooks {
        let name = identity.name.as_ref();
        if let Some((name, span)) = name {
            match names.get(name.as_str()) {
                Some((first_file, first)) => diags.push(Diagnostic {
                    kind: DiagnosticKind::NameTaken {
                        name: name.clone(),
                        first_file: Arc::clone(first_file),
                        first: *first,
                    },
                    file: Arc::clone(file),
                    span: *span,
                }),
                None => {
                    names.insert(name, (file, *span));
                }
            }
        }
        let playbook = name.map_or("", |(n, _)| n.as_str());
        for (status, span) in &identity.triggers {
            match statuses.get(status) {
                Some((first_file, _, _)) if *first_file == file => {}
                Some((first_file, first_playbook, first)) => diags.push(Diagnostic {
                    kind: DiagnosticKind::TriggerTaken {
                        status: status.as_str().to_owned(),
                        first_playbook: (*first_playbook).to_owned(),
                        first_file: Arc::clone(first_file),
                        first: *first,
                    },
                    file: Arc::clone(file),
                    span: *span,
                }),
                None => {
                    statuses.insert(*status, (file, playbook, *span));
                }
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Span {
        Span {
            line,
            column,
            offset: 0,
            len: 0,
        }
    }

    fn identity(name: &str, triggers: &[(Status, u32)]) -> Identity {
        Identity {
            name: Some((name.to_owned(), at(2, 7))),
            triggers: triggers.iter().map(|(s, l)| (*s, at(*l, 12))).collect(),
        }
    }

    #[test]
    fn later_occurrences_are_reported_with_the_first_location() {
        let a = identity("leaver", &[(Status::Terminated, 8)]);
        let b = identity("other", &[(Status::Resigned, 9), (Status::Terminated, 9)]);
        let c = identity("leaver", &[]);
        let files: Vec<(Arc<Path>, &Identity)> = vec![
            (Arc::from(Path::new("a.yaml")), &a),
            (Arc::from(Path::new("b.yaml")), &b),
            (Arc::from(Path::new("c.yaml")), &c),
        ];
        let found: Vec<(String, String, String)> = conflicts(&files)
            .iter()
            .map(|d| (d.file.display().to_string(), d.code().to_owned(), d.hint()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "b.yaml".to_owned(),
                    "OB025".to_owned(),
                    "`run` needs one playbook per status: remove this trigger or the one of `leaver` at a.yaml:8:12".to_owned()
                ),
                (
                    "c.yaml".to_owned(),
                    "OB026".to_owned(),
                    "give every playbook its own name (the other is at a.yaml:2:7)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn one_file_listing_a_status_twice_is_no_conflict() {
        let a = identity("a", &[(Status::Terminated, 8), (Status::Terminated, 8)]);
        assert_eq!(conflicts(&[(Arc::from(Path::new("a.yaml")), &a)]), []);
    }
}
