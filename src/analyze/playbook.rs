//! Checking one playbook file: keys and types of the playbook and its steps, then the rules that
//! span steps (ids, dependencies, ordering, confirmation). It produces a [`Playbook`] only when
//! the file has no diagnostic at all.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::config::ConfigGaps;
use super::diagnostic::{Diagnostic, DiagnosticKind, Span, suggest};
use super::graph;
use super::node::{Node, Value};
use super::params;
use super::raw_step::RawStep;
use super::reader::{Cx, Fields, check_version, is_slug, one_of, with_root};
use super::template;
use crate::playbook::{
    Action, Config, Confirm, Glossary, OnError, Playbook, Risk, StageDelay, Status, Step, Template,
    approval_gates,
};

/// What a playbook is checked against, when available: the configuration (connectors, signers)
/// and the glossary (trigger statuses).
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The configuration, when one was found (possibly only what could be read of it).
    pub config: Option<&'a Config>,
    /// The glossary, when one was found (possibly only what could be read of it).
    pub glossary: Option<&'a Glossary>,
    /// The parts of `config` that could not be read; playbooks are not checked against them.
    pub gaps: Option<&'a ConfigGaps>,
}

impl Context<'_> {
    fn connector_unknown(&self, name: &str) -> bool {
        self.gaps.is_some_and(|g| g.connector_unknown(name))
    }

    fn any_connector_unknown(&self) -> bool {
        self.gaps.is_some_and(ConfigGaps::any_connector)
    }

    fn signers_unknown(&self) -> bool {
        self.gaps.is_some_and(|g| g.signers)
    }
}

/// What sets a playbook apart from the others of a repository: its name and the statuses that
/// trigger it, with where they are written. Read even when the file has other problems.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Identity {
    /// The name, when it is a valid name.
    pub name: Option<(String, Span)>,
    /// The trigger statuses that are statuses of the glossary.
    pub triggers: Vec<(Status, Span)>,
}

/// The risk tiers, as written.
pub(super) const RISKS: &[&str] = &["critical", "high", "standard", "low"];

const PLAYBOOK_KEYS: &[&str] = &[
    "version",
    "name",
    "description",
    "owners",
    "triggers",
    "steps",
];
const STEP_KEYS: &[&str] = &[
    "id",
    "kind",
    "connector",
    "with",
    "after",
    "owner",
    "risk",
    "at",
    "destructive",
    "preserves_data",
    "confirm",
    "on_error",
    "approval",
];

/// Check the playbook in `text` (from `file`) against `context`.
pub fn analyze(
    file: Arc<Path>,
    text: &str,
    context: Context<'_>,
) -> (Option<Playbook>, Vec<Diagnostic>) {
    let (playbook, diags, _) = analyze_with_identity(file, text, context);
    (playbook, diags)
}

/// Check like [`analyze`], and also return the playbook's [`Identity`] (for the rules across
/// playbooks).
pub fn analyze_with_identity(
    file: Arc<Path>,
    text: &str,
    context: Context<'_>,
) -> (Option<Playbook>, Vec<Diagnostic>, Identity) {
    let mut identity = Identity::default();
    let (playbook, diags) = with_root(file, text, |cx, root| {
        check_playbook(cx, root, context, &mut identity)
    });
    (playbook, diags, identity)
}

fn check_playbook(
    cx: &mut Cx<'_>,
    root: &Node,
    context: Context<'_>,
    identity: &mut Identity,
) -> Option<Playbook> {
    let fields = Fields::new(cx, root, "playbook", PLAYBOOK_KEYS)?;
    check_version(cx, &fields);
    let name = fields.required(cx, "name").and_then(|node| {
        let name = cx.string("name", node)?;
        if is_slug(name) {
            identity.name = Some((name.to_owned(), node.span));
            Some(name.to_owned())
        } else {
            cx.invalid("name", name, "lowercase letters, digits and `-`", node.span);
            None
        }
    });
    let description = fields
        .get("description")
        .and_then(|node| cx.string("description", node).map(str::to_owned));
    let owners = fields
        .required(cx, "owners")
        .and_then(|node| owners(cx, node));
    let triggers = fields
        .required(cx, "triggers")
        .and_then(|node| triggers(cx, node, context.glossary, &mut identity.triggers));
    let steps_node = fields.required(cx, "steps");
    let mut raw = Vec::new();
    if let Some(node) = steps_node
        && let Some(items) = cx.list("steps", node)
    {
        if items.is_empty() {
            cx.invalid("steps", "[]", "at least one step", node.span);
        }
        for item in items {
            if let Some(step) = step(cx, item, owners.as_ref(), context) {
                raw.push(step);
            }
        }
    }
    graph::check(cx, &raw);
    let steps = raw.into_iter().map(finish).collect::<Option<Vec<_>>>()?;
    Some(Playbook {
        name: name?,
        description,
        owners: owners?,
        triggers: triggers?,
        steps,
    })
}

fn owners(cx: &mut Cx<'_>, node: &Node) -> Option<BTreeMap<String, String>> {
    let entries = cx.map("owners", node)?;
    let mut owners = BTreeMap::new();
    for entry in entries {
        if let Some(holder) = cx.scalar_text(&entry.key, &entry.value) {
            owners.insert(entry.key.clone(), holder);
        }
    }
    Some(owners)
}

fn triggers(
    cx: &mut Cx<'_>,
    node: &Node,
    glossary: Option<&Glossary>,
    found: &mut Vec<(Status, Span)>,
) -> Option<Vec<Status>> {
    let items = cx.strings("triggers", node)?;
    let mut statuses = Vec::new();
    let mut ok = true;
    for (text, span) in items {
        match Status::from_name(text).filter(|s| glossary.is_none_or(|g| g.has(*s))) {
            Some(status) => {
                found.push((status, span));
                statuses.push(status);
            }
            None => {
                ok = false;
                let known = match glossary {
                    Some(g) => g.statuses.keys().map(|s| s.as_str().to_owned()).collect(),
                    None => Status::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
                };
                cx.report(
                    DiagnosticKind::UnknownTrigger {
                        trigger: text.to_owned(),
                        known,
                    },
                    span,
                );
            }
        }
    }
    ok.then_some(statuses)
}

fn step(
    cx: &mut Cx<'_>,
    node: &Node,
    owners: Option<&BTreeMap<String, String>>,
    context: Context<'_>,
) -> Option<RawStep> {
    let fields = Fields::new(cx, node, "step", STEP_KEYS)?;
    let id = fields.required(cx, "id").and_then(|node| {
        let id = cx.string("id", node)?;
        if is_slug(id) {
            Some((id.to_owned(), node.span))
        } else {
            cx.invalid("id", id, "lowercase letters, digits and `-`", node.span);
            None
        }
    });
    let kind = fields.required(cx, "kind").and_then(|node| {
        let text = cx.string("kind", node)?;
        match text.parse::<Action>() {
            Ok(action) => Some((action, node.span)),
            Err(_) => {
                cx.report(
                    DiagnosticKind::UnknownAction {
                        kind: text.to_owned(),
                        suggestion: suggest(text, Action::ALL.iter().map(|a| a.as_str())),
                    },
                    node.span,
                );
                None
            }
        }
    });
    let connector = connector(cx, &fields, kind.map(|k| k.0), context);
    let confirm_node = fields.get("confirm");
    let confirm = confirm_node.and_then(|node| {
        let text = cx.string("confirm", node)?;
        let confirm = Confirm::from_name(text);
        if confirm.is_none() {
            cx.choice("confirm", text, &["readback", "manual", "none"], node.span);
        }
        confirm
    });
    let with_node = fields.get("with");
    if with_node.is_none() && kind.is_some_and(|k| k.0 == Action::Manual) {
        cx.report(
            DiagnosticKind::MissingKey {
                key: "with.task",
                context: "manual step",
            },
            fields.span(),
        );
    }
    if with_node.is_none() && kind.is_some_and(|k| k.0 == Action::IamSetAutoReply) {
        cx.report(
            DiagnosticKind::MissingKey {
                key: "with.message",
                context: "iam.set_auto_reply step",
            },
            fields.span(),
        );
    }
    // With a confirmation mode that could not be read, the action's default decides whether
    // `task` is accepted; the mode's own diagnostic is already reported.
    let params = kind.map(|(k, _)| params::accepted(k, confirm.unwrap_or(k.default_confirm())));
    let with = with_node
        .and_then(|node| with(cx, node, kind.map(|k| k.0), params.as_deref()))
        .unwrap_or_default();
    let after = fields
        .get("after")
        .and_then(|node| cx.strings("after", node))
        .unwrap_or_default()
        .into_iter()
        .map(|(s, span)| (s.to_owned(), span))
        .collect();
    let owner = fields
        .required(cx, "owner")
        .and_then(|node| owner(cx, node, owners, context));
    let risk = fields
        .get("risk")
        .and_then(|node| {
            let text = cx.string("risk", node)?;
            let risk = Risk::from_name(text);
            if risk.is_none() {
                cx.choice("risk", text, RISKS, node.span);
            }
            risk
        })
        .unwrap_or_default();
    let at = fields.get("at").and_then(|node| {
        let text = cx.scalar_text("at", node)?;
        let delay = text.parse::<StageDelay>().ok();
        if delay.is_none() {
            cx.invalid(
                "at",
                &text,
                "`+N` followed by m, h, d or w, e.g. `+30d`",
                node.span,
            );
        }
        delay
    });
    let flag = |cx: &mut Cx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|n| cx.bool(key, n))
            .unwrap_or(false)
    };
    let destructive = flag(cx, "destructive");
    let preserves_data = flag(cx, "preserves_data");
    let approval = flag(cx, "approval");
    if let (Some(Confirm::None), Some(node), Some((id, _))) = (confirm, confirm_node, &id)
        && matches!(risk, Risk::Critical | Risk::High)
    {
        cx.report(
            DiagnosticKind::UnconfirmedRiskyStep {
                step: id.clone(),
                risk: risk.as_str(),
            },
            node.span,
        );
    }
    approver_available(
        cx,
        context,
        &fields,
        (&id, kind.map(|(k, _)| k), confirm),
        (&owner, risk, approval),
    );
    let on_error = fields
        .get("on_error")
        .and_then(|node| {
            let text = cx.string("on_error", node)?;
            let policy = OnError::from_name(text);
            if policy.is_none() {
                cx.choice("on_error", text, &["stop", "continue"], node.span);
            }
            policy
        })
        .unwrap_or_default();
    Some(RawStep {
        id,
        kind,
        connector,
        with,
        after,
        owner,
        risk,
        at,
        destructive,
        preserves_data,
        confirm,
        on_error,
        approval,
    })
}

/// Report a step the approval policy gates whose owner role has fewer than two holders: the
/// run's own signer cannot approve (four eyes), so the run could never get past it.
fn approver_available(
    cx: &mut Cx<'_>,
    context: Context<'_>,
    fields: &Fields<'_>,
    (id, kind, confirm): (&Option<(String, Span)>, Option<Action>, Option<Confirm>),
    (owner, risk, approval): (&Option<String>, Risk, bool),
) {
    let (Some(config), Some((id, _)), Some(kind), Some(role)) = (
        context.config.filter(|_| !context.signers_unknown()),
        id,
        kind,
        owner,
    ) else {
        return;
    };
    let confirm = confirm.unwrap_or_else(|| kind.default_confirm());
    if !approval_gates(
        kind,
        confirm,
        approval,
        risk,
        &config.policy.approval_required,
    ) {
        return;
    }
    let holders = config.holders_of(role);
    if holders == 0 || holders >= 2 {
        // No holder at all is OB019 already.
        return;
    }
    let span = fields.get("owner").map_or(fields.span(), |n| n.span);
    cx.report(
        DiagnosticKind::ApproverMissing {
            step: id.clone(),
            role: role.clone(),
            holders,
        },
        span,
    );
}

/// The step's connector: as written (checked against the configuration), or the only one of the
/// configuration able to perform the action.
fn connector(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    action: Option<Action>,
    context: Context<'_>,
) -> Option<String> {
    let config = context.config;
    let node = fields.get("connector");
    let name = node.and_then(|n| cx.string("connector", n));
    let action = action?;
    match (name, node) {
        (Some(name), Some(node)) if !action.needs_connector() => {
            let connector_type = config
                .and_then(|c| c.connector(name))
                .map_or("", |c| c.connector_type().as_str());
            cx.report(
                DiagnosticKind::ConnectorCannotPerform {
                    connector: name.to_owned(),
                    connector_type,
                    action: action.as_str(),
                    supported: Vec::new(),
                },
                node.span,
            );
            None
        }
        (Some(name), Some(node)) => {
            let Some(config) = config else {
                return Some(name.to_owned());
            };
            match config.connector(name) {
                None if context.connector_unknown(name) => Some(name.to_owned()),
                None => {
                    cx.report(
                        DiagnosticKind::UnknownConnector {
                            name: name.to_owned(),
                            candidates: config
                                .connectors_for(action)
                                .into_iter()
                                .map(str::to_owned)
                                .collect(),
                        },
                        node.span,
                    );
                    None
                }
                Some(c) if !action.connector_types().contains(&c.connector_type()) => {
                    cx.report(
                        DiagnosticKind::ConnectorCannotPerform {
                            connector: name.to_owned(),
                            connector_type: c.connector_type().as_str(),
                            action: action.as_str(),
                            supported: action
                                .connector_types()
                                .iter()
                                .map(|t| t.as_str())
                                .collect(),
                        },
                        node.span,
                    );
                    None
                }
                Some(_) => Some(name.to_owned()),
            }
        }
        _ if node.is_some() || !action.needs_connector() => None,
        _ => {
            let config = config?;
            let candidates = config.connectors_for(action);
            if let [only] = candidates.as_slice() {
                return Some((*only).to_owned());
            }
            if context.any_connector_unknown() {
                return None;
            }
            cx.report(
                DiagnosticKind::UnknownConnector {
                    name: String::new(),
                    candidates: candidates.into_iter().map(str::to_owned).collect(),
                },
                fields.span(),
            );
            None
        }
    }
}

/// The step's parameters. `accepted` is what the step's action reads (`None` when the action
/// is unknown: any key is taken, the action's own diagnostic says what is wrong).
fn with(
    cx: &mut Cx<'_>,
    node: &Node,
    action: Option<Action>,
    accepted: Option<&[&'static str]>,
) -> Option<BTreeMap<String, Template>> {
    let entries = cx.map("with", node)?;
    let mut params = BTreeMap::new();
    for entry in &entries {
        if let (Some(action), Some(accepted)) = (action, accepted)
            && !accepted.contains(&entry.key.as_str())
        {
            cx.report(
                DiagnosticKind::UnknownParameter {
                    key: entry.key.clone(),
                    action: action.as_str(),
                    accepted: accepted.to_vec(),
                    suggestion: suggest(&entry.key, accepted.iter().copied()),
                },
                entry.key_span,
            );
            continue;
        }
        let source = match &entry.value.value {
            Value::Seq(_) | Value::Map(_) | Value::Null => {
                cx.wrong_type(&entry.key, "a string", &entry.value);
                continue;
            }
            _ => cx.scalar_text(&entry.key, &entry.value),
        };
        let Some(source) = source else { continue };
        if entry.key == params::RELEASE
            && action == Some(Action::InventoryReleaseSeats)
            && !params::RELEASE_MODES.contains(&source.as_str())
        {
            // The engine reads the mode before the step applies anything: a template would
            // fail the run partway, so only the literal values are accepted.
            let expected = if template::is_template(&source) {
                format!(
                    "{}, written as is (not a template)",
                    one_of(params::RELEASE_MODES)
                )
            } else {
                one_of(params::RELEASE_MODES)
            };
            cx.report(
                DiagnosticKind::InvalidValue {
                    key: "with.release".to_owned(),
                    value: source.clone(),
                    expected,
                    suggestion: suggest(&source, params::RELEASE_MODES.iter().copied())
                        .map(str::to_owned),
                },
                entry.value.span,
            );
            continue;
        }
        if entry.key == params::TASK && source.trim().is_empty() {
            cx.report(
                DiagnosticKind::EmptyValue {
                    key: "with.task".to_owned(),
                    expected: "what the person is to do, e.g. `task: \"Collect the laptop\"`",
                },
                entry.value.span,
            );
            continue;
        }
        if let Some(t) = template::check(cx, &source, &entry.value) {
            params.insert(entry.key.clone(), t);
        }
    }
    if action == Some(Action::Manual) && !entries.iter().any(|e| e.key == params::TASK) {
        cx.report(
            DiagnosticKind::MissingKey {
                key: "task",
                context: "`with` of a manual step",
            },
            node.span,
        );
    }
    if action == Some(Action::IamSetAutoReply) && !entries.iter().any(|e| e.key == params::MESSAGE)
    {
        cx.report(
            DiagnosticKind::MissingKey {
                key: "message",
                context: "`with` of an iam.set_auto_reply step",
            },
            node.span,
        );
    }
    Some(params)
}

fn owner(
    cx: &mut Cx<'_>,
    node: &Node,
    owners: Option<&BTreeMap<String, String>>,
    context: Context<'_>,
) -> Option<String> {
    let role = cx.string("owner", node)?;
    let config = context.config.filter(|_| !context.signers_unknown());
    if owners.is_some_and(|o| !o.contains_key(role)) {
        cx.report(
            DiagnosticKind::OwnerNotListed {
                role: role.to_owned(),
            },
            node.span,
        );
    } else if config.is_some_and(|c| !c.role_is_held(role)) {
        cx.report(
            DiagnosticKind::OwnerHeldByNobody {
                role: role.to_owned(),
            },
            node.span,
        );
    }
    Some(role.to_owned())
}

/// The validated step; `None` when a required part is missing (already reported).
fn finish(raw: RawStep) -> Option<Step> {
    let kind = raw.kind?.0;
    Some(Step {
        id: raw.id?.0,
        kind,
        connector: raw.connector,
        with: raw.with,
        after: raw.after.into_iter().map(|(s, _)| s).collect(),
        owner: raw.owner?,
        risk: raw.risk,
        at: raw.at,
        destructive: raw.destructive,
        preserves_data: raw.preserves_data || kind.preserves_data(),
        confirm: raw.confirm.unwrap_or_else(|| kind.default_confirm()),
        on_error: raw.on_error,
        approval: raw.approval,
    })
}
