//! The employee record as HR states it: the facts every template, plan and report is built on.

use serde::Serialize;
use time::OffsetDateTime;

/// Whether the person is an employee or a contractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    /// On the payroll.
    Employee,
    /// Engaged through a contract.
    Contractor,
}

/// One person in the HR roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HrRecord {
    /// HR employee id, validated with [`super::validate_identifier`].
    pub id: String,
    /// Login name.
    pub username: String,
    /// Work email.
    pub email: String,
    /// Full name.
    pub display_name: String,
    /// The line manager's employee id.
    pub manager_id: Option<String>,
    /// The line manager's email.
    pub manager_email: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Cost centre, for finance.
    pub cost_centre: Option<String>,
    /// Job role, a key of the role matrix.
    pub role: Option<String>,
    /// For movers: the role after the transfer.
    pub new_role: Option<String>,
    /// The HRIS status code before glossary mapping.
    pub raw_status: String,
    /// When the HR event takes effect.
    #[serde(with = "time::serde::rfc3339::option")]
    pub effective_at: Option<OffsetDateTime>,
    /// Employee or contractor.
    pub employment: Employment,
    /// Under legal hold according to HR.
    pub legal_hold: bool,
}
