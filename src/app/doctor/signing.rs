//! The checks of this installation's signing: the key loads, the allowed-signers file parses
//! and vouches for the key now (and still in [`EXPIRY_NOTICE_DAYS`] days), and the signer holds
//! an operator role. The key's private half is never printed.

use super::{Check, CheckKind};
use crate::analyze::Workspace;
use crate::app::trust::{load_signer, refusal, trust};

/// Warn when the allowed-signers file stops vouching for the key within this many days.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

const SYSTEM: &str = "signing";

/// The signing checks, in order: key, allowed signers, operator role.
pub(super) fn checks(workspace: &Workspace) -> Vec<Check> {
    let config = &workspace.config;
    let Some(signing) = &config.signing else {
        let fix = "add `signing:` (key, principal, allowed_signers); `offboard init` creates them"
            .to_owned();
        return vec![
            Check::fail(
                SYSTEM,
                CheckKind::SigningKey,
                "no `signing` configured",
                fix,
            ),
            Check::skip(SYSTEM, CheckKind::AllowedSigners, "no `signing` configured"),
            Check::skip(SYSTEM, CheckKind::Operator, "no `signing` configured"),
        ];
    };
    let listed = crate::human::path(&signing.allowed_signers);
    let allowed = match trust(workspace) {
        Ok((allowed, _)) => Ok(allowed),
        Err(e) => Err(Check::fail(
            SYSTEM,
            CheckKind::AllowedSigners,
            e.to_string(),
            format!(
                "correct {listed} (OpenSSH allowed_signers format), or `signing.allowed_signers`"
            ),
        )),
    };
    let signer = match load_signer(workspace, None, None) {
        Ok((signer, key)) => Ok((signer, key)),
        Err(e) => Err(Check::fail(
            SYSTEM,
            CheckKind::SigningKey,
            e.to_string(),
            "set `signing.key` (or OFFBOARD_SIGNING_KEY) to an OpenSSH Ed25519 private key"
                .to_owned(),
        )),
    };
    let (allowed, (signer, key)) = match (allowed, signer) {
        (Ok(allowed), Ok(signer)) => (allowed, signer),
        (allowed, signer) => {
            let key = signer.err().unwrap_or_else(|| {
                Check::skip(
                    SYSTEM,
                    CheckKind::SigningKey,
                    "the allowed signers are unreadable",
                )
            });
            let allowed = allowed.err().unwrap_or_else(|| {
                Check::ok(
                    SYSTEM,
                    CheckKind::AllowedSigners,
                    format!("{listed} parses"),
                )
            });
            return vec![key, allowed, operator(workspace, &signing.principal)];
        }
    };
    let key_check = match crate::clock::now() {
        Err(why) => Check::skip(SYSTEM, CheckKind::SigningKey, why),
        Ok(now) => {
            let principal = signer.principal();
            let vouched = |at| refusal(allowed.lookup(principal, &signer.public_key(), at), at);
            let later = now + time::Duration::days(EXPIRY_NOTICE_DAYS);
            let key = crate::human::path(&key);
            let fix = format!(
                "add a line for `{principal}` with this key's public half (`ssh-keygen -y -f \
                 {key}`) and a `valid-before` far enough ahead to {listed}"
            );
            match (vouched(now), vouched(later)) {
                (Some(why), _) => Check::fail(
                    SYSTEM,
                    CheckKind::SigningKey,
                    format!("the key {key} cannot sign as `{principal}`: {listed} {why}"),
                    fix,
                ),
                (None, Some(why)) => Check::warn(
                    SYSTEM,
                    CheckKind::SigningKey,
                    format!(
                        "the key {key} signs as `{principal}` now, but not in \
                         {EXPIRY_NOTICE_DAYS} days: {listed} {why}"
                    ),
                    fix,
                ),
                (None, None) => Check::ok(
                    SYSTEM,
                    CheckKind::SigningKey,
                    format!(
                        "the key {key} signs as `{principal}`, vouched for by {listed} now and \
                         in {EXPIRY_NOTICE_DAYS} days"
                    ),
                ),
            }
        }
    };
    vec![
        key_check,
        Check::ok(
            SYSTEM,
            CheckKind::AllowedSigners,
            format!("{listed} parses ({} line(s))", allowed.len()),
        ),
        operator(workspace, signer.principal()),
    ]
}

/// Whether `principal` holds one of `policy.operator_roles`.
fn operator(workspace: &Workspace, principal: &str) -> Check {
    let config = &workspace.config;
    let roles = config.roles_of(principal);
    if config.is_operator(principal) {
        return Check::ok(
            SYSTEM,
            CheckKind::Operator,
            format!(
                "`{principal}` holds an operator role ({})",
                roles.join(", ")
            ),
        );
    }
    Check::fail(
        SYSTEM,
        CheckKind::Operator,
        format!(
            "`{principal}` holds no operator role (holds: {}; operator roles: {})",
            if roles.is_empty() {
                "none".to_owned()
            } else {
                roles.join(", ")
            },
            config.policy.operator_roles.join(", ")
        ),
        format!("under `signers:`, give `{principal}` one of the roles in `policy.operator_roles`"),
    )
}
