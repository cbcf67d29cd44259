//! The check every command makes before it acts on what an existing run says (that it is
//! finished, which of its steps are confirmed or approved): the run must verify — signatures,
//! chain, who signed each record, its ledger registration — as `offboard verify` would check it,
//! and every step record must name the role the playbook gives that step (a record claiming
//! another role could be signed by anyone holding that other role). Only the runs named are
//! verified, never the whole journal. A run that fails is refused as a finding (exit 1) naming
//! its first bad record; it is never taken as done.
//!
//! Also the signing side: which key signs ([`signer`], refused unless `allowed_signers` vouches
//! for it), what verification trusts ([`trust`]), and who may run playbooks at all
//! ([`operator_signer`]).

use std::path::{Path, PathBuf};

use super::Result;
use super::error::Error as AppError;
use super::error::journal_err;
use super::workspace::SIGNING_KEY_ENV;
use crate::analyze::Workspace;
use crate::error::Error;
use crate::execute::status::run_identity;
use crate::journal::{
    AllowedSigners, Lookup, Payload, RoleMap, Signer, read_run, trusted, verify_runs,
};

/// Refuse unless every one of `runs` in the workspace's journal verifies. A run that does not
/// exist at all passes: the caller reports it in its own words.
pub fn require_trusted(workspace: &Workspace, runs: &[String]) -> Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let dir = &workspace.config.journal;
    let (allowed, roles) = trust(workspace)?;
    let refuse = |run: &str, bad: String| {
        Error::UntrustedJournal(format!(
            "run {run} does not verify: {bad}; nothing it records is trusted (not that it \
             finished, nor any step as done), so nothing was done. Run `offboard verify` for the \
             whole journal"
        ))
    };
    let reports = verify_runs(dir, &allowed, &roles, runs);
    for report in &reports {
        if !trusted(report)
            && let Some(bad) = &report.first_error
        {
            return Err(refuse(&report.run, bad.to_string()).into());
        }
    }
    for report in reports.iter().filter(|r| r.records > 0) {
        let read = read_run(dir, &report.run).map_err(journal_err)?;
        let payloads: Vec<Payload> = read.records.iter().map(|r| r.payload.clone()).collect();
        // A run whose playbook is gone is reported by the caller.
        let Some(playbook) =
            run_identity(&payloads).and_then(|(_, name)| workspace.playbook(&name))
        else {
            continue;
        };
        for record in &read.records {
            let p = &record.payload;
            let (Some(id), Some(role)) = (&p.step, &p.role) else {
                continue;
            };
            let Some(step) = playbook.playbook.step(id) else {
                continue;
            };
            if &step.owner != role {
                let bad = format!(
                    "{}:{} (seq {}): {} of step `{id}` carries role `{role}`, but playbook `{}` \
                     ({}) gives that step to role `{}`",
                    read.path.display(),
                    record.line,
                    p.seq,
                    p.event,
                    playbook.playbook.name,
                    playbook.path.display(),
                    step.owner
                );
                return Err(refuse(&report.run, bad).into());
            }
        }
    }
    Ok(())
}

/// The signing key: `key` if given, else `OFFBOARD_SIGNING_KEY`, else the configured one; the
/// principal: `principal` if given, else the configured one.
pub fn signer(
    workspace: &Workspace,
    key: Option<PathBuf>,
    principal: Option<String>,
) -> Result<Signer> {
    let (signer, key) = load_signer(workspace, key, principal)?;
    let (allowed, _) = trust(workspace)?;
    vouch(workspace, &allowed, &signer, &key)?;
    Ok(signer)
}

/// The key [`signer`] names, read, and the path it was read from.
pub(crate) fn load_signer(
    workspace: &Workspace,
    key: Option<PathBuf>,
    principal: Option<String>,
) -> Result<(Signer, PathBuf)> {
    let config = &workspace.config;
    let signing = config.signing.as_ref();
    let key = key
        .or_else(|| std::env::var_os(SIGNING_KEY_ENV).map(PathBuf::from))
        .or_else(|| signing.and_then(|s| s.key.clone()))
        .ok_or_else(|| Error::Config {
            path: config.path.clone(),
            message: format!(
                "no signing key: set `signing.key`, or {SIGNING_KEY_ENV}; `offboard init` creates one"
            ),
        })?;
    let principal = principal
        .or_else(|| signing.map(|s| s.principal.clone()))
        .ok_or_else(|| Error::Config {
            path: config.path.clone(),
            message: "no signer principal: set `signing.principal`".to_owned(),
        })?;
    let signer = Signer::from_openssh_file(&key, principal).map_err(|e| Error::Config {
        path: config.path.clone(),
        message: format!("signing key: {e}"),
    })?;
    Ok((signer, key))
}

/// The configured signing key and the allowed signers, read once for the runs of a command
/// (a batch does not read them again for each employee).
pub struct Signing {
    /// The configured signer.
    pub signer: Signer,
    /// What `signing.allowed_signers` lists.
    pub allowed: AllowedSigners,
    key: PathBuf,
}

impl Signing {
    /// Read the configured key and allowed signers.
    pub fn load(workspace: &Workspace) -> Result<Signing> {
        let (signer, key) = load_signer(workspace, None, None)?;
        let (allowed, _) = trust(workspace)?;
        Ok(Signing {
            signer,
            allowed,
            key,
        })
    }

    /// The signer, refused as [`operator_signer`] refuses it, checked against the time now.
    pub fn operator(&self, workspace: &Workspace) -> super::Result<Signer> {
        vouch(workspace, &self.allowed, &self.signer, &self.key)?;
        operator(workspace, self.signer.clone())
    }
}

/// Refuse a signer that `allowed_signers` does not list with this key, or lists only outside
/// its `valid-after`/`valid-before` window now: every record it signed would fail `verify`, and
/// a sign-off under someone else's name must not count.
fn vouch(
    workspace: &Workspace,
    allowed: &AllowedSigners,
    signer: &Signer,
    key: &Path,
) -> Result<()> {
    let principal = signer.principal();
    let now = crate::clock::now().map_err(AppError::Clock)?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let Some(why) = refusal(allowed.lookup(principal, &signer.public_key(), now), now) else {
        return Ok(());
    };
    let listed = workspace
        .config
        .signing
        .as_ref()
        .map(|s| crate::human::path(&s.allowed_signers))
        .unwrap_or_default();
    Err(Error::Config {
        path: workspace.config.path.clone(),
        message: format!(
            "the key {} cannot sign as `{principal}`: {listed} {why}",
            crate::human::path(key)
        ),
    }
    .into())
}

/// Why `allowed_signers` does not vouch for a key at `now`, as the end of a sentence naming
/// the file; `None` when it does.
pub(crate) fn refusal(lookup: Lookup<'_>, now: time::OffsetDateTime) -> Option<String> {
    let why = match lookup {
        Lookup::Allowed(_) => return None,
        Lookup::UnknownPrincipal => "names no such principal".to_owned(),
        Lookup::KeyNotForPrincipal => "lists the principal with another key".to_owned(),
        Lookup::NamespaceNotAllowed => {
            "does not allow that key to sign in namespace `offboard`".to_owned()
        }
        Lookup::NotYetValid(after) => format!(
            "lists that key as valid only from {after} (valid-after), and it is {}",
            crate::human::time_of(now)
        ),
        Lookup::Expired(before) => format!(
            "lists that key as valid only until {before} (valid-before), and it is {}",
            crate::human::time_of(now)
        ),
    };
    Some(why)
}

/// The allowed signers and the role map (with the operator roles), for verification.
pub fn trust(workspace: &Workspace) -> Result<(AllowedSigners, RoleMap)> {
    let config = &workspace.config;
    let path = config
        .signing
        .as_ref()
        .map(|s| s.allowed_signers.clone())
        .ok_or_else(|| Error::Config {
            path: config.path.clone(),
            message: "no `signing.allowed_signers` file configured".to_owned(),
        })?;
    let allowed = AllowedSigners::from_file(&path).map_err(|e| Error::Config {
        path: config.path.clone(),
        message: e.to_string(),
    })?;
    let mut roles = RoleMap::new();
    for (principal, held) in &config.signers {
        roles.insert(principal.clone(), held.iter().cloned());
    }
    roles.set_operator_roles(config.policy.operator_roles.iter().cloned());
    Ok((allowed, roles))
}

/// The configured signer, refused (before anything is written) unless it holds an operator role:
/// only operators may run playbooks, and `offboard verify` rejects a run started by anyone else.
pub fn operator_signer(workspace: &Workspace) -> super::Result<Signer> {
    operator(workspace, signer(workspace, None, None)?)
}

/// `signer`, refused unless it holds an operator role.
fn operator(workspace: &Workspace, signer: Signer) -> super::Result<Signer> {
    let config = &workspace.config;
    if config.is_operator(signer.principal()) {
        return Ok(signer);
    }
    Err(AppError::NotOperator {
        principal: signer.principal().to_owned(),
        held: config.roles_of(signer.principal()).to_vec(),
        operator_roles: config.policy.operator_roles.clone(),
        config: config.path.clone(),
    })
}
