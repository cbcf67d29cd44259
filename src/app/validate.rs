//! Validate a playbook repository (or the files named): run the analyzer over them, with the
//! configuration, glossary, role matrix and holds as context, and collect every diagnostic. The
//! rules for which files are checked are those `offboard validate` documents; printing them is
//! the front end's. The JSON document ([`ValidateReport`]) is a public contract, described in
//! docs/playbook-format.md (Diagnostics).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::{Error, Result, playbook_signature};
use crate::analyze::{self, Context, Diagnostic, DiagnosticKind, PartialConfig, Span};
use crate::load::{self, CONFIG_FILE, FileKind, SourceFile};
use crate::playbook::{Config, Glossary};

/// The `--format json` document of `offboard validate`.
#[derive(Debug, Serialize)]
pub struct ValidateReport {
    /// How many files were checked.
    pub files_checked: usize,
    /// How many diagnostics are errors.
    pub errors: usize,
    /// Every diagnostic, by file then position.
    pub diagnostics: Vec<JsonDiagnostic>,
    /// What `--changed-since` selected; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_since: Option<ChangedSince>,
}

/// One diagnostic in the JSON document.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// The file, relative to the current directory when inside it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Byte offset in the file.
    pub offset: usize,
    /// Length in bytes of the marked text (0 when it is a point).
    pub length: usize,
    /// Stable code, e.g. `OB014`.
    pub code: &'static str,
    /// `error`.
    pub severity: analyze::Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Outcome {
    /// The `--format json` document of what was checked and found.
    pub fn report(&self) -> ValidateReport {
        ValidateReport {
            files_checked: self.files,
            errors: self.diagnostics.len(),
            diagnostics: self
                .diagnostics
                .iter()
                .map(|d| JsonDiagnostic {
                    file: d.file.display().to_string(),
                    line: d.span.line,
                    column: d.span.column,
                    offset: d.span.offset,
                    length: d.span.len,
                    code: d.code(),
                    severity: d.severity(),
                    message: d.message(),
                    hint: d.hint(),
                })
                .collect(),
            changed_since: self.changed_since.clone(),
        }
    }

    /// Every diagnostic with its file relative to the root of the git work tree holding it (as
    /// given outside any): the paths GitHub annotations and SARIF logs name.
    pub fn in_work_trees(&self) -> Vec<(String, &Diagnostic)> {
        let mut roots = RepoRoots::default();
        self.diagnostics
            .iter()
            .map(|d| (roots.relative(&d.file).display().to_string(), d))
            .collect()
    }
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

/// How `--changed-since` chose the files checked.
#[derive(Clone, Debug, Serialize)]
pub struct ChangedSince {
    /// The revision given.
    pub revision: String,
    /// True when every file was checked because a dependency of the playbooks changed.
    pub all_checked: bool,
    /// The configuration, glossary, role matrix or holds files changed or deleted since the
    /// revision (empty when none did).
    pub dependencies_changed: Vec<String>,
}

/// What was checked and found.
#[derive(Debug)]
pub struct Outcome {
    /// How many files were checked.
    pub files: usize,
    /// Every diagnostic, by file then position.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of each file checked, to quote the lines diagnostics point at.
    pub texts: HashMap<Arc<Path>, String>,
    /// What `--changed-since` selected; absent without it.
    pub changed_since: Option<ChangedSince>,
}

/// The configuration file to use: `--config` (worded like every other command when it is not a
/// file), else `offboard.yaml` found upward from `start` (the first PATH: the repository the
/// files are in), else upward from the current directory (as every other command looks).
fn config_path(given: Option<&Path>, start: &Path) -> Result<Option<PathBuf>> {
    if given.is_some() {
        return super::workspace::config_path(given).map(Some);
    }
    let found = load::find_upward(start, CONFIG_FILE).or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| load::find_upward(&cwd, CONFIG_FILE))
    });
    Ok(found.map(|p| relative(&p)))
}

/// What to validate.
#[derive(Clone, Debug, Default)]
pub struct ValidateRequest {
    /// The configuration file given (`--config`), if any.
    pub config: Option<PathBuf>,
    /// The files and directories to check; none: the configured playbooks.
    pub paths: Vec<PathBuf>,
    /// Check only what changed since this git revision.
    pub changed_since: Option<String>,
}

/// The files to check, the context to check them against, and the diagnostics.
pub fn check(args: &ValidateRequest) -> Result<Outcome> {
    for path in &args.paths {
        if !path.exists() {
            return Err(Error::Missing {
                what: "",
                path: path.clone(),
                hint: "",
            });
        }
    }
    let start = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config_path = config_path(args.config.as_deref(), &start)?;
    let mut checker = Checker::default();
    let repo = Repository::check(&mut checker, config_path, &start)?;
    let config = repo.config();
    let (playbooks, peers) = gather(&mut checker, args, &repo)?;
    let changes = match &args.changed_since {
        Some(rev) => Some((
            rev,
            load::changes_since(&start, rev).map_err(Error::ChangedSince)?,
        )),
        None => None,
    };
    let scope = changes
        .as_ref()
        .map(|(rev, changes)| repo.scope(rev, changes));
    let in_scope = |path: &Path| -> bool {
        match (&changes, &scope) {
            (Some((_, changes)), Some(scope)) if !scope.all_checked => {
                changes.changed.contains(&canonical(path))
            }
            _ => true,
        }
    };
    let context = Context {
        config,
        glossary: repo.glossary.as_ref(),
        gaps: repo
            .partial
            .as_ref()
            .filter(|p| !p.complete)
            .map(|p| &p.gaps),
    };
    let signatures = Signatures::of(config)?;
    check_playbooks(
        &mut checker,
        playbooks,
        peers,
        context,
        &in_scope,
        &signatures,
    )?;
    if changes.is_some() {
        checker.retain(|path| in_scope(path));
    } else if checker.files.is_empty() {
        return Err(nothing_found(args, config));
    }
    let mut outcome = checker.finish();
    outcome.changed_since = scope;
    Ok(outcome)
}

/// The repository's configuration, glossary, role matrix, holds and allow-list, checked: what
/// could be read of them is the context the playbooks are checked against.
struct Repository {
    config_path: Option<PathBuf>,
    partial: Option<PartialConfig>,
    glossary: Option<Glossary>,
    /// The files the playbooks are checked against (a change to one checks every playbook).
    dependencies: Vec<PathBuf>,
}

impl Repository {
    fn check(checker: &mut Checker, config_path: Option<PathBuf>, start: &Path) -> Result<Self> {
        let mut dependencies: Vec<PathBuf> = Vec::new();
        let partial: Option<PartialConfig> = match &config_path {
            Some(path) => {
                dependencies.push(path.clone());
                checker.check_config(load::read(path)?)
            }
            None => None,
        };
        let config = partial.as_ref().map(|p| &p.config);
        let context_file = |configured: Option<&Path>, name: &str| -> Option<PathBuf> {
            match (configured, &config_path) {
                (Some(p), _) if p.as_os_str().is_empty() => None,
                (Some(p), _) => Some(relative(p)),
                // A configuration that could not be read at all: its defaults, beside it.
                (None, Some(c)) => Some(beside(c, name)),
                (None, None) => load::find_upward(start, name).map(|p| relative(&p)),
            }
        };
        let glossary_path = context_file(config.map(|c| c.glossary.as_path()), "glossary.yaml");
        let roles_path = context_file(config.map(|c| c.roles.as_path()), "roles.yaml");
        let holds_path = config.and_then(|c| c.holds.as_deref()).map(relative);
        dependencies.extend(
            glossary_path
                .iter()
                .chain(&roles_path)
                .chain(&holds_path)
                .cloned(),
        );
        let glossary = match glossary_path.filter(|p| p.is_file()) {
            Some(p) => checker.check_glossary(load::read(&p)?),
            None => None,
        };
        if let Some(p) = roles_path.filter(|p| p.is_file()) {
            checker.check_other(load::read(&p)?, FileKind::Roles);
        }
        if let Some(p) = holds_path.filter(|p| p.is_file()) {
            checker.check_other(load::read(&p)?, FileKind::Holds);
        }
        // The allow-list `reconcile` reads: checked with the repository, though no playbook
        // depends on it.
        let allow_list = config_path
            .as_deref()
            .map(|c| beside(c, crate::playbook::ALLOW_LIST_FILE));
        if let Some(p) = allow_list.filter(|p| p.is_file()) {
            checker.check_other(load::read(&p)?, FileKind::ServiceAccounts);
        }
        Ok(Repository {
            config_path,
            partial,
            glossary,
            dependencies,
        })
    }

    fn config(&self) -> Option<&Config> {
        self.partial.as_ref().map(|p| &p.config)
    }

    /// What `--changed-since rev` selects, given the files changed since.
    fn scope(&self, rev: &str, changes: &load::Changes) -> ChangedSince {
        let touched: Vec<String> = self
            .dependencies
            .iter()
            .filter(|d| {
                let key = canonical_lenient(d);
                changes.changed.contains(&key) || changes.deleted.contains(&key)
            })
            .map(|d| d.display().to_string())
            .collect();
        ChangedSince {
            revision: rev.to_owned(),
            all_checked: !touched.is_empty(),
            dependencies_changed: touched,
        }
    }
}

/// The playbooks to check (other files named are checked on the way), and the other playbooks
/// of the configured directory: not checked, but the rules across playbooks (one per status, one
/// per name) see them.
fn gather(
    checker: &mut Checker,
    args: &ValidateRequest,
    repo: &Repository,
) -> Result<(Vec<SourceFile>, Vec<SourceFile>)> {
    let config = repo.config();
    let config_path = &repo.config_path;
    // A configuration with problems (or none readable at all) is reported as the diagnostics
    // it is; where it puts the playbooks may then be unknown.
    let incomplete_config =
        config_path.is_some() && repo.partial.as_ref().is_none_or(|p| !p.complete);
    let default_dir = match (config, config_path) {
        (Some(c), _) => relative(&c.playbooks),
        (None, Some(path)) => beside(path, "playbooks"),
        (None, None) => PathBuf::from("playbooks"),
    };
    if args.paths.is_empty() && config_path.is_none() && !default_dir.is_dir() {
        // Nothing named, no configuration and no ./playbooks: what every command says.
        let cwd = std::env::current_dir().map_err(|e| crate::Error::io("cannot read", ".", e))?;
        return Err(super::workspace::no_config(&cwd));
    }
    let targets = targets(&args.paths, config, &default_dir, incomplete_config)?;
    let mut playbooks = Vec::new();
    for path in targets {
        if checker.seen(&path) {
            continue;
        }
        let source = load::read(&path)?;
        match load::classify(&path, config) {
            FileKind::Playbook => playbooks.push(source),
            FileKind::Config => {
                checker.check_config(source);
            }
            FileKind::Glossary => {
                checker.check_glossary(source);
            }
            kind => checker.check_other(source, kind),
        }
    }
    let named: HashSet<PathBuf> = playbooks.iter().map(|s| canonical(&s.path)).collect();
    let mut peers = Vec::new();
    if let Some(c) = config.filter(|c| !args.paths.is_empty() && c.playbooks.is_dir()) {
        for path in load::playbook_files(&relative(&c.playbooks))? {
            if !named.contains(&canonical(&path)) && !checker.seen(&path) {
                peers.push(load::read(&path)?);
            }
        }
    }
    Ok((playbooks, peers))
}

/// Analyze `playbooks` with `peers` beside them and add each playbook's diagnostics, conflicts
/// across playbooks and unsigned commits included, to `checker`.
fn check_playbooks(
    checker: &mut Checker,
    playbooks: Vec<SourceFile>,
    peers: Vec<SourceFile>,
    context: Context<'_>,
    in_scope: &dyn Fn(&Path) -> bool,
    signatures: &Signatures,
) -> Result<()> {
    // Files named twice count once (the checker keeps each file once).
    let peer_from = playbooks
        .iter()
        .map(|s| canonical(&s.path))
        .collect::<HashSet<_>>()
        .len();
    let all: Vec<SourceFile> = playbooks.into_iter().chain(peers).collect();
    let checked = analyze::check_playbooks(&all, context);
    // Conflicts are reported at the later occurrence: files out of scope (peers, unchanged)
    // come first so that a conflict involving a checked file is reported there.
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|&i| (i < peer_from && in_scope(&all[i].path), &all[i].path));
    let identities: Vec<(Arc<Path>, &analyze::Identity)> = order
        .iter()
        .map(|&i| (Arc::from(all[i].path.as_path()), &checked[i].identity))
        .collect();
    let mut across: HashMap<Arc<Path>, Vec<Diagnostic>> = HashMap::new();
    for d in analyze::conflicts(&identities) {
        across.entry(d.file.clone()).or_default().push(d);
    }
    for (source, result) in all.iter().zip(checked).take(peer_from) {
        let mut found = result.diagnostics;
        found.extend(signatures.check(&source.path)?);
        found.extend(
            across
                .remove(&Arc::from(source.path.as_path()))
                .unwrap_or_default(),
        );
        checker.add(source, found);
    }
    Ok(())
}

/// `policy.require_signed_playbooks`: the allowed-signers file of playbook commits, read once.
struct Signatures {
    allowed: Option<(crate::journal::AllowedSigners, PathBuf)>,
}

impl Signatures {
    fn of(config: Option<&Config>) -> Result<Self> {
        let allowed = match config {
            Some(c) => playbook_signature::playbook_signers(c)?
                .zip(c.policy.playbook_signers.as_deref().map(relative)),
            None => None,
        };
        Ok(Signatures { allowed })
    }

    /// The diagnostic (`OB070`) of a playbook the policy needs signed and nobody allowed did.
    fn check(&self, path: &Path) -> Result<Option<Diagnostic>> {
        let Some((allowed, signers)) = &self.allowed else {
            return Ok(None);
        };
        let provenance = load::provenance(path)?;
        Ok(
            playbook_signature::check(path, provenance.as_ref(), allowed)?
                .err()
                .map(|reason| Diagnostic {
                    kind: DiagnosticKind::UnsignedPlaybook {
                        reason: reason.to_string(),
                        signers: crate::human::path(signers),
                    },
                    file: Arc::from(path),
                    span: Span::START,
                }),
        )
    }
}

/// The error when no playbook file was found where `args` (or the configuration) points.
fn nothing_found(args: &ValidateRequest, config: Option<&Config>) -> Error {
    let place = if args.paths.is_empty() {
        config.map_or_else(
            || "playbooks".to_owned(),
            |c| crate::human::path(&relative(&c.playbooks)),
        )
    } else {
        args.paths
            .iter()
            .map(|p| crate::human::path(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Error::NoPlaybookFiles { place }
}

/// The files a PATH stands for. Without PATH, `default_dir` (the configured playbooks
/// directory); when the configuration has problems and that directory is not usable, none (the
/// configuration's own diagnostics say why).
fn targets(
    paths: &[PathBuf],
    config: Option<&Config>,
    default_dir: &Path,
    incomplete: bool,
) -> Result<Vec<PathBuf>> {
    let defaults;
    let paths = if paths.is_empty() {
        defaults = vec![default_dir.to_path_buf()];
        if !defaults[0].is_dir() {
            if incomplete {
                return Ok(Vec::new());
            }
            return Err(Error::NoPlaybooksDir {
                dir: defaults[0].clone(),
            });
        }
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let repo_config = path.join(CONFIG_FILE);
        match config {
            Some(c) if repo_config.is_file() && load::same_file(&repo_config, &c.path) => {
                if c.playbooks.is_dir() {
                    out.extend(load::playbook_files(&relative(&c.playbooks))?);
                }
            }
            _ => out.extend(load::playbook_files(path)?),
        }
    }
    Ok(out)
}

/// The file `name` in the directory of the configuration `config`.
fn beside(config: &Path, name: &str) -> PathBuf {
    config
        .parent()
        .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
}

/// `path` relative to the current directory when it lies inside it, for readable output.
fn relative(path: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) else {
        return path.to_path_buf();
    };
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

/// Collects results file by file, each file once.
#[derive(Default)]
struct Checker {
    files: Vec<(PathBuf, Arc<Path>)>,
    seen: HashSet<PathBuf>,
    diagnostics: Vec<Diagnostic>,
    texts: HashMap<Arc<Path>, String>,
}

impl Checker {
    fn seen(&self, path: &Path) -> bool {
        self.seen.contains(&canonical(path))
    }

    fn add(&mut self, source: &SourceFile, mut found: Vec<Diagnostic>) {
        let id: Arc<Path> = Arc::from(source.path.as_path());
        let key = canonical(&source.path);
        if !self.seen.insert(key.clone()) {
            return;
        }
        found.sort_by_key(|d| (d.span.line, d.span.column));
        self.files.push((key, id.clone()));
        self.diagnostics.extend(found);
        self.texts.insert(id, source.text.clone());
    }

    fn check_config(&mut self, source: SourceFile) -> Option<PartialConfig> {
        let (value, found) = match analyze::encoding_problem(&source) {
            Some(d) => (None, vec![d]),
            None => analyze::analyze_config_partial(
                Arc::from(source.path.as_path()),
                &source.text,
                &|p| p.exists(),
            ),
        };
        self.add(&source, found);
        value
    }

    fn check_glossary(&mut self, source: SourceFile) -> Option<Glossary> {
        let (value, found) = match analyze::encoding_problem(&source) {
            Some(d) => (None, vec![d]),
            None => {
                analyze::analyze_glossary_partial(Arc::from(source.path.as_path()), &source.text)
            }
        };
        self.add(&source, found);
        value
    }

    fn check_other(&mut self, source: SourceFile, kind: FileKind) {
        let file: Arc<Path> = Arc::from(source.path.as_path());
        let found = match analyze::encoding_problem(&source) {
            Some(d) => vec![d],
            None => match kind {
                FileKind::Roles => analyze::analyze_roles(file, &source.text).1,
                FileKind::Holds => analyze::analyze_holds(file, &source.text).1,
                FileKind::ServiceAccounts => {
                    analyze::analyze_service_accounts(file, &source.text).1
                }
                FileKind::Glossary => analyze::analyze_glossary(file, &source.text).1,
                FileKind::Config => analyze::analyze_config(file, &source.text, &|p| p.exists()).1,
                FileKind::Playbook => {
                    analyze::analyze_playbook(file, &source.text, Context::default()).1
                }
            },
        };
        self.add(&source, found);
    }

    /// Keep the files (canonical paths) `keep` accepts, and their diagnostics.
    fn retain(&mut self, keep: impl Fn(&Path) -> bool) {
        self.files.retain(|(key, _)| keep(key));
        let kept: HashSet<&Arc<Path>> = self.files.iter().map(|(_, id)| id).collect();
        self.diagnostics.retain(|d| kept.contains(&d.file));
    }

    fn finish(self) -> Outcome {
        Outcome {
            files: self.files.len(),
            diagnostics: self.diagnostics,
            texts: self.texts,
            changed_since: None,
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The canonical path of `path`, also when the file itself no longer exists (its directory is
/// resolved instead), to compare with the paths git reports.
fn canonical_lenient(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}
