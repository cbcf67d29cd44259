//! `offboard doctor`: check, before the day they are needed, that every configured system can
//! be reached and trusted, that the credentials work and can read what steps read (a canary
//! account, when configured), and that this installation can sign and keep its journal. One
//! file per family of checks: [`reach`] (connection, TLS, clock skew), [`systems`] (each
//! connector and the HR source), [`signing`] (key, allowed signers, operator role),
//! [`journal`] (the directory's permissions).
//!
//! It only reads: no connector's `apply` is ever called, no store is created or migrated, no
//! file is written. Secrets are never part of a check's text.

mod journal;
mod reach;
mod signing;
mod systems;

use serde::Serialize;

use crate::analyze::Workspace;

/// Clock skew against a server's `Date` header above which doctor warns, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 60;

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but deserves attention (a plain-text connection, a key about to expire, a skewed
    /// clock).
    Warn,
    /// Broken: a run would fail on it. Makes doctor exit 1.
    Fail,
    /// Not checked, and why (an earlier check failed, or nothing can be checked by reading).
    Skip,
}

impl Status {
    /// The word the human output prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// What a check looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The system can be reached: a TCP connection, or the file, opens.
    Connection,
    /// The TLS handshake succeeds with a certificate this machine trusts.
    Tls,
    /// This machine's clock agrees with the server's `Date` header.
    Clock,
    /// The credentials are accepted by a read-only authenticated call.
    Credentials,
    /// The canary account is found and read with everything a step reads.
    Canary,
    /// The signing key loads and the allowed-signers file vouches for it now.
    SigningKey,
    /// The allowed-signers file parses.
    AllowedSigners,
    /// The signer holds an operator role.
    Operator,
    /// The journal directory exists and only its owner can write to it.
    Permissions,
}

impl CheckKind {
    /// The name the human output and the JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Connection => "connection",
            CheckKind::Tls => "tls",
            CheckKind::Clock => "clock",
            CheckKind::Credentials => "credentials",
            CheckKind::Canary => "canary",
            CheckKind::SigningKey => "signing_key",
            CheckKind::AllowedSigners => "allowed_signers",
            CheckKind::Operator => "operator",
            CheckKind::Permissions => "permissions",
        }
    }
}

/// One check: a line of `offboard doctor`'s output, an element of its JSON `checks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: a connector's name, `hr`, `signing` or `journal`.
    pub system: String,
    /// Which check.
    pub check: CheckKind,
    /// How it ended.
    pub status: Status,
    /// What was found, in one sentence. Never a secret.
    pub detail: String,
    /// What to do about it, for a failure or a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(system: &str, check: CheckKind, status: Status, detail: impl Into<String>) -> Check {
        Check {
            system: system.to_owned(),
            check,
            status,
            detail: detail.into(),
            fix: None,
        }
    }

    fn ok(system: &str, check: CheckKind, detail: impl Into<String>) -> Check {
        Check::new(system, check, Status::Ok, detail)
    }

    fn skip(system: &str, check: CheckKind, detail: impl Into<String>) -> Check {
        Check::new(system, check, Status::Skip, detail)
    }

    fn fail(system: &str, check: CheckKind, detail: impl Into<String>, fix: String) -> Check {
        Check::new(system, check, Status::Fail, detail).with_fix(fix)
    }

    fn warn(system: &str, check: CheckKind, detail: impl Into<String>, fix: String) -> Check {
        Check::new(system, check, Status::Warn, detail).with_fix(fix)
    }

    fn with_fix(mut self, fix: String) -> Check {
        self.fix = Some(fix);
        self
    }
}

/// Everything doctor found: the `--format json` document of `offboard doctor`.
#[derive(Clone, Debug, Serialize)]
pub struct DoctorReport {
    /// True when no check failed (warnings allowed): doctor exits 0, else 1.
    pub ok: bool,
    /// Every check, in order: the HR source, each connector by name, signing, the journal.
    pub checks: Vec<Check>,
}

/// Run every check against the systems `workspace` configures, reading only.
pub fn doctor(workspace: &Workspace) -> DoctorReport {
    let config = &workspace.config;
    let mut checks = systems::hr(workspace);
    for (name, connector) in &config.connectors {
        let canary = config.doctor.canary.get(name).map(String::as_str);
        checks.extend(systems::connector(name, &connector.settings, canary));
    }
    checks.extend(signing::checks(workspace));
    checks.push(journal::check(&config.journal));
    DoctorReport {
        ok: checks.iter().all(|c| c.status != Status::Fail),
        checks,
    }
}
