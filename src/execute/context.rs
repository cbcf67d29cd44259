//! The template context: the variables playbook templates may read (`employee.*`, `run.*`,
//! `playbook.*`), built from the HR record. The documented variable set is the contract; the
//! analyzer checks templates against the same names.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::hr::HrRecord;
use crate::playbook::Status;

/// Build the context templates are rendered over.
pub fn template_context(
    employee: &HrRecord,
    status: Status,
    run_id: &str,
    playbook: &str,
) -> Value {
    let effective_at = employee.effective_at.and_then(|t| t.format(&Rfc3339).ok());
    json!({
        "employee": {
            "id": employee.id,
            "username": employee.username,
            "email": employee.email,
            "display_name": employee.display_name,
            "manager_id": employee.manager_id,
            "manager_email": employee.manager_email,
            "department": employee.department,
            "cost_centre": employee.cost_centre,
            "role": employee.role,
            "new_role": employee.new_role,
            "status": status.as_str(),
            "raw_status": employee.raw_status,
            "effective_at": effective_at,
            "employment": employee.employment,
            "legal_hold": employee.legal_hold,
        },
        "run": { "id": run_id },
        "playbook": { "name": playbook },
    })
}
