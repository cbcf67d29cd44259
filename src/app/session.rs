//! What the runs started by one command share. A batch opens the HR source and reads it once (a
//! snapshot taken when its first employee is resolved), looks up each playbook's git provenance once, and builds
//! each playbook's connectors once, so a connector's `concurrency` bounds its requests in flight
//! across every employee of the batch. Runs going in parallel neither draw a progress bar nor
//! prompt for sign-off; other runs prompt only when the command was given `--interactive`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::employee::{hr_source, status_of};
use super::runs::{find_run, find_run_in};
use super::trust::Signing;
use crate::analyze::Workspace;
use crate::error::Result;
use crate::execute::engine::Target;
use crate::execute::targets::build_targets;
use crate::hr::{EmployeeSource, HrRecord, Roster};
use crate::journal::RunIndex;
use crate::load::Provenance;
use crate::playbook::{Config, Playbook, Status};

/// The connectors a playbook uses, by configured name.
pub type Targets = HashMap<String, Target>;

/// State shared by the runs of one command.
#[derive(Default)]
pub struct Session {
    /// Connectors built so far, by playbook name.
    targets: Mutex<HashMap<String, Arc<Targets>>>,
    /// The HR source and its records, once read.
    hr: Mutex<Option<Arc<Hr>>>,
    /// Git provenance looked up so far, by playbook file.
    provenance: Mutex<HashMap<PathBuf, Option<Provenance>>>,
    /// How the journal's runs are looked up (see [`Session::find_run`]).
    runs: Mutex<RunLookup>,
    /// The signing key and allowed signers, once read.
    signing: Mutex<Option<Arc<Signing>>>,
    /// Playbook files already reported as not under version control.
    untracked_warned: Mutex<std::collections::HashSet<PathBuf>>,
    /// True when several runs execute at once.
    pub parallel: bool,
    /// True when a run may ask at the terminal (`--interactive`): never while runs are parallel.
    pub interactive: bool,
    /// Names the subcommand an unknown employee key most likely mistypes (the front end's
    /// [`Interaction::command_hint`](super::Interaction::command_hint)).
    pub hint: Option<fn(&str) -> Option<String>>,
}

impl Session {
    /// A session whose runs execute `parallel`ly or one after another, and may ask the operator
    /// when `interactive` (and not parallel).
    pub fn new(parallel: bool, interactive: bool) -> Session {
        Session {
            parallel,
            interactive: interactive && !parallel,
            ..Session::default()
        }
    }

    /// The same session, naming a mistyped subcommand through `hint` when an employee is unknown.
    pub fn with_hint(self, hint: Option<fn(&str) -> Option<String>>) -> Session {
        Session { hint, ..self }
    }

    /// The connectors of `playbook`, built on first use.
    pub fn targets(&self, config: &Config, playbook: &Playbook) -> Result<Arc<Targets>, String> {
        let mut built = self.targets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(targets) = built.get(&playbook.name) {
            return Ok(Arc::clone(targets));
        }
        let targets = Arc::new(build_targets(config, playbook)?);
        built.insert(playbook.name.clone(), Arc::clone(&targets));
        Ok(targets)
    }

    /// The HR source the configuration names, with its records read on first use.
    pub fn hr(&self, workspace: &Workspace) -> super::Result<Arc<Hr>> {
        let mut hr = self.hr.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hr) = hr.as_ref() {
            return Ok(Arc::clone(hr));
        }
        let source = hr_source(workspace)?;
        let roster = source.roster().map_err(super::Error::Hr)?;
        let loaded = Arc::new(Hr { source, roster });
        *hr = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// The employee whose id or username is `key`, and their status through the glossary. A key
    /// HR does not know, or that could name two people, is a usage error.
    pub fn employee(&self, workspace: &Workspace, key: &str) -> super::Result<(HrRecord, Status)> {
        crate::fsio::check_key(key).map_err(super::Error::BadKey)?;
        let hr = self.hr(workspace)?;
        let employee = hr
            .find(key)?
            .cloned()
            .ok_or_else(|| super::Error::UnknownEmployee {
                key: key.to_owned(),
                location: hr.source.location(),
                meant: self.hint.and_then(|hint| hint(key)),
            })?;
        let status = status_of(workspace, &employee)?;
        Ok((employee, status))
    }

    /// The latest run of `playbook` for `employee`, as [`find_run`] finds it: the first lookup
    /// of a command lists the journal, as a single run needs; from the second on (a batch),
    /// runs are found in one [`RunIndex`], so that a lookup does not list the whole journal.
    pub fn find_run(
        &self,
        workspace: &Workspace,
        employee: &str,
        playbook: &str,
    ) -> super::Result<Option<(String, bool)>> {
        let index = {
            let mut lookup = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            match &*lookup {
                RunLookup::First => {
                    *lookup = RunLookup::Listed;
                    None
                }
                RunLookup::Listed => {
                    let index = RunIndex::new(&workspace.config.journal)
                        .map_err(super::error::journal_err)?;
                    let index = Arc::new(index);
                    *lookup = RunLookup::Indexed(Arc::clone(&index));
                    Some(index)
                }
                RunLookup::Indexed(index) => Some(Arc::clone(index)),
            }
        };
        match index {
            None => find_run(workspace, employee, playbook),
            Some(index) => find_run_in(workspace, &index, employee, playbook),
        }
    }

    /// The signing key and allowed signers, read on first use.
    pub fn signing(&self, workspace: &Workspace) -> super::Result<Arc<Signing>> {
        let mut signing = self.signing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(signing) = signing.as_ref() {
            return Ok(Arc::clone(signing));
        }
        let loaded = Arc::new(Signing::load(workspace)?);
        *signing = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// The git provenance of the playbook file at `path`.
    pub fn provenance(&self, path: &Path) -> Result<Option<Provenance>> {
        let mut known = self
            .provenance
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = known.get(path) {
            return Ok(found.clone());
        }
        let found = crate::load::provenance(path)?;
        known.insert(path.to_path_buf(), found.clone());
        Ok(found)
    }

    /// True the first time it is asked about `path`: a warning about the file is then due
    /// (once per command, however many employees of a batch use it).
    pub fn first_warning(&self, path: &Path) -> bool {
        self.untracked_warned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_path_buf())
    }
}

/// How far a session's lookups of runs have gone.
#[derive(Default)]
enum RunLookup {
    /// None yet.
    #[default]
    First,
    /// One, which listed the journal.
    Listed,
    /// More: the runs are indexed.
    Indexed(Arc<RunIndex>),
}

/// The HR source of a session and the records it held when first read.
pub struct Hr {
    /// Where the records came from; write-backs go there.
    pub source: EmployeeSource,
    roster: Roster,
}

impl Hr {
    /// The record whose employee id or username is `key` (`None` when HR does not know it); a
    /// key that could name two people is a usage error naming both rows ([`Roster::find`]).
    pub fn find(&self, key: &str) -> super::Result<Option<&HrRecord>> {
        self.roster.find(key).map_err(super::Error::Hr)
    }
}
