//! What commands that act on a playbook repository share: finding and loading the
//! configuration (with every diagnostic when it is invalid) and loading the signing key.

use std::path::{Path, PathBuf};

use super::GlobalArgs;
use crate::analyze::{LoadError, Workspace};
use crate::error::{Error, Result};
use crate::journal::{AllowedSigners, Lookup, RoleMap, Signer};
use crate::load::{CONFIG_FILE, find_upward};

/// The environment variable that overrides the configured signing key file.
pub const SIGNING_KEY_ENV: &str = "OFFBOARD_SIGNING_KEY";

/// The configuration file: `--config` / `OFFBOARD_CONFIG`, else `offboard.yaml` in the current
/// directory or a parent.
pub fn config_path(global: &GlobalArgs) -> Result<PathBuf> {
    if let Some(path) = &global.config {
        if path.is_dir() {
            return Err(Error::Usage(format!(
                "configuration {} is a directory; pass the offboard.yaml file in it",
                crate::human::path(path)
            )));
        }
        return match crate::fsio::check_regular(path, crate::fsio::Links::Follow) {
            Ok(()) => Ok(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Usage(format!(
                "configuration {} does not exist",
                crate::human::path(path)
            ))),
            Err(e) => Err(Error::Config {
                path: path.clone(),
                message: e.to_string(),
            }),
        };
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?;
    find_upward(&cwd, CONFIG_FILE).ok_or_else(|| no_config(&cwd))
}

/// The error of a command that needs a configuration and finds none upward from `dir`: the one
/// message every command (`validate` included) gives for it.
pub fn no_config(dir: &Path) -> Error {
    Error::Usage(format!(
        "no {CONFIG_FILE} in {} or its parents; pass --config PATH or run `offboard init`",
        crate::human::path(dir)
    ))
}

/// Load and validate the repository; an invalid one is a configuration error listing every
/// diagnostic.
pub fn load_workspace(global: &GlobalArgs) -> Result<Workspace> {
    let path = config_path(global)?;
    Workspace::load(&path).map_err(|e| match e {
        LoadError::Io(error) => error,
        LoadError::Invalid(diagnostics) => {
            let mut message = format!(
                "the playbook repository has {} problem(s); `offboard validate` shows them in full:",
                diagnostics.len()
            );
            for d in diagnostics.iter().take(20) {
                message.push_str(&format!("\n  {}", crate::human::printable(&d.to_string())));
            }
            Error::Config { path, message }
        }
    })
}

/// The signing key: `key` if given, else `OFFBOARD_SIGNING_KEY`, else the configured one; the
/// principal: `principal` if given, else the configured one.
pub fn signer(
    workspace: &Workspace,
    key: Option<PathBuf>,
    principal: Option<String>,
) -> Result<Signer> {
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
    vouch(workspace, &signer, &key)?;
    Ok(signer)
}

/// Refuse a signer that `allowed_signers` does not list with this key, or lists only outside
/// its `valid-after`/`valid-before` window now: every record it signed would fail `verify`, and
/// a sign-off under someone else's name must not count.
fn vouch(workspace: &Workspace, signer: &Signer, key: &std::path::Path) -> Result<()> {
    let (allowed, _) = trust(workspace)?;
    let principal = signer.principal();
    let now = crate::clock::now().map_err(Error::Usage)?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let why = match allowed.lookup(principal, &signer.public_key(), now) {
        Lookup::Allowed(_) => return Ok(()),
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
    })
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
