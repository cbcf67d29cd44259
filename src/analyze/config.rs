//! Checking `offboard.yaml`: keys and types everywhere, connector settings per type, policy,
//! and that the files it names exist. Relative paths are resolved against the file's directory.
//! Secret values are never echoed: `*_env` keys must name an environment variable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config_values::{Paths, duration, env_name, opt, retention, url};
use super::connectors::connectors;
use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::node::Node;
use super::reader::{Cx, Fields, check_version, with_root_partial};
use crate::playbook::{
    Config, ConnectorConfig, ConnectorType, Deadlines, DoctorSettings, HrSource, Policy,
    ReconcileSettings, Risk, Signing,
};

const CONFIG_KEYS: &[&str] = &[
    "version",
    "hr",
    "glossary",
    "roles",
    "playbooks",
    "holds",
    "journal",
    "signing",
    "signers",
    "connectors",
    "policy",
    "reconcile",
    "doctor",
];

/// The HR record fields `hr.columns` may rename.
const HR_FIELDS: &[&str] = &[
    "id",
    "employee_id",
    "username",
    "email",
    "display_name",
    "manager_id",
    "manager_email",
    "department",
    "cost_centre",
    "role",
    "new_role",
    "status",
    "effective_at",
    "employment",
    "legal_hold",
];

/// Check the configuration in `text`, read from `file`; `exists` tells whether a path it names
/// is present on disk.
pub fn analyze_config(
    file: Arc<Path>,
    text: &str,
    exists: &dyn Fn(&Path) -> bool,
) -> (Option<Config>, Vec<Diagnostic>) {
    let (partial, diags) = analyze_config_partial(file, text, exists);
    let config = partial
        .filter(|p| p.complete && diags.is_empty())
        .map(|p| p.config);
    (config, diags)
}

/// Check the configuration like [`analyze_config`], and keep what could be read of it even when
/// it has problems, so playbooks can still be checked against its valid parts. `None` only when
/// the text is not a YAML mapping.
pub fn analyze_config_partial(
    file: Arc<Path>,
    text: &str,
    exists: &dyn Fn(&Path) -> bool,
) -> (Option<PartialConfig>, Vec<Diagnostic>) {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = file.to_path_buf();
    with_root_partial(file, text, |cx, root| {
        check_config(cx, root, path, dir, exists)
    })
}

/// A configuration as far as it could be read. Parts that are invalid hold neutral stand-ins
/// (no HR source path, default policy, no signing); [`ConfigGaps`] says which parts playbooks
/// must not be checked against. Only for checking; the engine never runs on it.
#[derive(Clone, Debug)]
pub struct PartialConfig {
    /// The configuration, with stand-ins for what is invalid.
    pub config: Config,
    /// What could not be read.
    pub gaps: ConfigGaps,
    /// True when nothing was invalid: `config` is the real configuration.
    pub complete: bool,
}

/// The parts of a [`PartialConfig`] that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigGaps {
    /// `connectors:` is not a mapping: no connector is known.
    pub all_connectors: bool,
    /// Connectors that are defined but whose settings are invalid.
    pub connectors: BTreeSet<String>,
    /// Some signer's roles (or `signers:` itself) could not be read.
    pub signers: bool,
}

impl ConfigGaps {
    /// True when the connector `name` may exist but could not be read.
    pub fn connector_unknown(&self, name: &str) -> bool {
        self.all_connectors || self.connectors.contains(name)
    }

    /// True when some connector could not be read (so "the only connector able to ..." is
    /// unknown).
    pub fn any_connector(&self) -> bool {
        self.all_connectors || !self.connectors.is_empty()
    }
}

fn check_config(
    cx: &mut Cx<'_>,
    root: &Node,
    path: PathBuf,
    dir: PathBuf,
    exists: &dyn Fn(&Path) -> bool,
) -> Option<PartialConfig> {
    let paths = Paths { dir, exists };
    let fields = Fields::new(cx, root, "configuration", CONFIG_KEYS)?;
    check_version(cx, &fields);
    let mut gaps = ConfigGaps::default();
    let hr = fields.required(cx, "hr").and_then(|n| hr(cx, n, &paths));
    let file_key = |cx: &mut Cx<'_>, key: &str, default: &str| -> Option<PathBuf> {
        match fields.get(key) {
            Some(node) => paths.path(cx, key, node, true),
            None => Some(paths.resolve(default)),
        }
    };
    let glossary = file_key(cx, "glossary", "glossary.yaml");
    let roles = file_key(cx, "roles", "roles.yaml");
    let playbooks = file_key(cx, "playbooks", "playbooks");
    let holds = fields
        .get("holds")
        .map(|node| paths.path(cx, "holds", node, true));
    let journal = match fields.get("journal") {
        Some(node) => paths.path(cx, "journal", node, false),
        None => Some(paths.resolve("journal")),
    };
    let signing = match fields.get("signing") {
        Some(node) => signing(cx, node, &paths).map(Some),
        None => Some(None),
    };
    let signers = match fields.get("signers") {
        Some(node) => signers(cx, node),
        None => (BTreeMap::new(), true),
    };
    gaps.signers = !signers.1;
    let connectors = match fields.get("connectors") {
        Some(node) => connectors(cx, node, &paths),
        None => Some((BTreeMap::new(), BTreeSet::new())),
    };
    match &connectors {
        None => gaps.all_connectors = true,
        Some((_, broken)) => gaps.connectors = broken.clone(),
    }
    // Who holds which role, when every signer's roles could be read.
    let holders = (!gaps.signers).then_some(&signers.0);
    let policy = match fields.get("policy") {
        Some(node) => policy(cx, node, holders, &paths),
        None => Some(Policy::default()),
    };
    let valid_connectors = connectors
        .as_ref()
        .filter(|(_, broken)| broken.is_empty())
        .map(|(map, _)| map);
    let reconcile = match fields.get("reconcile") {
        Some(node) => reconcile(cx, node, valid_connectors),
        None => Some(ReconcileSettings::default()),
    };
    let doctor = match fields.get("doctor") {
        Some(node) => doctor(cx, node, valid_connectors),
        None => Some(DoctorSettings::default()),
    };
    // Where a file key points even when the file is missing, so the caller can tell that the
    // file the configuration names is gone.
    let written = |key: &str, default: &str| match fields.get(key).map(|n| &n.value) {
        Some(super::node::Value::String(text)) => paths.resolve(text),
        Some(_) => PathBuf::new(),
        None => paths.resolve(default),
    };
    let complete = hr.is_some()
        && glossary.is_some()
        && roles.is_some()
        && playbooks.is_some()
        && holds.as_ref().is_none_or(Option::is_some)
        && journal.is_some()
        && signing.is_some()
        && !gaps.signers
        && valid_connectors.is_some()
        && policy.is_some()
        && reconcile.is_some()
        && doctor.is_some();
    let config = Config {
        path,
        hr: hr.unwrap_or(HrSource::Csv {
            path: PathBuf::new(),
            columns: BTreeMap::new(),
        }),
        glossary: glossary.unwrap_or_else(|| written("glossary", "glossary.yaml")),
        roles: roles.unwrap_or_else(|| written("roles", "roles.yaml")),
        playbooks: playbooks.unwrap_or_else(|| written("playbooks", "playbooks")),
        holds: holds.map(|h| h.unwrap_or_else(|| written("holds", "holds.yaml"))),
        journal: journal.unwrap_or_else(|| paths.resolve("journal")),
        signing: signing.flatten(),
        signers: signers.0,
        connectors: connectors.map(|(map, _)| map).unwrap_or_default(),
        policy: policy.unwrap_or_default(),
        reconcile: reconcile.unwrap_or_default(),
        doctor: doctor.unwrap_or_default(),
        dir: paths.dir,
    };
    Some(PartialConfig {
        config,
        gaps,
        complete,
    })
}

fn hr(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<HrSource> {
    let f = Fields::new(
        cx,
        node,
        "hr",
        &["type", "path", "columns", "url", "token_env"],
    )?;
    let type_node = f.required(cx, "type")?;
    let kind = cx.string("type", type_node)?;
    let misplaced = |cx: &mut Cx<'_>, key: &str, kind: &str| {
        if let Some(e) = f.entry(key) {
            cx.report(
                DiagnosticKind::InvalidConfig {
                    message: format!("`hr.{key}` does not apply to `type: {kind}`"),
                },
                e.key_span,
            );
        }
    };
    let mut columns = BTreeMap::new();
    if let Some(entries) = f.get("columns").and_then(|n| cx.map("columns", n)) {
        for e in entries {
            if !HR_FIELDS.contains(&e.key.as_str()) {
                cx.choice("columns", &e.key, HR_FIELDS, e.key_span);
                continue;
            }
            if let Some(col) = cx.scalar_text(&e.key, &e.value) {
                columns.insert(e.key.clone(), col);
            }
        }
    }
    match kind {
        "csv" => {
            misplaced(cx, "url", kind);
            misplaced(cx, "token_env", kind);
            let path = f
                .required(cx, "path")
                .and_then(|n| paths.path(cx, "path", n, true));
            Some(HrSource::Csv {
                path: path?,
                columns,
            })
        }
        "http" => {
            misplaced(cx, "path", kind);
            let url = f
                .required(cx, "url")
                .and_then(|n| url(cx, "url", n, &["http://", "https://"]));
            let token_env = env_name(cx, &f, "token_env");
            Some(HrSource::Http {
                url: url?,
                token_env: token_env?,
                columns,
            })
        }
        other => {
            cx.choice("type", other, &["csv", "http"], type_node.span);
            None
        }
    }
}

fn signing(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<Signing> {
    let f = Fields::new(
        cx,
        node,
        "signing",
        &["key", "principal", "allowed_signers"],
    )?;
    let key = match f.get("key") {
        Some(n) => Some(paths.path(cx, "key", n, false)?),
        None => None,
    };
    let principal = f
        .required(cx, "principal")
        .and_then(|n| cx.string("principal", n).map(str::to_owned));
    let allowed_signers = match f.get("allowed_signers") {
        Some(n) => paths.path(cx, "allowed_signers", n, false),
        None => Some(paths.resolve("allowed_signers")),
    };
    Some(Signing {
        key,
        principal: principal?,
        allowed_signers: allowed_signers?,
    })
}

/// The signers that could be read, and whether all could.
fn signers(cx: &mut Cx<'_>, node: &Node) -> (BTreeMap<String, Vec<String>>, bool) {
    let Some(entries) = cx.map("signers", node) else {
        return (BTreeMap::new(), false);
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for e in entries {
        match cx.strings(&e.key, &e.value) {
            Some(roles) => {
                out.insert(
                    e.key.clone(),
                    roles.into_iter().map(|(r, _)| r.to_owned()).collect(),
                );
            }
            None => ok = false,
        }
    }
    (out, ok)
}

/// `reconcile:`. `alert` must name a `type: webhook` connector; that is checked only when the
/// connectors themselves are valid, so that one mistake is not reported twice.
fn reconcile(
    cx: &mut Cx<'_>,
    node: &Node,
    connectors: Option<&BTreeMap<String, ConnectorConfig>>,
) -> Option<ReconcileSettings> {
    let f = Fields::new(cx, node, "reconcile", &["alert"])?;
    let Some(alert) = f.get("alert") else {
        return Some(ReconcileSettings::default());
    };
    let name = cx.string("alert", alert)?;
    if let Some(connectors) = connectors {
        let kind = connectors.get(name).map(ConnectorConfig::connector_type);
        if kind != Some(ConnectorType::Webhook) {
            let webhooks = connectors
                .values()
                .filter(|c| c.connector_type() == ConnectorType::Webhook)
                .map(|c| c.name.clone())
                .collect();
            cx.report(
                DiagnosticKind::AlertNotWebhook {
                    name: name.to_owned(),
                    connector_type: kind.map(ConnectorType::as_str),
                    webhooks,
                },
                alert.span,
            );
            return None;
        }
    }
    Some(ReconcileSettings {
        alert: Some(name.to_owned()),
    })
}

/// `doctor:`: the canary account `offboard doctor` looks up in each connector, checked to name
/// configured connectors that hold accounts (when they could be read).
fn doctor(
    cx: &mut Cx<'_>,
    node: &Node,
    connectors: Option<&BTreeMap<String, ConnectorConfig>>,
) -> Option<DoctorSettings> {
    let f = Fields::new(cx, node, "doctor", &["canary"])?;
    let Some(node) = f.get("canary") else {
        return Some(DoctorSettings::default());
    };
    let entries = cx.map("canary", node)?;
    let mut canary = BTreeMap::new();
    let mut valid = true;
    for e in entries {
        let problem = match connectors.map(|c| c.get(&e.key).map(ConnectorConfig::connector_type)) {
            Some(None) => Some("names no configured connector"),
            Some(Some(ConnectorType::Webhook)) => Some("names a webhook, which holds no accounts"),
            _ => None,
        };
        if let Some(problem) = problem {
            cx.report(
                DiagnosticKind::InvalidConfig {
                    message: format!("`doctor.canary.{}` {problem}", e.key),
                },
                e.key_span,
            );
            valid = false;
            continue;
        }
        match cx.scalar_text(&e.key, &e.value) {
            Some(key) => {
                canary.insert(e.key.clone(), key);
            }
            None => valid = false,
        }
    }
    valid.then_some(DoctorSettings { canary })
}

/// `policy:`; `holders` is the role map when it could be read whole, to check that every
/// operator role is held by someone; `paths` resolves the files it names.
fn policy(
    cx: &mut Cx<'_>,
    node: &Node,
    holders: Option<&BTreeMap<String, Vec<String>>>,
    paths: &Paths<'_>,
) -> Option<Policy> {
    let f = Fields::new(
        cx,
        node,
        "policy",
        &[
            "deadlines",
            "batch_limit",
            "canary",
            "batch_concurrency",
            "approval_required",
            "operator_roles",
            "dormant_after",
            "require_signed_playbooks",
            "playbook_signers",
            "minimise_personal_data",
            "retention",
        ],
    )?;
    let defaults = Policy::default();
    let deadlines = match f.get("deadlines") {
        Some(n) => deadlines(cx, n),
        None => Some(defaults.deadlines),
    };
    let batch_limit = opt(cx, &f, "batch_limit", |cx, n| cx.uint("batch_limit", n, 1));
    let canary = opt(cx, &f, "canary", |cx, n| cx.uint("canary", n, 0));
    let concurrency = opt(cx, &f, "batch_concurrency", |cx, n| {
        cx.uint("batch_concurrency", n, 1)
    });
    let approval = opt(cx, &f, "approval_required", |cx, n| {
        let items = cx.strings("approval_required", n)?;
        let mut out = Vec::new();
        for (text, span) in items {
            match Risk::from_name(text) {
                Some(r) => out.push(r),
                None => cx.choice(
                    "approval_required",
                    text,
                    &["critical", "high", "standard", "low"],
                    span,
                ),
            }
        }
        Some(out)
    });
    let operators = opt(cx, &f, "operator_roles", |cx, n| {
        operator_roles(cx, n, holders)
    });
    let dormant_after = opt(cx, &f, "dormant_after", |cx, n| {
        duration(cx, "dormant_after", n)
    });
    let playbook_signers = playbook_signers(cx, &f, paths, node);
    let minimise = opt(cx, &f, "minimise_personal_data", |cx, n| {
        cx.bool("minimise_personal_data", n)
    });
    let retention = opt(cx, &f, "retention", retention);
    Some(Policy {
        deadlines: deadlines?,
        batch_limit: batch_limit?.unwrap_or(defaults.batch_limit),
        canary: canary?.unwrap_or(defaults.canary),
        batch_concurrency: concurrency?.unwrap_or(defaults.batch_concurrency),
        approval_required: approval?.unwrap_or_default(),
        operator_roles: operators?.unwrap_or(defaults.operator_roles),
        dormant_after: dormant_after?.unwrap_or(defaults.dormant_after),
        playbook_signers: playbook_signers?,
        minimise_personal_data: minimise?.unwrap_or(false),
        retention: retention?,
    })
}

/// `policy.require_signed_playbooks` and the allowed-signers file it needs,
/// `policy.playbook_signers`: the file when the policy is on, `Some(None)` when it is off.
fn playbook_signers(
    cx: &mut Cx<'_>,
    f: &Fields<'_>,
    paths: &Paths<'_>,
    node: &Node,
) -> Option<Option<PathBuf>> {
    let required = opt(cx, f, "require_signed_playbooks", |cx, n| {
        cx.bool("require_signed_playbooks", n)
    });
    let file = opt(cx, f, "playbook_signers", |cx, n| {
        paths.path(cx, "playbook_signers", n, false)
    });
    match (required?.unwrap_or(false), file?) {
        (false, _) => Some(None),
        (true, Some(file)) => Some(Some(file)),
        (true, None) => {
            cx.report(
                DiagnosticKind::InvalidConfig {
                    message: "`require_signed_playbooks: true` needs `playbook_signers`, the \
                              allowed-signers file whose keys may sign playbook commits"
                        .to_owned(),
                },
                node.span,
            );
            None
        }
    }
}

/// `policy.operator_roles`: at least one role, each held by some signer of `holders`.
fn operator_roles(
    cx: &mut Cx<'_>,
    node: &Node,
    holders: Option<&BTreeMap<String, Vec<String>>>,
) -> Option<Vec<String>> {
    let items = cx.strings("operator_roles", node)?;
    if items.is_empty() {
        cx.report(
            DiagnosticKind::EmptyValue {
                key: "policy.operator_roles".to_owned(),
                expected: "at least one role whose holders may run playbooks, e.g. `[iam]`",
            },
            node.span,
        );
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut ok = true;
    for (role, span) in items {
        let held =
            holders.is_none_or(|map| map.values().any(|roles| roles.iter().any(|r| r == role)));
        if !held {
            cx.report(
                DiagnosticKind::OperatorRoleHeldByNobody {
                    role: role.to_owned(),
                },
                span,
            );
            ok = false;
        }
        if !out.iter().any(|r| r == role) {
            out.push(role.to_owned());
        }
    }
    ok.then_some(out)
}

fn deadlines(cx: &mut Cx<'_>, node: &Node) -> Option<Deadlines> {
    let f = Fields::new(
        cx,
        node,
        "deadlines",
        &["critical", "high", "standard", "low"],
    )?;
    let d = Deadlines::default();
    let critical = opt(cx, &f, "critical", |cx, n| duration(cx, "critical", n));
    let high = opt(cx, &f, "high", |cx, n| duration(cx, "high", n));
    let standard = opt(cx, &f, "standard", |cx, n| duration(cx, "standard", n));
    let low = opt(cx, &f, "low", |cx, n| duration(cx, "low", n));
    Some(Deadlines {
        critical: critical?.unwrap_or(d.critical),
        high: high?.unwrap_or(d.high),
        standard: standard?.unwrap_or(d.standard),
        low: low?.unwrap_or(d.low),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "version: 1\nhr:\n  type: csv\n  path: hr.csv\nconnectors:\n  directory:\n    type: sqlite\n    path: state/acme.db\n  alerts:\n    type: webhook\n    url: https://hooks.example/offboard\n    secret_env: ALERT_SECRET\n  chat:\n    type: webhook\n    url: https://chat.example/hook\n";

    fn check(reconcile: &str) -> (Option<Config>, Vec<(String, String, u32)>) {
        let text = format!("{BASE}{reconcile}");
        let file: Arc<Path> = Arc::from(Path::new("/repo/offboard.yaml"));
        let (config, diagnostics) = analyze_config(file, &text, &|_| true);
        let diagnostics = diagnostics
            .iter()
            .map(|d| (d.code().to_owned(), d.message(), d.span.line))
            .collect();
        (config, diagnostics)
    }

    #[test]
    fn reconcile_alert_must_name_a_webhook() {
        let (config, diagnostics) = check("");
        assert_eq!(diagnostics, []);
        assert_eq!(config.unwrap().reconcile.alert, None);

        let (config, diagnostics) = check("reconcile:\n  alert: alerts\n");
        assert_eq!(diagnostics, []);
        assert_eq!(config.unwrap().reconcile.alert.as_deref(), Some("alerts"));

        let table = [
            (
                "reconcile:\n  alert: directory\n",
                "OB051",
                "`reconcile.alert` names `directory` (sqlite), which cannot post alerts: it must be a webhook connector",
            ),
            (
                "reconcile:\n  alert: pager\n",
                "OB051",
                "`reconcile.alert` names `pager`, which is not defined under `connectors:`",
            ),
            (
                "reconcile:\n  alert: alerts\n  channel: x\n",
                "OB002",
                "unknown key `channel` in reconcile",
            ),
        ];
        for (yaml, code, message) in table {
            let (config, diagnostics) = check(yaml);
            assert!(config.is_none(), "{yaml}");
            assert_eq!(diagnostics.len(), 1, "{yaml}: {diagnostics:?}");
            assert_eq!(diagnostics[0].0, code, "{yaml}");
            assert_eq!(diagnostics[0].1, message, "{yaml}");
        }
        let (_, diagnostics) = check("reconcile:\n  alert: directory\n");
        assert_eq!(diagnostics[0].2, 17, "the span is the value of `alert`");
    }

    #[test]
    fn the_hint_lists_the_webhooks() {
        let kind = DiagnosticKind::AlertNotWebhook {
            name: "directory".to_owned(),
            connector_type: Some("sqlite"),
            webhooks: vec!["alerts".to_owned(), "chat".to_owned()],
        };
        assert_eq!(kind.code(), "OB051");
        assert_eq!(kind.hint(), "use a webhook connector: alerts, chat");
        let none = DiagnosticKind::AlertNotWebhook {
            name: "x".to_owned(),
            connector_type: None,
            webhooks: Vec::new(),
        };
        assert!(
            none.hint()
                .starts_with("define a `type: webhook` connector")
        );
    }
}
