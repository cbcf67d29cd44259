//! What every use case that acts on a playbook repository starts with: finding and loading the
//! configuration, refused with every diagnostic when it is invalid. Never prints.

use std::path::{Path, PathBuf};

use super::{Error, Result};
use crate::analyze::{LoadError, Workspace};
use crate::load::{CONFIG_FILE, find_upward};

/// The environment variable that overrides the configured signing key file.
pub const SIGNING_KEY_ENV: &str = "OFFBOARD_SIGNING_KEY";

/// The configuration file: `given` (`--config` / `OFFBOARD_CONFIG`), else `offboard.yaml` in
/// the current directory or a parent.
pub fn config_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        if path.is_dir() {
            return Err(Error::ConfigIsDirectory {
                path: path.to_path_buf(),
            });
        }
        return match crate::fsio::check_regular(path, crate::fsio::Links::Follow) {
            Ok(()) => Ok(path.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing {
                what: "configuration ",
                path: path.to_path_buf(),
                hint: "",
            }),
            Err(e) => Err(crate::Error::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
            .into()),
        };
    }
    let cwd = std::env::current_dir().map_err(|e| crate::Error::io("cannot read", ".", e))?;
    find_upward(&cwd, CONFIG_FILE).ok_or_else(|| no_config(&cwd))
}

/// The error of a command that needs a configuration and finds none upward from `dir`: the one
/// message every command (`validate` included) gives for it.
pub fn no_config(dir: &Path) -> Error {
    Error::NoConfig {
        dir: dir.to_path_buf(),
    }
}

/// Load and validate the repository; an invalid one is a configuration error listing every
/// diagnostic.
pub fn load_workspace(config: Option<&Path>) -> Result<Workspace> {
    let path = config_path(config)?;
    Workspace::load(&path).map_err(|e| match e {
        LoadError::Io(error) => error.into(),
        LoadError::Invalid(diagnostics) => {
            let mut message = format!(
                "the playbook repository has {} problem(s); `offboard validate` shows them in full:",
                diagnostics.len()
            );
            for d in diagnostics.iter().take(20) {
                message.push_str(&format!("\n  {}", crate::human::printable(&d.to_string())));
            }
            crate::Error::Config { path, message }.into()
        }
    })
}
