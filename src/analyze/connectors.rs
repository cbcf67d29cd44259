//! The `connectors:` section of `offboard.yaml`: one settings function per connector type,
//! each checking its own keys, and the match rule shared by those that find accounts. Secret
//! values are never read here: `*_env` keys name environment variables.

use std::collections::{BTreeMap, BTreeSet};

use super::config_values::{Paths, duration, env_name, opt, url};
use super::diagnostic::DiagnosticKind;
use super::node::Node;
use super::reader::{Cx, Fields};
use super::template;
use crate::playbook::{
    ConnectorConfig, ConnectorSettings, ConnectorType, EntraCredential, EntraSettings,
    GoogleLicense, GoogleWorkspaceSettings, LdapDisable, LdapSettings, Match, OktaAuth,
    OktaSettings, ScimSettings, SqliteSettings, Template, WebhookSettings,
};

/// What `match.attribute` of an entra connector may be.
const ENTRA_ATTRIBUTES: [&str; 3] = ["userPrincipalName", "mail", "employeeId"];

/// The connectors that could be read, and the names of those that could not; `None` when
/// `connectors:` is not a mapping.
pub(super) fn connectors(
    cx: &mut Cx<'_>,
    node: &Node,
    paths: &Paths<'_>,
) -> Option<(BTreeMap<String, ConnectorConfig>, BTreeSet<String>)> {
    let entries = cx.map("connectors", node)?;
    let mut out = BTreeMap::new();
    let mut broken = BTreeSet::new();
    for e in entries {
        match connector(cx, &e.value, paths) {
            Some(settings) => {
                out.insert(
                    e.key.clone(),
                    ConnectorConfig {
                        name: e.key.clone(),
                        settings,
                    },
                );
            }
            None => {
                broken.insert(e.key.clone());
            }
        }
    }
    Some((out, broken))
}

/// `type: entra`: Microsoft Entra ID over Microsoft Graph.
fn entra(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "entra connector",
        &[
            "type",
            "tenant",
            "client_id",
            "client_secret_env",
            "certificate",
            "private_key",
            "login_url",
            "graph_url",
            "match",
            "monthly_cost_cents",
            "timeout",
        ],
    )?;
    let text = |cx: &mut Cx<'_>, key: &'static str| {
        f.required(cx, key)
            .and_then(|n| cx.string(key, n).map(str::to_owned))
    };
    let tenant = text(cx, "tenant");
    let client_id = text(cx, "client_id");
    let credential = entra_credential(cx, &f, node, paths);
    let https = ["http://", "https://"];
    let login_url = opt(cx, &f, "login_url", |cx, n| url(cx, "login_url", n, &https));
    let graph_url = opt(cx, &f, "graph_url", |cx, n| url(cx, "graph_url", n, &https));
    let match_ = matcher_or(cx, &f, "userPrincipalName", "{{ employee.email }}").and_then(|m| {
        if ENTRA_ATTRIBUTES.contains(&m.attribute.as_str()) {
            return Some(m);
        }
        let span = f.get("match").map_or(node.span, |n| n.span);
        cx.choice("attribute", &m.attribute, &ENTRA_ATTRIBUTES, span);
        None
    });
    let costs = match f.get("monthly_cost_cents") {
        Some(n) => seat_costs(cx, n),
        None => Some(BTreeMap::new()),
    };
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::Entra(EntraSettings {
        tenant: tenant?,
        client_id: client_id?,
        credential: credential?,
        login_url: login_url?,
        graph_url: graph_url?,
        match_: match_?,
        monthly_cost_cents: costs?,
        timeout: timeout?,
    }))
}

/// Exactly one credential: `client_secret_env`, or `certificate` with `private_key`.
fn entra_credential(
    cx: &mut Cx<'_>,
    f: &Fields<'_>,
    node: &Node,
    paths: &Paths<'_>,
) -> Option<EntraCredential> {
    let secret = env_name(cx, f, "client_secret_env")?;
    let certificate = opt(cx, f, "certificate", |cx, n| {
        paths.path(cx, "certificate", n, true)
    })?;
    let key = opt(cx, f, "private_key", |cx, n| {
        paths.path(cx, "private_key", n, false)
    })?;
    let problem = match (secret, certificate, key) {
        (Some(var), None, None) => return Some(EntraCredential::ClientSecretEnv(var)),
        (None, Some(certificate), Some(private_key)) => {
            return Some(EntraCredential::Certificate {
                certificate,
                private_key,
            });
        }
        (None, None, None) => {
            "an entra connector needs `client_secret_env` (naming the variable holding the client secret), or `certificate` and `private_key`"
        }
        (None, Some(_), None) => "`certificate` needs `private_key` (the file holding its key)",
        (None, None, Some(_)) => {
            "`private_key` needs `certificate` (the certificate registered with the application)"
        }
        (Some(_), _, _) => "give `client_secret_env` or `certificate` with `private_key`, not both",
    };
    cx.report(
        DiagnosticKind::InvalidConfig {
            message: problem.to_owned(),
        },
        node.span,
    );
    None
}

/// `type: google_workspace`: Google Workspace over the Admin SDK and the License Manager.
fn google_workspace(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "google_workspace connector",
        &[
            "type",
            "service_account_key",
            "admin_subject",
            "token_url",
            "admin_url",
            "licensing_url",
            "match",
            "licenses",
            "timeout",
        ],
    )?;
    let key = f
        .required(cx, "service_account_key")
        .and_then(|n| paths.path(cx, "service_account_key", n, false));
    let admin_subject = f.required(cx, "admin_subject").and_then(|n| {
        let text = cx.string("admin_subject", n)?;
        if text.contains('@') {
            return Some(text.to_owned());
        }
        cx.report(
            DiagnosticKind::InvalidConfig {
                message: format!(
                    "`admin_subject` must be the email address of an admin, not `{text}`"
                ),
            },
            n.span,
        );
        None
    });
    let https = ["http://", "https://"];
    let token_url = opt(cx, &f, "token_url", |cx, n| url(cx, "token_url", n, &https));
    let admin_url = opt(cx, &f, "admin_url", |cx, n| url(cx, "admin_url", n, &https));
    let licensing_url = opt(cx, &f, "licensing_url", |cx, n| {
        url(cx, "licensing_url", n, &https)
    });
    let match_ = matcher_or(cx, &f, "primaryEmail", "{{ employee.email }}").and_then(|m| {
        if m.attribute == "primaryEmail" {
            return Some(m);
        }
        let span = f.get("match").map_or(node.span, |n| n.span);
        cx.choice("attribute", &m.attribute, &["primaryEmail"], span);
        None
    });
    let licenses = match f.get("licenses") {
        Some(n) => google_licenses(cx, n),
        None => Some(Vec::new()),
    };
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::GoogleWorkspace(
        GoogleWorkspaceSettings {
            service_account_key: key?,
            admin_subject: admin_subject?,
            token_url: token_url?,
            admin_url: admin_url?,
            licensing_url: licensing_url?,
            match_: match_?,
            licenses: licenses?,
            timeout: timeout?,
        },
    ))
}

/// `licenses:` of a google_workspace connector: `{product, sku, monthly_cost_cents}` each.
fn google_licenses(cx: &mut Cx<'_>, node: &Node) -> Option<Vec<GoogleLicense>> {
    let items = cx.list("licenses", node)?;
    let mut licenses = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(f) = Fields::new(
            cx,
            item,
            "license",
            &["product", "sku", "monthly_cost_cents"],
        ) else {
            ok = false;
            continue;
        };
        let text = |cx: &mut Cx<'_>, key: &'static str| {
            f.required(cx, key).and_then(|n| cx.scalar_text(key, n))
        };
        let product = text(cx, "product");
        let sku = text(cx, "sku");
        let cost = match f.get("monthly_cost_cents") {
            Some(n) => cx.uint("monthly_cost_cents", n, 0),
            None => Some(0),
        };
        match (product, sku, cost) {
            (Some(product), Some(sku), Some(monthly_cost_cents)) => licenses.push(GoogleLicense {
                product,
                sku,
                monthly_cost_cents,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(licenses)
}

/// `type: okta`: Okta over its management API.
fn okta(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "okta connector",
        &[
            "type",
            "org_url",
            "api_token_env",
            "client_id",
            "private_key",
            "scopes",
            "match",
            "monthly_cost_cents",
            "timeout",
        ],
    )?;
    let https = ["http://", "https://"];
    let org_url = f
        .required(cx, "org_url")
        .and_then(|n| url(cx, "org_url", n, &https));
    let credential = okta_auth(cx, &f, node, paths);
    let match_ = matcher_or(cx, &f, "login", "{{ employee.email }}").and_then(|m| {
        if m.attribute == "login" {
            return Some(m);
        }
        let span = f.get("match").map_or(node.span, |n| n.span);
        cx.choice("attribute", &m.attribute, &["login"], span);
        None
    });
    let costs = match f.get("monthly_cost_cents") {
        Some(n) => seat_costs(cx, n),
        None => Some(BTreeMap::new()),
    };
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::Okta(OktaSettings {
        org_url: org_url?,
        credential: credential?,
        match_: match_?,
        monthly_cost_cents: costs?,
        timeout: timeout?,
    }))
}

/// Exactly one credential: `api_token_env`, or `client_id` with `private_key` (and `scopes`,
/// by default the least the connector needs).
fn okta_auth(cx: &mut Cx<'_>, f: &Fields<'_>, node: &Node, paths: &Paths<'_>) -> Option<OktaAuth> {
    let token = env_name(cx, f, "api_token_env")?;
    let client_id = opt(cx, f, "client_id", |cx, n| {
        cx.string("client_id", n).map(str::to_owned)
    })?;
    let key = opt(cx, f, "private_key", |cx, n| {
        paths.path(cx, "private_key", n, false)
    })?;
    let scopes = opt(cx, f, "scopes", |cx, n| {
        cx.strings("scopes", n)
            .map(|s| s.into_iter().map(|(s, _)| s.to_owned()).collect::<Vec<_>>())
    })?;
    let problem = match (token, client_id, key) {
        (Some(var), None, None) if scopes.is_none() => return Some(OktaAuth::ApiTokenEnv(var)),
        (None, Some(client_id), Some(private_key)) => {
            let scopes = scopes.unwrap_or_else(|| {
                crate::connector::okta::DEFAULT_SCOPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            });
            return Some(OktaAuth::ServiceApp {
                client_id,
                private_key,
                scopes,
            });
        }
        (Some(_), None, None) => "`scopes` belongs to a service app (`client_id`, `private_key`)",
        (None, None, None) => {
            "an okta connector needs `api_token_env` (naming the variable holding the API token), or `client_id` and `private_key` (a service app)"
        }
        (None, Some(_), None) => "`client_id` needs `private_key` (the file holding the app's key)",
        (None, None, Some(_)) => "`private_key` needs `client_id` (the service app's client id)",
        (Some(_), _, _) => "give `api_token_env` or `client_id` with `private_key`, not both",
    };
    cx.report(
        DiagnosticKind::InvalidConfig {
            message: problem.to_owned(),
        },
        node.span,
    );
    None
}

/// `monthly_cost_cents`: SKU part number (Entra) or app label (Okta) -> cents.
fn seat_costs(cx: &mut Cx<'_>, node: &Node) -> Option<BTreeMap<String, u32>> {
    let entries = cx.map("monthly_cost_cents", node)?;
    let mut costs = BTreeMap::new();
    let mut ok = true;
    for e in entries {
        match cx.uint(&e.key, &e.value, 0) {
            Some(cents) => {
                costs.insert(e.key.clone(), cents);
            }
            None => ok = false,
        }
    }
    ok.then_some(costs)
}

/// One connector: its `type`, then the settings of that type.
fn connector(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<ConnectorSettings> {
    let kind = match &node.value {
        super::node::Value::Map(entries) => entries.iter().find(|e| e.key == "type"),
        _ => None,
    };
    let Some(kind) = kind else {
        let _ = Fields::new(cx, node, "connector", &["type"]).map(|f| f.required(cx, "type"));
        return None;
    };
    let name = cx.string("type", &kind.value)?;
    let Some(connector_type) = ConnectorType::from_name(name) else {
        cx.choice(
            "type",
            name,
            &ConnectorType::ALL.map(ConnectorType::as_str),
            kind.value.span,
        );
        return None;
    };
    match connector_type {
        ConnectorType::Sqlite => sqlite(cx, node, paths),
        ConnectorType::Scim => scim(cx, node),
        ConnectorType::Ldap => ldap(cx, node),
        ConnectorType::Webhook => webhook(cx, node),
        ConnectorType::Entra => entra(cx, node, paths),
        ConnectorType::GoogleWorkspace => google_workspace(cx, node, paths),
        ConnectorType::Okta => okta(cx, node, paths),
    }
}

/// `type: sqlite`: the embedded store.
fn sqlite(cx: &mut Cx<'_>, node: &Node, paths: &Paths<'_>) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "sqlite connector",
        &["type", "path", "seed", "match"],
    )?;
    let path = f
        .required(cx, "path")
        .and_then(|n| paths.path(cx, "path", n, false));
    let seed = match f.get("seed") {
        Some(n) => Some(paths.path(cx, "seed", n, true)),
        None => Some(None),
    };
    let match_ = match f.get("match") {
        Some(n) => {
            let m = matcher(cx, n, None)?;
            if !["username", "email", "employee_id"].contains(&m.attribute.as_str()) {
                cx.choice(
                    "attribute",
                    &m.attribute,
                    &["username", "email", "employee_id"],
                    n.span,
                );
                return None;
            }
            Some(m)
        }
        None => None,
    };
    Some(ConnectorSettings::Sqlite(SqliteSettings {
        path: path?,
        seed: seed.flatten(),
        match_,
    }))
}

/// `type: scim`: SCIM 2.0.
fn scim(cx: &mut Cx<'_>, node: &Node) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "scim connector",
        &[
            "type",
            "base_url",
            "token_env",
            "match",
            "concurrency",
            "timeout",
        ],
    )?;
    let base_url = f
        .required(cx, "base_url")
        .and_then(|n| url(cx, "base_url", n, &["http://", "https://"]));
    let token_env = env_name(cx, &f, "token_env");
    let match_ = matcher_or(cx, &f, "userName", "{{ employee.email }}");
    let concurrency = opt(cx, &f, "concurrency", |cx, n| cx.uint("concurrency", n, 1));
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::Scim(ScimSettings {
        base_url: base_url?,
        token_env: token_env?,
        match_: match_?,
        concurrency: concurrency?,
        timeout: timeout?,
    }))
}

/// `type: ldap`.
fn ldap(cx: &mut Cx<'_>, node: &Node) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "ldap connector",
        &[
            "type",
            "url",
            "bind_dn",
            "password_env",
            "base_dn",
            "match",
            "disable",
            "group_member_attribute",
            "timeout",
        ],
    )?;
    let url = f
        .required(cx, "url")
        .and_then(|n| url(cx, "url", n, &["ldap://", "ldaps://"]));
    let bind_dn = opt(cx, &f, "bind_dn", |cx, n| {
        cx.string("bind_dn", n).map(str::to_owned)
    });
    let password_env = env_name(cx, &f, "password_env");
    let base_dn = f
        .required(cx, "base_dn")
        .and_then(|n| cx.string("base_dn", n).map(str::to_owned));
    let match_ = matcher_or(cx, &f, "uid", "{{ employee.username }}");
    let disable = match f.get("disable") {
        Some(n) => ldap_disable(cx, n),
        None => Some(LdapDisable::PpolicyLock),
    };
    let member = match f.get("group_member_attribute") {
        Some(n) => cx.string("group_member_attribute", n).and_then(|s| {
            if ["member", "uniqueMember", "memberUid"].contains(&s) {
                Some(s.to_owned())
            } else {
                cx.choice(
                    "group_member_attribute",
                    s,
                    &["member", "uniqueMember", "memberUid"],
                    n.span,
                );
                None
            }
        }),
        None => Some("member".to_owned()),
    };
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::Ldap(LdapSettings {
        url: url?,
        bind_dn: bind_dn?,
        password_env: password_env?,
        base_dn: base_dn?,
        match_: match_?,
        disable: disable?,
        group_member_attribute: member?,
        timeout: timeout?,
    }))
}

/// `type: webhook`: signed JSON messages.
fn webhook(cx: &mut Cx<'_>, node: &Node) -> Option<ConnectorSettings> {
    let f = Fields::new(
        cx,
        node,
        "webhook connector",
        &["type", "url", "secret_env", "timeout"],
    )?;
    let url = f
        .required(cx, "url")
        .and_then(|n| url(cx, "url", n, &["http://", "https://"]));
    let secret_env = env_name(cx, &f, "secret_env");
    let timeout = opt(cx, &f, "timeout", |cx, n| duration(cx, "timeout", n));
    Some(ConnectorSettings::Webhook(WebhookSettings {
        url: url?,
        secret_env: secret_env?,
        timeout: timeout?,
    }))
}

fn matcher(cx: &mut Cx<'_>, node: &Node, _default: Option<()>) -> Option<Match> {
    let f = Fields::new(cx, node, "match", &["attribute", "value"])?;
    let attribute = f
        .required(cx, "attribute")
        .and_then(|n| cx.string("attribute", n).map(str::to_owned));
    let value = f.required(cx, "value").and_then(|n| {
        let text = cx.scalar_text("value", n)?;
        template::check(cx, &text, n)
    });
    Some(Match {
        attribute: attribute?,
        value: value?,
    })
}

fn matcher_or(cx: &mut Cx<'_>, f: &Fields<'_>, attribute: &str, value: &str) -> Option<Match> {
    match f.get("match") {
        Some(n) => matcher(cx, n, None),
        None => Some(Match {
            attribute: attribute.to_owned(),
            value: Template::new(value),
        }),
    }
}

fn ldap_disable(cx: &mut Cx<'_>, node: &Node) -> Option<LdapDisable> {
    let f = Fields::new(cx, node, "disable", &["method", "ou"])?;
    let method_node = f.required(cx, "method")?;
    let method = cx.string("method", method_node)?;
    match method {
        "ppolicy_lock" => Some(LdapDisable::PpolicyLock),
        "ad_uac" => Some(LdapDisable::AdUac),
        "move_ou" => {
            let Some(ou) = f.get("ou") else {
                cx.report(
                    DiagnosticKind::InvalidConfig {
                        message: "`disable: { method: move_ou }` needs `ou`".into(),
                    },
                    method_node.span,
                );
                return None;
            };
            cx.string("ou", ou)
                .map(|s| LdapDisable::MoveOu { ou: s.to_owned() })
        }
        other => {
            cx.choice(
                "method",
                other,
                &["ppolicy_lock", "move_ou", "ad_uac"],
                method_node.span,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::analyze::analyze_config;
    use crate::playbook::{ConnectorSettings, EntraCredential, OktaAuth};

    /// The diagnostics (code, message) of a configuration whose only connector is `entra`
    /// (YAML lines indented under the connector), and its settings when clean.
    fn check(entra: &str) -> (Option<ConnectorSettings>, Vec<(String, String)>) {
        check_type("entra", entra)
    }

    /// The same for a connector of type `kind`.
    fn check_type(kind: &str, lines: &str) -> (Option<ConnectorSettings>, Vec<(String, String)>) {
        let text = format!(
            "version: 1\nhr:\n  type: csv\n  path: hr.csv\nconnectors:\n  m365:\n    type: {kind}\n{lines}"
        );
        let file: Arc<Path> = Arc::from(Path::new("/repo/offboard.yaml"));
        let (config, diagnostics) = analyze_config(file, &text, &|_| true);
        let diagnostics = diagnostics
            .iter()
            .map(|d| (d.code().to_owned(), d.message()))
            .collect();
        let settings = config.map(|c| c.connectors["m365"].settings.clone());
        (settings, diagnostics)
    }

    const IDS: &str = "    tenant: contoso.example\n    client_id: 5a0c7f0e\n";

    #[test]
    fn an_entra_connector_with_a_secret_variable() {
        let (settings, diagnostics) = check(&format!(
            "{IDS}    client_secret_env: ENTRA_SECRET\n    monthly_cost_cents: {{ SPE_E5: 5700 }}\n"
        ));
        assert_eq!(diagnostics, []);
        let Some(ConnectorSettings::Entra(entra)) = settings else {
            panic!("{settings:?}");
        };
        assert_eq!(
            entra.credential,
            EntraCredential::ClientSecretEnv("ENTRA_SECRET".into())
        );
        assert_eq!(entra.match_.attribute, "userPrincipalName");
        assert_eq!(entra.monthly_cost_cents["SPE_E5"], 5700);
        assert_eq!(entra.login_url, None);
    }

    #[test]
    fn bad_entra_settings_are_named() {
        let secret = "    client_secret_env: ENTRA_SECRET\n";
        let table = [
            (
                format!("    client_id: x\n{secret}"),
                "missing required key `tenant` in entra connector",
            ),
            (
                format!("    tenant: t\n{secret}"),
                "missing required key `client_id` in entra connector",
            ),
            (
                IDS.to_owned(),
                "invalid configuration: an entra connector needs `client_secret_env` (naming the variable holding the client secret), or `certificate` and `private_key`",
            ),
            (
                format!("{IDS}    certificate: app.pem\n"),
                "invalid configuration: `certificate` needs `private_key` (the file holding its key)",
            ),
            (
                format!("{IDS}{secret}    certificate: app.pem\n    private_key: key.pem\n"),
                "invalid configuration: give `client_secret_env` or `certificate` with `private_key`, not both",
            ),
            (
                format!("{IDS}    client_secret_env: \"s3cr3t-value!\"\n"),
                "invalid configuration: `client_secret_env` must name an environment variable (letters, digits, `_`), not hold a secret",
            ),
            (
                format!("{IDS}{secret}    match:\n      attribute: uid\n      value: x\n"),
                "invalid `attribute` value `uid`: expected userPrincipalName, mail or employeeId",
            ),
        ];
        for (entra, expected) in table {
            let (settings, diagnostics) = check(&entra);
            assert!(settings.is_none(), "{entra}");
            let messages: Vec<&str> = diagnostics.iter().map(|(_, m)| m.as_str()).collect();
            assert!(messages.contains(&expected), "{entra}: {messages:?}");
            assert!(
                !messages.iter().any(|m| m.contains("s3cr3t")),
                "{messages:?}"
            );
        }
    }

    #[test]
    fn a_google_workspace_connector_and_its_mistakes() {
        let good = "    service_account_key: /etc/offboard/sa.json\n    admin_subject: admin@acme.example\n    \
                    licenses:\n      - { product: Google-Apps, sku: \"1010020020\", monthly_cost_cents: 1400 }\n";
        let (settings, diagnostics) = check_type("google_workspace", good);
        assert_eq!(diagnostics, []);
        let Some(ConnectorSettings::GoogleWorkspace(google)) = settings else {
            panic!("{settings:?}");
        };
        assert_eq!(google.match_.attribute, "primaryEmail");
        assert_eq!(google.licenses[0].sku, "1010020020");
        assert_eq!(google.licenses[0].monthly_cost_cents, 1400);
        assert_eq!(google.token_url, None);
        let table = [
            (
                "    admin_subject: admin@acme.example\n".to_owned(),
                "missing required key `service_account_key` in google_workspace connector",
            ),
            (
                "    service_account_key: sa.json\n    admin_subject: admin\n".to_owned(),
                "invalid configuration: `admin_subject` must be the email address of an admin, not `admin`",
            ),
            (
                format!("{good}    match:\n      attribute: uid\n      value: x\n"),
                "invalid `attribute` value `uid`: expected primaryEmail",
            ),
            (
                "    service_account_key: sa.json\n    admin_subject: a@b.example\n    licenses:\n      - { sku: \"1\" }\n".to_owned(),
                "missing required key `product` in license",
            ),
        ];
        for (body, expected) in table {
            let (settings, diagnostics) = check_type("google_workspace", &body);
            assert!(settings.is_none(), "{body}");
            let messages: Vec<&str> = diagnostics.iter().map(|(_, m)| m.as_str()).collect();
            assert!(messages.contains(&expected), "{body}: {messages:?}");
        }
    }

    const ORG: &str = "    org_url: https://example.okta.com\n";

    #[test]
    fn okta_connectors_with_a_token_or_a_service_app() {
        let (settings, diagnostics) = check_type(
            "okta",
            &format!(
                "{ORG}    api_token_env: OKTA_TOKEN\n    monthly_cost_cents: {{ Slack: 875 }}\n"
            ),
        );
        assert_eq!(diagnostics, []);
        let Some(ConnectorSettings::Okta(okta)) = settings else {
            panic!("{settings:?}");
        };
        assert_eq!(okta.credential, OktaAuth::ApiTokenEnv("OKTA_TOKEN".into()));
        assert_eq!(okta.match_.attribute, "login");
        assert_eq!(okta.monthly_cost_cents["Slack"], 875);
        let (settings, diagnostics) = check_type(
            "okta",
            &format!("{ORG}    client_id: 0oa1\n    private_key: /etc/okta.pem\n"),
        );
        assert_eq!(diagnostics, []);
        let Some(ConnectorSettings::Okta(okta)) = settings else {
            panic!("{settings:?}");
        };
        let OktaAuth::ServiceApp {
            client_id, scopes, ..
        } = okta.credential
        else {
            panic!("{:?}", okta.credential);
        };
        assert_eq!(client_id, "0oa1");
        assert_eq!(scopes, crate::connector::okta::DEFAULT_SCOPES);
    }

    #[test]
    fn bad_okta_settings_are_named() {
        let token = "    api_token_env: OKTA_TOKEN\n";
        let table = [
            (
                token.to_owned(),
                "missing required key `org_url` in okta connector",
            ),
            (
                ORG.to_owned(),
                "invalid configuration: an okta connector needs `api_token_env` (naming the variable holding the API token), or `client_id` and `private_key` (a service app)",
            ),
            (
                format!("{ORG}    client_id: 0oa1\n"),
                "invalid configuration: `client_id` needs `private_key` (the file holding the app's key)",
            ),
            (
                format!("{ORG}{token}    client_id: 0oa1\n    private_key: k.pem\n"),
                "invalid configuration: give `api_token_env` or `client_id` with `private_key`, not both",
            ),
            (
                format!("{ORG}{token}    scopes: [okta.users.read]\n"),
                "invalid configuration: `scopes` belongs to a service app (`client_id`, `private_key`)",
            ),
            (
                format!("{ORG}    api_token_env: \"00s3cr3t-token!\"\n"),
                "invalid configuration: `api_token_env` must name an environment variable (letters, digits, `_`), not hold a secret",
            ),
            (
                format!("{ORG}{token}    match:\n      attribute: email\n      value: x\n"),
                "invalid `attribute` value `email`: expected login",
            ),
        ];
        for (okta, expected) in table {
            let (settings, diagnostics) = check_type("okta", &okta);
            assert!(settings.is_none(), "{okta}");
            let messages: Vec<&str> = diagnostics.iter().map(|(_, m)| m.as_str()).collect();
            assert!(messages.contains(&expected), "{okta}: {messages:?}");
            assert!(
                !messages.iter().any(|m| m.contains("s3cr3t")),
                "{messages:?}"
            );
        }
    }
}
