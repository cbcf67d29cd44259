//! The validated playbook model: playbooks, steps, the action catalogue, templates, the glossary,
//! the role matrix, the service-account allow-list and the configuration. Plain data built only
//! by [`crate::analyze`]; it knows no other module of the crate and never reads files.

mod action;
mod config;
mod confirm;
mod delay;
mod glossary;
mod holds;
mod model;
mod retention;
mod roles;
pub mod schema;
mod service_accounts;
mod template;

pub use action::{Action, ActionGroup, ConnectorType};
pub use config::{
    Config, ConnectorConfig, ConnectorSettings, Deadlines, DoctorSettings, EntraCredential,
    EntraSettings, GoogleLicense, GoogleWorkspaceSettings, HrSource, LdapDisable, LdapSettings,
    Match, OktaAuth, OktaSettings, Policy, ReconcileSettings, ScimSettings, Signing,
    SqliteSettings, WebhookSettings,
};
pub use confirm::Confirm;
pub use delay::{Duration, StageDelay};
pub use glossary::{Glossary, Status};
pub use holds::{Hold, Holds};
pub use model::{OnError, Playbook, Risk, Step, approval_gates};
pub use retention::Retention;
pub use roles::{Role, RoleMatrix};
pub use service_accounts::{ALLOW_LIST_FILE, AllowList, ServiceAccount, allows_everything};
pub use template::{Template, TemplateError};

/// The template variables a playbook may use, as dotted paths (`employee.email`, `run.id`, ...).
pub fn template_variables() -> &'static [&'static str] {
    template::VARIABLES
}

/// The only format version this build reads.
pub const FORMAT_VERSION: i64 = 1;
