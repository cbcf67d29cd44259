//! The configured HR source behind one type, so that `run`, `plan`, `confirm` and `reconcile`
//! neither know nor care whether HR is a CSV export or a JSON service. It dispatches, and logs
//! each read and write-back as a call against the `hr` system (`-v`).

use super::{CsvSource, HrError, HrRecord, HttpSource, Roster};
use crate::call_log::Call;

/// Where employee records come from, and where "IT offboarding complete" goes back to.
#[derive(Debug)]
pub enum EmployeeSource {
    /// A CSV export, written back through a sidecar CSV.
    Csv(CsvSource),
    /// JSON over HTTP, written back with a POST.
    Http(HttpSource),
}

impl EmployeeSource {
    /// Every person, duplicate employee ids rejected.
    pub fn load(&self) -> Result<Vec<HrRecord>, HrError> {
        let location = self.location();
        self.call("load", &location).run(
            || match self {
                EmployeeSource::Csv(csv) => csv.load(),
                EmployeeSource::Http(http) => http.load(),
            },
            |_| "ok",
            |records| format!("{} people", records.len()),
        )
    }

    /// Every person with where they were read, indexed for lookup (see [`Roster::find`]).
    pub fn roster(&self) -> Result<Roster, HrError> {
        let location = self.location();
        self.call("load", &location).run(
            || {
                Ok(match self {
                    EmployeeSource::Csv(csv) => csv.roster()?,
                    EmployeeSource::Http(http) => Roster::new(http.load_located()?),
                })
            },
            |_| "ok",
            |roster| format!("{} people", roster.len()),
        )
    }

    /// The person whose employee id or username is `key`, by the rule of [`Roster::find`].
    pub fn find(&self, key: &str) -> Result<Option<HrRecord>, HrError> {
        self.call("find", key).run(
            || Ok(self.roster()?.find(key)?.cloned()),
            |found| {
                if found.is_some() {
                    "found"
                } else {
                    "not_found"
                }
            },
            |found| match found {
                Some(r) => format!("employee {} ({})", r.id, r.raw_status),
                None => "no such employee".to_owned(),
            },
        )
    }

    /// Write "IT offboarding complete" for employee `id` by run `run` at `at` (RFC 3339), then
    /// read it back: the flag is what HR shows afterwards.
    pub fn mark_complete(&self, id: &str, run: &str, at: &str) -> Result<bool, HrError> {
        self.call("write_back", id).run(
            || match self {
                EmployeeSource::Csv(csv) => csv.mark_complete(id, run, at),
                EmployeeSource::Http(http) => http.mark_complete(id, run, at),
            },
            |shown| if *shown { "ok" } else { "not_shown" },
            |shown| format!("run {run}; HR shows it complete: {shown}"),
        )
    }

    /// True when HR shows employee `id` as offboarded by IT.
    pub fn is_marked_complete(&self, id: &str) -> Result<bool, HrError> {
        self.call("read_back", id).run(
            || match self {
                EmployeeSource::Csv(csv) => csv.is_marked_complete(id),
                EmployeeSource::Http(http) => http.is_marked_complete(id),
            },
            |_| "ok",
            |shown| format!("HR shows it complete: {shown}"),
        )
    }

    fn call<'a>(&self, op: &'a str, target: &'a str) -> Call<'a> {
        Call {
            system: "hr",
            connector: match self {
                EmployeeSource::Csv(_) => "csv",
                EmployeeSource::Http(_) => "http",
            },
            op,
            target,
        }
    }

    /// The export file or the URL, for messages.
    pub fn location(&self) -> String {
        match self {
            EmployeeSource::Csv(csv) => crate::human::path(csv.path()),
            EmployeeSource::Http(http) => http.url().to_string(),
        }
    }
}
