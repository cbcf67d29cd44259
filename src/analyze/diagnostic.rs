//! Diagnostics as data: a [`DiagnosticKind`] with structured fields, a file and a [`Span`]. The
//! wording lives in one `Display` impl, the stable codes in [`DiagnosticKind::code`]. This module
//! never decides what is wrong; the checkers do.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// A position in a source file: 1-based line and column (in characters) and the byte range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes (0 when unknown).
    pub len: usize,
}

impl Span {
    /// The start of a file.
    pub const START: Span = Span {
        line: 1,
        column: 1,
        offset: 0,
        len: 0,
    };
}

/// How bad a diagnostic is. Every rule of the format is an error today; the field exists so the
/// JSON output can stay stable if warnings are added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is invalid; `validate` exits 1.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error")
    }
}

/// One problem found in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// What is wrong.
    pub kind: DiagnosticKind,
    /// The file it is in.
    pub file: Arc<Path>,
    /// Where in the file.
    pub span: Span,
}

impl Diagnostic {
    /// The stable code, e.g. `OB014`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        Severity::Error
    }

    /// The message (the kind's `Display`).
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        self.kind.hint()
    }

    /// The file as a path.
    pub fn path(&self) -> PathBuf {
        self.file.to_path_buf()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} {}",
            crate::human::path(&self.file),
            self.span.line,
            self.span.column,
            self.code(),
            self.kind
        )
    }
}

/// Every kind of problem `validate` reports. Fields are the facts; [`fmt::Display`] words them.
#[derive(Clone, Debug, PartialEq)]
pub enum DiagnosticKind {
    /// OB001: the text is not YAML.
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// OB002: a key the format does not have.
    UnknownKey {
        /// The key as written.
        key: String,
        /// What the mapping is, e.g. "step".
        context: &'static str,
        /// A known key close to it.
        suggestion: Option<&'static str>,
    },
    /// OB002: a key of `with` the step's action does not read.
    UnknownParameter {
        /// The key as written.
        key: String,
        /// The step's action, e.g. `notify.manager`.
        action: &'static str,
        /// The parameters the step accepts (none for most account actions).
        accepted: Vec<&'static str>,
        /// An accepted parameter close to it.
        suggestion: Option<&'static str>,
    },
    /// OB003: a key given twice in one mapping.
    DuplicateKey {
        /// The key.
        key: String,
        /// Where it was first given.
        first: Span,
    },
    /// OB004: a required key is absent.
    MissingKey {
        /// The key.
        key: &'static str,
        /// What the mapping is.
        context: &'static str,
    },
    /// OB005: a value of the wrong YAML type.
    WrongType {
        /// The key (or item) holding it.
        key: String,
        /// What the format wants.
        expected: &'static str,
        /// What was written.
        found: &'static str,
    },
    /// OB006: a value of the right type that breaks a rule.
    InvalidValue {
        /// The key holding it.
        key: String,
        /// The value as written.
        value: String,
        /// The rule, phrased as what is allowed.
        expected: String,
        /// An allowed value close to the one written.
        suggestion: Option<String>,
    },
    /// OB006: a value that is empty or only blanks where text is needed.
    EmptyValue {
        /// The key holding it, e.g. `with.task`.
        key: String,
        /// What belongs there.
        expected: &'static str,
    },
    /// OB007: a format version this build does not read.
    UnsupportedVersion {
        /// The version written.
        found: i64,
    },
    /// OB010: an action kind outside the catalogue.
    UnknownAction {
        /// The kind written.
        kind: String,
        /// A catalogue kind close to it.
        suggestion: Option<&'static str>,
    },
    /// OB011: a connector the configuration does not define, or none where one is needed.
    UnknownConnector {
        /// The connector named (empty when none was named and none could be chosen).
        name: String,
        /// The connectors that could serve the step.
        candidates: Vec<String>,
    },
    /// OB012: the connector's type cannot perform the action.
    ConnectorCannotPerform {
        /// The connector name.
        connector: String,
        /// Its type, e.g. `ldap`.
        connector_type: &'static str,
        /// The action kind.
        action: &'static str,
        /// The types that can.
        supported: Vec<&'static str>,
    },
    /// OB013: two steps with one id.
    DuplicateStepId {
        /// The id.
        id: String,
        /// Where the first one is.
        first: Span,
    },
    /// OB014: `after` names a step that is not in the playbook.
    UnknownDependency {
        /// The step whose `after` it is.
        step: String,
        /// The id named.
        missing: String,
        /// A step id close to it.
        suggestion: Option<String>,
    },
    /// OB015: steps that wait for each other.
    DependencyCycle {
        /// The steps of the cycle in order, the first repeated at the end.
        path: Vec<String>,
    },
    /// OB016: a template that does not parse.
    TemplateSyntax {
        /// The template engine's message.
        message: String,
    },
    /// OB017: a template variable that does not exist.
    UndefinedVariable {
        /// The variable, e.g. `employee.emial`.
        name: String,
        /// A known variable close to it.
        suggestion: Option<&'static str>,
    },
    /// OB018: a trigger that is not a status of the glossary.
    UnknownTrigger {
        /// The trigger written.
        trigger: String,
        /// The statuses that exist.
        known: Vec<String>,
    },
    /// OB019: a step owner not listed in `owners`.
    OwnerNotListed {
        /// The role.
        role: String,
    },
    /// OB019: a step owner that no signer of the configuration holds.
    OwnerHeldByNobody {
        /// The role.
        role: String,
    },
    /// OB020: an inherently destructive action without `destructive: true`.
    DestructiveNotMarked {
        /// The step id.
        step: String,
        /// The action kind.
        action: &'static str,
    },
    /// OB021: license removal or hard delete not preceded by a step that preserves data.
    DataNotPreserved {
        /// The step id.
        step: String,
        /// The action kind.
        action: &'static str,
    },
    /// OB022: hard delete not preceded by a disable on the same connector.
    DeleteWithoutDisable {
        /// The step id.
        step: String,
        /// The connector it deletes on.
        connector: Option<String>,
    },
    /// OB023: a critical or high step with `confirm: none`.
    UnconfirmedRiskyStep {
        /// The step id.
        step: String,
        /// The risk tier.
        risk: &'static str,
    },
    /// OB024: a template filter, test or function the template engine does not provide.
    UnknownTemplateName {
        /// `filter`, `test` or `function`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// A provided name close to it.
        suggestion: Option<String>,
    },
    /// OB025: a status that already triggers another playbook.
    TriggerTaken {
        /// The status.
        status: String,
        /// The playbook it already triggers.
        first_playbook: String,
        /// The file of that playbook.
        first_file: Arc<Path>,
        /// Where that playbook lists the status.
        first: Span,
    },
    /// OB026: a playbook name another playbook file already uses.
    NameTaken {
        /// The name.
        name: String,
        /// The file that uses it first.
        first_file: Arc<Path>,
        /// Where that file gives it.
        first: Span,
    },
    /// OB027: a step that needs an approval whose owner role has fewer than two holders, so no
    /// one but the run's own signer could approve it (four eyes).
    ApproverMissing {
        /// The step id.
        step: String,
        /// The owner role.
        role: String,
        /// How many principals hold the role.
        holders: usize,
    },
    /// OB030: a raw HR code mapped to two statuses.
    GlossaryCodeTwice {
        /// The raw code.
        code: String,
        /// The status it was first mapped to.
        first_status: String,
    },
    /// OB031: a glossary status outside the shared vocabulary.
    GlossaryUnknownStatus {
        /// The status written.
        status: String,
    },
    /// OB040: a role of the matrix that carries nothing.
    EmptyRole {
        /// The role.
        role: String,
    },
    /// OB040: an entitlement listed twice for one role.
    DuplicateEntitlement {
        /// The role.
        role: String,
        /// The group or license.
        entitlement: String,
    },
    /// OB050: a configuration setting that is inconsistent or unusable.
    InvalidConfig {
        /// What is wrong.
        message: String,
    },
    /// OB050: a role of `policy.operator_roles` that no signer of the configuration holds.
    OperatorRoleHeldByNobody {
        /// The role.
        role: String,
    },
    /// OB051: `reconcile.alert` names a connector that is not defined, or not a webhook.
    AlertNotWebhook {
        /// The connector named.
        name: String,
        /// Its type when it is defined, e.g. `sqlite`; `None` when it is not defined.
        connector_type: Option<&'static str>,
        /// The webhook connectors the configuration defines.
        webhooks: Vec<String>,
    },
    /// OB070: `policy.require_signed_playbooks` is on and the commit that last changed the
    /// playbook is not signed by a key of `policy.playbook_signers`.
    UnsignedPlaybook {
        /// Why, e.g. that the commit carries no signature.
        reason: String,
        /// The allowed-signers file of playbook commits, as configured.
        signers: String,
    },
    /// OB060: a service-account pattern that matches every account, so no account would ever be
    /// reported as unknown to HR.
    AllowsEveryAccount {
        /// The pattern as written.
        pattern: String,
    },
    /// OB060: a service account listed twice (same account pattern, same system).
    ServiceAccountTwice {
        /// The account pattern.
        account: String,
        /// The system, when the entries name one.
        system: Option<String>,
        /// Where it was first listed.
        first: Span,
    },
}

impl DiagnosticKind {
    /// The stable code from the documentation's diagnostics table.
    pub fn code(&self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            Syntax { .. } => "OB001",
            UnknownKey { .. } | UnknownParameter { .. } => "OB002",
            DuplicateKey { .. } => "OB003",
            MissingKey { .. } => "OB004",
            WrongType { .. } => "OB005",
            InvalidValue { .. } | EmptyValue { .. } => "OB006",
            UnsupportedVersion { .. } => "OB007",
            UnknownAction { .. } => "OB010",
            UnknownConnector { .. } => "OB011",
            ConnectorCannotPerform { .. } => "OB012",
            DuplicateStepId { .. } => "OB013",
            UnknownDependency { .. } => "OB014",
            DependencyCycle { .. } => "OB015",
            TemplateSyntax { .. } => "OB016",
            UndefinedVariable { .. } => "OB017",
            UnknownTrigger { .. } => "OB018",
            OwnerNotListed { .. } | OwnerHeldByNobody { .. } => "OB019",
            DestructiveNotMarked { .. } => "OB020",
            DataNotPreserved { .. } => "OB021",
            DeleteWithoutDisable { .. } => "OB022",
            UnconfirmedRiskyStep { .. } => "OB023",
            UnknownTemplateName { .. } => "OB024",
            TriggerTaken { .. } => "OB025",
            NameTaken { .. } => "OB026",
            ApproverMissing { .. } => "OB027",
            GlossaryCodeTwice { .. } => "OB030",
            GlossaryUnknownStatus { .. } => "OB031",
            EmptyRole { .. } | DuplicateEntitlement { .. } => "OB040",
            InvalidConfig { .. } | OperatorRoleHeldByNobody { .. } => "OB050",
            AlertNotWebhook { .. } => "OB051",
            AllowsEveryAccount { .. } | ServiceAccountTwice { .. } => "OB060",
            UnsignedPlaybook { .. } => "OB070",
        }
    }

    /// A second position worth showing (the first of two duplicates).
    pub fn related(&self) -> Option<Span> {
        match self {
            DiagnosticKind::DuplicateKey { first, .. }
            | DiagnosticKind::DuplicateStepId { first, .. }
            | DiagnosticKind::ServiceAccountTwice { first, .. } => Some(*first),
            _ => None,
        }
    }

    /// What to do about it, one sentence.
    pub fn hint(&self) -> String {
        use DiagnosticKind::*;
        match self {
            Syntax { .. } => "fix the YAML syntax at this position (check indentation, quotes and brackets)".into(),
            UnknownKey { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UnknownKey { .. } => "remove the key or check its spelling against docs/playbook-format.md".into(),
            UnknownParameter { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UnknownParameter { action, accepted, .. } if accepted.is_empty() => format!("remove it: `{action}` takes no parameter"),
            UnknownParameter { action, accepted, .. } => format!("`{action}` takes {}", quoted(accepted)),
            DuplicateKey { .. } => "keep one of the two entries".into(),
            MissingKey { key, .. } => format!("add `{key}:`"),
            WrongType { expected, .. } => format!("write {expected} here"),
            InvalidValue { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            InvalidValue { expected, .. } => format!("use {expected}"),
            EmptyValue { expected, .. } => format!("write {expected}"),
            UnsupportedVersion { .. } => "write `version: 1`".into(),
            UnknownAction { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UnknownAction { .. } => "use an action from the catalogue in docs/playbook-format.md".into(),
            UnknownConnector { candidates, .. } if candidates.is_empty() => "define the connector under `connectors:` in offboard.yaml".into(),
            UnknownConnector { candidates, .. } => format!("use one of: {}", candidates.join(", ")),
            ConnectorCannotPerform { supported, .. } if supported.is_empty() => "remove `connector:`; this action uses no connector".into(),
            ConnectorCannotPerform { supported, .. } => format!("use a connector of type {}", supported.join(", ")),
            DuplicateStepId { .. } => "give every step its own id".into(),
            UnknownDependency { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UnknownDependency { .. } => "name a step id of this playbook".into(),
            DependencyCycle { .. } => "remove one of the `after` entries so the steps can run in order".into(),
            TemplateSyntax { .. } => "templates use minijinja syntax, e.g. `{{ employee.email }}`".into(),
            UndefinedVariable { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UndefinedVariable { .. } => "use a variable listed under Templates in docs/playbook-format.md".into(),
            UnknownTrigger { known, .. } => format!("use one of: {}", known.join(", ")),
            OwnerNotListed { role } => format!("add `{role}` under `owners:` or use a listed role"),
            OwnerHeldByNobody { role } => format!("give a principal the role `{role}` under `signers:` in offboard.yaml"),
            DestructiveNotMarked { .. } => "add `destructive: true` so legal holds block it".into(),
            DataNotPreserved { .. } => "add a step that preserves data (`kind: iam.retain_data` or `preserves_data: true`) to its `after`".into(),
            DeleteWithoutDisable { .. } => "add an `iam.deactivate` step on the same connector to its `after`".into(),
            UnconfirmedRiskyStep { .. } => "use `confirm: readback` or `confirm: manual`".into(),
            UnknownTemplateName { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            UnknownTemplateName { what, .. } => format!("use a {what} minijinja provides (see https://docs.rs/minijinja)"),
            TriggerTaken { first_playbook, first_file, first, .. } => format!(
                "`run` needs one playbook per status: remove this trigger or the one of `{first_playbook}` at {}:{}:{}",
                crate::human::path(first_file), first.line, first.column
            ),
            NameTaken { first_file, first, .. } => format!(
                "give every playbook its own name (the other is at {}:{}:{})",
                crate::human::path(first_file), first.line, first.column
            ),
            ApproverMissing { role, .. } => format!(
                "give a second principal the role `{role}` under `signers:` (the run's own signer cannot approve), or lower the step's risk"
            ),
            GlossaryCodeTwice { .. } => "map each raw code to exactly one status".into(),
            GlossaryUnknownStatus { .. } => "use terminated, resigned, transferred, on_leave, contractor_ended or active".into(),
            EmptyRole { .. } => "list the groups or licenses the role carries, or remove it".into(),
            DuplicateEntitlement { .. } => "list each entitlement once".into(),
            InvalidConfig { .. } => "see the Configuration section of docs/playbook-format.md".into(),
            OperatorRoleHeldByNobody { role } => format!(
                "give a principal the role `{role}` under `signers:`, or remove it from `policy.operator_roles`"
            ),
            AlertNotWebhook { webhooks, .. } if webhooks.is_empty() => "define a `type: webhook` connector under `connectors:` and name it in `reconcile.alert`".into(),
            AlertNotWebhook { webhooks, .. } => format!("use a webhook connector: {}", webhooks.join(", ")),
            AllowsEveryAccount { .. } => "name the account, or a pattern with a fixed part such as `svc-*`".into(),
            ServiceAccountTwice { first, .. } => format!("keep one of the two entries (the other is on line {})", first.line),
            UnsignedPlaybook { signers, .. } => format!("commit the playbook signed (`git commit -S` with `gpg.format ssh`) by a key that {signers} lists"),
        }
    }
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DiagnosticKind::*;
        match self {
            Syntax { message } => write!(f, "YAML syntax error: {message}"),
            UnknownKey { key, context, .. } => write!(f, "unknown key `{key}` in {context}"),
            UnknownParameter { key, action, .. } => {
                write!(f, "unknown key `{key}` in `with` of kind `{action}`")
            }
            DuplicateKey { key, first } => write!(
                f,
                "duplicate key `{key}` (first given at line {}, column {})",
                first.line, first.column
            ),
            MissingKey { key, context } => write!(f, "missing required key `{key}` in {context}"),
            WrongType {
                key,
                expected,
                found,
            } => write!(f, "`{key}` must be {expected}, found {found}"),
            InvalidValue {
                key,
                value,
                expected,
                ..
            } => write!(f, "invalid `{key}` value `{value}`: expected {expected}"),
            EmptyValue { key, .. } => write!(f, "`{key}` is empty"),
            UnsupportedVersion { found } => {
                write!(f, "unsupported format version {found} (only 1 exists)")
            }
            UnknownAction { kind, .. } => write!(f, "unknown action kind `{kind}`"),
            UnknownConnector { name, candidates } if name.is_empty() => {
                if candidates.is_empty() {
                    write!(
                        f,
                        "no connector given and none in the configuration can perform this action"
                    )
                } else {
                    write!(f, "no connector given and several can perform this action")
                }
            }
            UnknownConnector { name, .. } => {
                write!(
                    f,
                    "unknown connector `{name}` (not defined in offboard.yaml)"
                )
            }
            ConnectorCannotPerform {
                connector,
                connector_type,
                action,
                supported,
            } => {
                if supported.is_empty() {
                    write!(f, "`{action}` takes no connector, but names `{connector}`")
                } else {
                    write!(
                        f,
                        "connector `{connector}` ({connector_type}) cannot perform `{action}`"
                    )
                }
            }
            DuplicateStepId { id, first } => write!(
                f,
                "duplicate step id `{id}` (first used at line {}, column {})",
                first.line, first.column
            ),
            UnknownDependency { step, missing, .. } => write!(
                f,
                "step `{step}` runs after `{missing}`, which is not a step of this playbook"
            ),
            DependencyCycle { path } => write!(f, "dependency cycle: {}", path.join(" -> ")),
            TemplateSyntax { message } => write!(f, "template syntax error: {message}"),
            UndefinedVariable { name, .. } => write!(f, "undefined template variable `{name}`"),
            UnknownTrigger { trigger, .. } => {
                write!(f, "trigger `{trigger}` is not a status of the glossary")
            }
            OwnerNotListed { role } => write!(f, "owner role `{role}` is not listed in `owners`"),
            OwnerHeldByNobody { role } => write!(
                f,
                "owner role `{role}` is held by no signer in the configuration"
            ),
            DestructiveNotMarked { step, action } => write!(
                f,
                "step `{step}` ({action}) destroys data but is not marked `destructive: true`"
            ),
            DataNotPreserved { step, action } => write!(
                f,
                "step `{step}` ({action}) does not come after a step that preserves data"
            ),
            DeleteWithoutDisable { step, connector } => match connector {
                Some(c) => write!(
                    f,
                    "step `{step}` hard-deletes on `{c}` without a prior disable on `{c}`"
                ),
                None => write!(f, "step `{step}` hard-deletes without a prior disable"),
            },
            UnconfirmedRiskyStep { step, risk } => {
                write!(f, "step `{step}` is {risk} risk but has `confirm: none`")
            }
            UnknownTemplateName { what, name, .. } => {
                write!(f, "unknown template {what} `{name}`")
            }
            TriggerTaken {
                status,
                first_playbook,
                ..
            } => write!(
                f,
                "status `{status}` already triggers playbook `{first_playbook}`"
            ),
            NameTaken {
                name, first_file, ..
            } => write!(
                f,
                "playbook name `{name}` is already used by {}",
                crate::human::path(first_file)
            ),
            ApproverMissing {
                step,
                role,
                holders,
            } => write!(
                f,
                "step `{step}` needs an approval (policy.approval_required), but only {holders} principal(s) hold its role `{role}`: four eyes needs two"
            ),
            GlossaryCodeTwice { code, first_status } => {
                write!(f, "raw code `{code}` is already mapped to `{first_status}`")
            }
            GlossaryUnknownStatus { status } => {
                write!(f, "status `{status}` is not in the shared vocabulary")
            }
            EmptyRole { role } => write!(f, "role `{role}` carries no groups and no licenses"),
            DuplicateEntitlement { role, entitlement } => {
                write!(f, "role `{role}` lists `{entitlement}` twice")
            }
            InvalidConfig { message } => write!(f, "invalid configuration: {message}"),
            OperatorRoleHeldByNobody { role } => write!(
                f,
                "operator role `{role}` (policy.operator_roles) is held by no signer in the configuration: nobody could run a playbook with it"
            ),
            AlertNotWebhook {
                name,
                connector_type: Some(kind),
                ..
            } => write!(
                f,
                "`reconcile.alert` names `{name}` ({kind}), which cannot post alerts: it must be a webhook connector"
            ),
            AlertNotWebhook { name, .. } => write!(
                f,
                "`reconcile.alert` names `{name}`, which is not defined under `connectors:`"
            ),
            UnsignedPlaybook { reason, .. } => write!(
                f,
                "the playbook is not signed as policy.require_signed_playbooks requires: {reason}"
            ),
            AllowsEveryAccount { pattern } => write!(
                f,
                "service account `{pattern}` matches every account: nothing would ever be reported as unknown to HR"
            ),
            ServiceAccountTwice {
                account,
                system: Some(system),
                ..
            } => write!(
                f,
                "service account `{account}` in `{system}` is listed twice"
            ),
            ServiceAccountTwice { account, .. } => {
                write!(f, "service account `{account}` is listed twice")
            }
        }
    }
}

/// The known word closest to `word`, if close enough to be a likely typo: at most one edit per
/// three characters of `word` (and at least one), where an edit inserts, deletes or replaces a
/// character or swaps two adjacent ones. The one rule for every suggestion `validate` makes.
pub fn suggest<'a, I>(word: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(1);
    known
        .into_iter()
        .filter(|k| *k != word)
        .map(|k| (distance(word, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// `a`, `b` or `c`: names in backticks, joined for a sentence.
fn quoted(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Optimal string alignment distance over characters (Levenshtein plus adjacent swaps).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        let keys = ["after", "owner", "kind"];
        assert_eq!(suggest("afer", keys), Some("after"));
        assert_eq!(suggest("ownr", keys), Some("owner"));
        assert_eq!(suggest("zzzzzz", keys), None);
        assert_eq!(suggest("rsik", ["risk", "kind"]), Some("risk"));
        assert_eq!(suggest("canery", ["canary", "batch_limit"]), Some("canary"));
        assert_eq!(
            suggest("lw", ["critical", "high", "standard", "low"]),
            Some("low")
        );
        assert_eq!(
            suggest("manul", ["readback", "manual", "none"]),
            Some("manual")
        );
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn codes_are_stable() {
        let cycle = DiagnosticKind::DependencyCycle {
            path: vec!["a".into(), "b".into(), "a".into()],
        };
        assert_eq!(cycle.code(), "OB015");
        assert_eq!(cycle.to_string(), "dependency cycle: a -> b -> a");
    }
}
