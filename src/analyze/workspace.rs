//! A whole playbook repository, loaded and validated for the engine: configuration, glossary,
//! role matrix, legal holds and every playbook. Either everything is valid or the caller gets
//! every diagnostic.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, DiagnosticKind, Span};
use super::{
    Context, analyze_config, analyze_glossary_partial, analyze_holds, analyze_roles,
    check_playbooks, conflicts, encoding_problem, file_id,
};
use crate::load::{self, SourceFile};
use crate::playbook::{Config, Glossary, Holds, Playbook, RoleMatrix, Status};

/// A validated repository.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The configuration.
    pub config: Config,
    /// The glossary.
    pub glossary: Glossary,
    /// The role matrix.
    pub roles: RoleMatrix,
    /// Legal holds (empty when no holds file is configured).
    pub holds: Holds,
    /// Every playbook of the configured directory, sorted by path.
    pub playbooks: Vec<PlaybookFile>,
}

/// A playbook and the file it came from.
#[derive(Clone, Debug)]
pub struct PlaybookFile {
    /// The file.
    pub path: PathBuf,
    /// Its validated content.
    pub playbook: Playbook,
}

/// Why a repository could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read or a directory listed.
    #[error(transparent)]
    Io(#[from] crate::Error),
    /// Files are invalid; every diagnostic is here.
    #[error("{} problem(s) in the playbook repository, first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Diagnostic>),
}

impl Workspace {
    /// Load and validate the repository whose configuration is `config_path`.
    pub fn load(config_path: &Path) -> Result<Workspace, LoadError> {
        let source = load::read(config_path)?;
        let mut diags = Vec::new();
        let config = checked(&source, &mut diags, |s| {
            analyze_config(file_id(&s.path), &s.text, &|p| p.exists())
        });
        let Some(config) = config else {
            return Err(LoadError::Invalid(diags));
        };
        // What could be read of the glossary is context for the playbooks even when it has
        // problems; it is returned only when it has none.
        let glossary = required_file(&config.glossary, &config, &mut diags, |s| {
            analyze_glossary_partial(file_id(&s.path), &s.text)
        })?;
        let roles = required_file(&config.roles, &config, &mut diags, |s| {
            analyze_roles(file_id(&s.path), &s.text)
        })?;
        let holds = match &config.holds {
            Some(path) => required_file(path, &config, &mut diags, |s| {
                analyze_holds(file_id(&s.path), &s.text)
            })?,
            None => Some(Holds::default()),
        };
        let mut sources = Vec::new();
        if config.playbooks.is_dir() {
            for path in load::playbook_files(&config.playbooks)? {
                sources.push(load::read(&path)?);
            }
        } else {
            diags.push(missing(&config, &config.playbooks));
        }
        let context = Context {
            config: Some(&config),
            glossary: glossary.as_ref(),
            gaps: None,
        };
        let mut playbooks = Vec::new();
        let checked = check_playbooks(&sources, context);
        let identities: Vec<_> = sources
            .iter()
            .zip(&checked)
            .map(|(s, c)| (file_id(&s.path), &c.identity))
            .collect();
        let across = conflicts(&identities);
        for (source, found) in sources.iter().zip(checked) {
            diags.extend(found.diagnostics);
            if let Some(playbook) = found.playbook {
                playbooks.push(PlaybookFile {
                    path: source.path.clone(),
                    playbook,
                });
            }
        }
        diags.extend(across);
        match (glossary, roles, holds) {
            (Some(glossary), Some(roles), Some(holds)) if diags.is_empty() => Ok(Workspace {
                config,
                glossary,
                roles,
                holds,
                playbooks,
            }),
            _ => Err(LoadError::Invalid(diags)),
        }
    }

    /// The playbook named `name`.
    pub fn playbook(&self, name: &str) -> Option<&PlaybookFile> {
        self.playbooks.iter().find(|p| p.playbook.name == name)
    }

    /// The playbooks triggered by `status`, in path order.
    pub fn playbooks_for(&self, status: Status) -> Vec<&PlaybookFile> {
        self.playbooks
            .iter()
            .filter(|p| p.playbook.is_triggered_by(status))
            .collect()
    }
}

fn checked<T>(
    source: &SourceFile,
    diags: &mut Vec<Diagnostic>,
    check: impl FnOnce(&SourceFile) -> (Option<T>, Vec<Diagnostic>),
) -> Option<T> {
    if let Some(d) = encoding_problem(source) {
        diags.push(d);
        return None;
    }
    let (value, found) = check(source);
    diags.extend(found);
    value
}

fn missing(config: &Config, path: &Path) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::InvalidConfig {
            message: format!("`{}` does not exist", crate::human::path(path)),
        },
        file: file_id(&config.path),
        span: Span::START,
    }
}

fn required_file<T>(
    path: &Path,
    config: &Config,
    diags: &mut Vec<Diagnostic>,
    check: impl FnOnce(&SourceFile) -> (Option<T>, Vec<Diagnostic>),
) -> Result<Option<T>, LoadError> {
    if !path.is_file() {
        diags.push(missing(config, path));
        return Ok(None);
    }
    let source = load::read(path)?;
    Ok(checked(&source, diags, check))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_copy() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
        for rel in [
            "offboard.yaml",
            "glossary.yaml",
            "roles.yaml",
            "hr.csv",
            "playbooks/voluntary-leaver.yaml",
        ] {
            let target = dir.path().join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(from.join(rel), target).unwrap();
        }
        dir
    }

    #[test]
    fn loads_a_valid_repository() {
        let dir = valid_copy();
        let ws = Workspace::load(&dir.path().join("offboard.yaml")).unwrap();
        assert_eq!(ws.playbooks.len(), 1);
        assert_eq!(ws.config.glossary, dir.path().join("glossary.yaml"));
        assert_eq!(ws.glossary.status_of("VOL"), Some(Status::Resigned));
        assert_eq!(ws.roles.role("sales").unwrap().licenses, ["salesforce"]);
        let found = ws.playbooks_for(Status::Resigned);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].playbook.name, "voluntary-leaver");
        assert!(ws.playbook("voluntary-leaver").is_some());
        assert!(ws.playbooks_for(Status::Terminated).is_empty());
        let directory = ws.config.connector("directory").unwrap();
        assert_eq!(
            directory.connector_type(),
            crate::playbook::ConnectorType::Sqlite
        );
        assert_eq!(ws.config.policy.deadlines.critical.as_secs(), 900);
    }

    #[test]
    fn two_playbooks_of_one_status_are_refused() {
        let dir = valid_copy();
        let text =
            std::fs::read_to_string(dir.path().join("playbooks/voluntary-leaver.yaml")).unwrap();
        std::fs::write(
            dir.path().join("playbooks/zz-copy.yaml"),
            text.replace("name: voluntary-leaver", "name: zz-copy"),
        )
        .unwrap();
        match Workspace::load(&dir.path().join("offboard.yaml")) {
            Err(LoadError::Invalid(diags)) => {
                assert_eq!(diags.len(), 1, "{diags:?}");
                assert_eq!(diags[0].code(), "OB025");
                assert!(diags[0].file.ends_with("playbooks/zz-copy.yaml"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_invalid_file_gives_every_diagnostic() {
        let dir = valid_copy();
        std::fs::write(
            dir.path().join("roles.yaml"),
            "version: 1\nroles:\n  idle: {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("playbooks/x.yaml"), "version: 3\n").unwrap();
        match Workspace::load(&dir.path().join("offboard.yaml")) {
            Err(LoadError::Invalid(diags)) => {
                let codes: Vec<_> = diags.iter().map(Diagnostic::code).collect();
                assert_eq!(
                    codes,
                    ["OB040", "OB007", "OB004", "OB004", "OB004", "OB004"]
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
