//! The configured HR source behind one type, so that `run`, `plan`, `confirm` and `reconcile`
//! neither know nor care whether HR is a CSV export or a JSON service. It only dispatches.

use super::{CsvSource, HrError, HrRecord, HttpSource, Roster};

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
        match self {
            EmployeeSource::Csv(csv) => csv.load(),
            EmployeeSource::Http(http) => http.load(),
        }
    }

    /// Every person with where they were read, indexed for lookup (see [`Roster::find`]).
    pub fn roster(&self) -> Result<Roster, HrError> {
        Ok(Roster::new(match self {
            EmployeeSource::Csv(csv) => csv.load_located()?,
            EmployeeSource::Http(http) => http.load_located()?,
        }))
    }

    /// The person whose employee id or username is `key`, by the rule of [`Roster::find`].
    pub fn find(&self, key: &str) -> Result<Option<HrRecord>, HrError> {
        Ok(self.roster()?.find(key)?.cloned())
    }

    /// Write "IT offboarding complete" for employee `id` by run `run` at `at` (RFC 3339), then
    /// read it back: the flag is what HR shows afterwards.
    pub fn mark_complete(&self, id: &str, run: &str, at: &str) -> Result<bool, HrError> {
        match self {
            EmployeeSource::Csv(csv) => csv.mark_complete(id, run, at),
            EmployeeSource::Http(http) => http.mark_complete(id, run, at),
        }
    }

    /// True when HR shows employee `id` as offboarded by IT.
    pub fn is_marked_complete(&self, id: &str) -> Result<bool, HrError> {
        match self {
            EmployeeSource::Csv(csv) => csv.is_marked_complete(id),
            EmployeeSource::Http(http) => http.is_marked_complete(id),
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
