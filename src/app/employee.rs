//! Who is offboarded and with what: the HR source the configuration names, an employee's status
//! through the glossary, the playbook their status triggers (or the one asked for), and the
//! legal hold that blocks their destructive steps.

use std::path::Path;

use super::Result;
use crate::analyze::{PlaybookFile, Workspace};
use crate::error::Error;
use crate::execute::targets::secret_from_env;
use crate::hr::{ColumnMap, CsvSource, EmployeeSource, HrRecord, HttpOptions, HttpSource};
use crate::playbook::{HrSource, Status};

/// The HR source the configuration names. For `type: http` the bearer token is read from the
/// environment variable `token_env` names; a missing or empty variable is a configuration error
/// (naming the variable, never a value).
pub fn hr_source(workspace: &Workspace) -> Result<EmployeeSource> {
    let config_error = |message: String| Error::Config {
        path: workspace.config.path.clone(),
        message,
    };
    match &workspace.config.hr {
        HrSource::Csv { path, columns } => {
            let columns =
                ColumnMap::new(columns.clone().into_iter().collect()).map_err(config_error)?;
            Ok(EmployeeSource::Csv(CsvSource::new(path, columns)))
        }
        HrSource::Http {
            url,
            token_env,
            columns,
        } => {
            let mut options = HttpOptions::new(url.clone());
            options.columns =
                ColumnMap::new(columns.clone().into_iter().collect()).map_err(config_error)?;
            if let Some(var) = token_env {
                let token = secret_from_env(var, "HR bearer token").map_err(|_| {
                    config_error(format!(
                        "environment variable {var} (hr.token_env, the HR bearer token) is not set or empty"
                    ))
                })?;
                options.token = Some(token);
                options.token_env = Some(var.clone());
            }
            let source = HttpSource::new(options).map_err(|e| config_error(e.to_string()))?;
            Ok(EmployeeSource::Http(source))
        }
    }
}

/// The status of `employee`'s raw HR status code, through the glossary.
pub fn status_of(workspace: &Workspace, employee: &HrRecord) -> Result<Status> {
    workspace
        .glossary
        .status_of(&employee.raw_status)
        .ok_or_else(|| super::Error::UnmappedStatus {
            status: employee.raw_status.clone(),
            employee: employee.id.clone(),
            glossary: workspace.config.glossary.clone(),
        })
}

/// The playbook `requested` names, or the one the status triggers.
pub fn choose_playbook<'w>(
    workspace: &'w Workspace,
    requested: Option<&str>,
    employee: &HrRecord,
    status: Status,
) -> super::Result<&'w PlaybookFile> {
    if let Some(name) = requested {
        return workspace
            .playbooks
            .iter()
            .find(|p| p.playbook.name == name || p.path.ends_with(name))
            .ok_or_else(|| super::Error::UnknownPlaybook {
                name: name.to_owned(),
                known: names(workspace.playbooks.iter()),
            });
    }
    match workspace.playbooks_for(status).as_slice() {
        [one] => Ok(one),
        [] => Err(super::Error::NoPlaybook {
            status: status.as_str().to_owned(),
            employee: employee.id.clone(),
        }),
        many => Err(super::Error::SeveralPlaybooks {
            status: status.as_str().to_owned(),
            playbooks: names(many.iter().copied()),
        }),
    }
}

/// The names of `playbooks`.
fn names<'w>(playbooks: impl Iterator<Item = &'w PlaybookFile>) -> Vec<String> {
    playbooks.map(|p| p.playbook.name.clone()).collect()
}

/// Why destructive steps are blocked for `employee`: a hold in the repository's holds file, or
/// the HR flag; the reason and where it is recorded.
pub fn hold_reason(workspace: &Workspace, employee: &HrRecord) -> Option<String> {
    let file = workspace
        .config
        .holds
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(
            || "holds file".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
    crate::execute::hold::legal_hold(&workspace.holds, &file, employee).map(|h| h.to_string())
}
