//! `offboard validate`: run the analyzer over a playbook repository (or the files named) and
//! print every diagnostic as a human report, JSON or GitHub Actions annotations.
//!
//! Files checked: each PATH (a file, or the YAML files of a directory; a directory holding
//! `offboard.yaml` means that repository: its configuration, glossary, role matrix, holds and
//! playbooks). Without PATH: the configured playbooks directory, else `./playbooks`. The
//! configuration (`--config`, or `offboard.yaml` found upward from the first PATH), the glossary
//! and the role matrix are loaded as context and checked too.
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
//!   ]
//! }
//! ```
//!
//! Exit: 0 clean, 1 when any diagnostic was printed, 2 on usage errors (a PATH that does not
//! exist, a format validate does not print, an unknown revision).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::args::ValidateArgs;
use super::{Format, GlobalArgs};
use crate::analyze::{self, Context, Diagnostic};
use crate::error::{Error, Result};
use crate::exit::Exit;
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
    if !matches!(global.format, Format::Human | Format::Json | Format::Github) {
        return Err(Error::Usage(format!(
            "`offboard validate` prints human, json or github, not {}",
            format_name(global.format)
        )));
    }
    let outcome = check(global, args)?;
    let mut out = std::io::stdout().lock();
    let written = match global.format {
        Format::Json => print_json(&mut out, &outcome),
        Format::Github => print_github(&mut out, &outcome),
        _ => print_human(&mut out, &outcome),
    };
    written.map_err(|e| Error::io("cannot write", "stdout", e))?;
    if global.format == Format::Human && !global.quiet {
        let n = outcome.diagnostics.len();
        eprintln!(
            "checked {} file{}: {} error{}",
            outcome.files,
            plural(outcome.files),
            n,
            plural(n)
        );
    }
    Ok(if outcome.diagnostics.is_empty() {
        Exit::Done
    } else {
        Exit::Findings
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Human => "human",
        Format::Json => "json",
        Format::Github => "github",
        Format::Csv => "csv",
        Format::Md => "md",
        Format::Html => "html",
    }
}

/// What was checked and found.
struct Outcome {
    files: usize,
    diagnostics: Vec<Diagnostic>,
    texts: HashMap<Arc<Path>, String>,
}

/// The files to check, the context to check them against, and the diagnostics.
fn check(global: &GlobalArgs, args: &ValidateArgs) -> Result<Outcome> {
    for path in &args.paths {
        if !path.exists() {
            return Err(Error::Usage(format!("{} does not exist", path.display())));
        }
    }
    let start = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config_path = match &global.config {
        Some(p) if !p.is_file() => {
            return Err(Error::Usage(format!(
                "configuration {} does not exist",
                p.display()
            )));
        }
        Some(p) => Some(p.clone()),
        None => load::find_upward(&start, CONFIG_FILE).map(|p| relative(&p)),
    };

    let mut checker = Checker::default();
    let config = match &config_path {
        Some(path) => {
            let source = load::read(path)?;
            checker.check_config(source)
        }
        None => None,
    };
    let context_file = |configured: Option<&Path>, name: &str| -> Option<PathBuf> {
        match (configured, &config_path) {
            (Some(p), _) => p.is_file().then(|| relative(p)),
            (None, Some(_)) => None,
            (None, None) => load::find_upward(&start, name).map(|p| relative(&p)),
        }
    };
    let glossary_path = context_file(
        config.as_ref().map(|c| c.glossary.as_path()),
        "glossary.yaml",
    );
    let roles_path = context_file(config.as_ref().map(|c| c.roles.as_path()), "roles.yaml");
    let glossary = match glossary_path {
        Some(p) => checker.check_glossary(load::read(&p)?),
        None => None,
    };
    if let Some(p) = roles_path {
        checker.check_other(load::read(&p)?, FileKind::Roles);
    }
    if let Some(p) = config
        .as_ref()
        .and_then(|c| c.holds.as_ref())
        .filter(|p| p.is_file())
    {
        checker.check_other(load::read(&relative(p))?, FileKind::Holds);
    }

    let targets = targets(&args.paths, config.as_ref())?;
    let mut playbooks = Vec::new();
    for path in targets {
        if checker.seen(&path) {
            continue;
        }
        let source = load::read(&path)?;
        match load::classify(&path, config.as_ref()) {
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
    let context = Context {
        config: config.as_ref(),
        glossary: glossary.as_ref(),
    };
    for (source, (_, found)) in playbooks
        .iter()
        .zip(analyze::check_playbooks(&playbooks, context))
    {
        checker.add(source, found);
    }

    if let Some(rev) = &args.changed_since {
        let changed = load::changed_since(&start, rev).map_err(|e| Error::Usage(e.to_string()))?;
        checker.keep_only(&changed);
    }
    Ok(checker.finish())
}

/// The files a PATH stands for.
fn targets(paths: &[PathBuf], config: Option<&Config>) -> Result<Vec<PathBuf>> {
    let defaults;
    let paths = if paths.is_empty() {
        defaults =
            vec![config.map_or_else(|| PathBuf::from("playbooks"), |c| relative(&c.playbooks))];
        if !defaults[0].is_dir() {
            return Err(Error::Usage(format!(
                "no PATH given and {} is not a directory",
                defaults[0].display()
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

    fn check_config(&mut self, source: SourceFile) -> Option<Config> {
        let (value, found) = match analyze::encoding_problem(&source) {
            Some(d) => (None, vec![d]),
            None => analyze::analyze_config(Arc::from(source.path.as_path()), &source.text, &|p| {
                p.exists()
            }),
        };
        self.add(&source, found);
        value
    }

    fn check_glossary(&mut self, source: SourceFile) -> Option<Glossary> {
        let (value, found) = match analyze::encoding_problem(&source) {
            Some(d) => (None, vec![d]),
            None => analyze::analyze_glossary(Arc::from(source.path.as_path()), &source.text),
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
                FileKind::Glossary => analyze::analyze_glossary(file, &source.text).1,
                FileKind::Config => analyze::analyze_config(file, &source.text, &|p| p.exists()).1,
                FileKind::Playbook => {
                    analyze::analyze_playbook(file, &source.text, Context::default()).1
                }
            },
        };
        self.add(&source, found);
    }

    fn keep_only(&mut self, changed: &HashSet<PathBuf>) {
        self.files.retain(|(key, _)| changed.contains(key));
        let kept: HashSet<&Arc<Path>> = self.files.iter().map(|(_, id)| id).collect();
        self.diagnostics.retain(|d| kept.contains(&d.file));
    }

    fn finish(self) -> Outcome {
        Outcome {
            files: self.files.len(),
            diagnostics: self.diagnostics,
            texts: self.texts,
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
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
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=CODE::message`.
fn print_github(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    for d in &outcome.diagnostics {
        writeln!(
            out,
            "::error file={},line={},col={},title={}::{}",
            escape_property(&d.file.display().to_string()),
            d.span.line,
            d.span.column,
            d.code(),
            escape_data(&d.message())
        )?;
    }
    Ok(())
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn print_human(out: &mut impl Write, outcome: &Outcome) -> std::io::Result<()> {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    for d in &outcome.diagnostics {
        let text = outcome.texts.get(&d.file).cloned().unwrap_or_default();
        let report = Report::new(d, text);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &report).is_err() {
            rendered = format!("{d}\n");
        }
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}

/// A diagnostic dressed for miette: source snippet, caret label, code and help.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: miette::NamedSource<String>,
    labels: Vec<miette::LabeledSpan>,
}

impl<'a> Report<'a> {
    fn new(diagnostic: &'a Diagnostic, text: String) -> Report<'a> {
        let span = |s: analyze::Span, label: &str, primary: bool| {
            let offset = s.offset.min(text.len());
            let len = s.len.min(text.len() - offset);
            let label = Some(label.to_owned());
            if primary {
                miette::LabeledSpan::new_primary_with_span(label, (offset, len))
            } else {
                miette::LabeledSpan::new_with_span(label, (offset, len))
            }
        };
        let mut labels = vec![span(diagnostic.span, "here", true)];
        if let Some(first) = diagnostic.kind.related() {
            labels.push(span(first, "first here", false));
        }
        let name = diagnostic.file.display().to_string();
        Report {
            diagnostic,
            source: miette::NamedSource::new(name, text),
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
        fmt::Display::fmt(&self.diagnostic.kind, f)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code()))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.hint()))
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
        assert_eq!(escape_property("C:\\x,y"), "C%3A\\x%2Cy");
    }
}
