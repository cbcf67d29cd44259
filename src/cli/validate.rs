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

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::args::ValidateArgs;
use super::{Format, GlobalArgs};
use crate::analyze::{self, Context, Diagnostic, PartialConfig};
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::human::printable_lines;
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
    let outcome = check(global, args)?;
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

/// What was checked and found.
struct Outcome {
    files: usize,
    diagnostics: Vec<Diagnostic>,
    texts: HashMap<Arc<Path>, String>,
    changed_since: Option<ChangedSince>,
}

/// The configuration file to use: `--config` (worded like every other command when it is not a
/// file), else `offboard.yaml` found upward from `start` (the first PATH: the repository the
/// files are in), else upward from the current directory (as every other command looks).
fn config_path(global: &GlobalArgs, start: &Path) -> Result<Option<PathBuf>> {
    if global.config.is_some() {
        return super::workspace::config_path(global).map(Some);
    }
    let found = load::find_upward(start, CONFIG_FILE).or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| load::find_upward(&cwd, CONFIG_FILE))
    });
    Ok(found.map(|p| relative(&p)))
}

/// The files to check, the context to check them against, and the diagnostics.
fn check(global: &GlobalArgs, args: &ValidateArgs) -> Result<Outcome> {
    for path in &args.paths {
        if !path.exists() {
            return Err(Error::Usage(format!(
                "{} does not exist",
                crate::human::path(path)
            )));
        }
    }
    let start = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config_path = config_path(global, &start)?;

    // The configuration, glossary, role matrix and holds: checked, and what could be read of
    // them is the context the playbooks are checked against.
    let mut checker = Checker::default();
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
            (None, None) => load::find_upward(&start, name).map(|p| relative(&p)),
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

    // A configuration with problems (or none readable at all) is reported as the diagnostics
    // it is; where it puts the playbooks may then be unknown.
    let incomplete_config = config_path.is_some() && partial.as_ref().is_none_or(|p| !p.complete);
    let default_dir = match (config, &config_path) {
        (Some(c), _) => relative(&c.playbooks),
        (None, Some(path)) => beside(path, "playbooks"),
        (None, None) => PathBuf::from("playbooks"),
    };
    if args.paths.is_empty() && config_path.is_none() && !default_dir.is_dir() {
        // Nothing named, no configuration and no ./playbooks: what every command says.
        let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?;
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
    // The other playbooks of the configured directory: not checked, but the rules across
    // playbooks (one per status, one per name) see them.
    let named: HashSet<PathBuf> = playbooks.iter().map(|s| canonical(&s.path)).collect();
    let mut peers = Vec::new();
    if let Some(c) = config.filter(|c| !args.paths.is_empty() && c.playbooks.is_dir()) {
        for path in load::playbook_files(&relative(&c.playbooks))? {
            if !named.contains(&canonical(&path)) && !checker.seen(&path) {
                peers.push(load::read(&path)?);
            }
        }
    }

    let changes = match &args.changed_since {
        Some(rev) => Some((
            rev,
            load::changes_since(&start, rev).map_err(|e| Error::Usage(e.to_string()))?,
        )),
        None => None,
    };
    let scope = changes.as_ref().map(|(rev, changes)| {
        let touched: Vec<String> = dependencies
            .iter()
            .filter(|d| {
                let key = canonical_lenient(d);
                changes.changed.contains(&key) || changes.deleted.contains(&key)
            })
            .map(|d| d.display().to_string())
            .collect();
        ChangedSince {
            revision: (*rev).clone(),
            all_checked: !touched.is_empty(),
            dependencies_changed: touched,
        }
    });
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
        glossary: glossary.as_ref(),
        gaps: partial.as_ref().filter(|p| !p.complete).map(|p| &p.gaps),
    };
    let all: Vec<SourceFile> = playbooks.into_iter().chain(peers).collect();
    let checked = analyze::check_playbooks(&all, context);
    let peer_from = named.len();
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
        found.extend(
            across
                .remove(&Arc::from(source.path.as_path()))
                .unwrap_or_default(),
        );
        checker.add(source, found);
    }

    if changes.is_some() {
        checker.retain(|path| in_scope(path));
    } else if checker.files.is_empty() {
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
        return Err(Error::Usage(format!(
            "no playbook found in {place}: it holds no .yaml or .yml file"
        )));
    }
    let mut outcome = checker.finish();
    outcome.changed_since = scope;
    Ok(outcome)
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
            return Err(Error::Usage(format!(
                "no PATH given and {} is not a directory",
                crate::human::path(&defaults[0])
            )));
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

fn print_json(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    let report = ValidateReport {
        files_checked: outcome.files,
        errors: outcome.diagnostics.len(),
        diagnostics: outcome
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
        changed_since: outcome.changed_since.clone(),
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
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
