//! A [`Connector`] or [`Messenger`] that logs every call it passes on ([`crate::call_log`]): the one place where
//! the reads and writes of `run`, `plan`, `confirm`, `due` and `reconcile --alert` against a
//! system become `-v` lines. It changes nothing about the call: same arguments, same result, no
//! retry (the engine retries, and each attempt is logged).

use std::sync::Arc;

use crate::call_log::Call;
use crate::connector::{
    AccountState, Change, Connector, ConnectorError, Message, Messenger, Principal, Probe,
    ReadScope, Receipt,
};

/// `inner`, logging each call under its configured name and `kind` (`sqlite`, `scim`, ...).
pub fn logged(inner: Arc<dyn Connector>, kind: &'static str) -> Arc<dyn Connector> {
    let name = inner.name().to_owned();
    Arc::new(Logged { inner, name, kind })
}

/// `inner`, logging each delivery under its configured name and `kind`.
pub fn logged_messenger(inner: Arc<dyn Messenger>, kind: &'static str) -> Arc<dyn Messenger> {
    let name = inner.name().to_owned();
    Arc::new(Logged { inner, name, kind })
}

struct Logged<T: ?Sized> {
    inner: Arc<T>,
    name: String,
    kind: &'static str,
}

impl<T: ?Sized> Logged<T> {
    fn call<'a>(&'a self, op: &'a str, target: &'a str) -> Call<'a> {
        Call {
            system: &self.name,
            connector: self.kind,
            op,
            target,
        }
    }
}

/// The state read, in short: what `-vv` shows of a read.
fn state(state: &AccountState) -> String {
    let seats: Vec<&str> = state.seats.iter().map(|s| s.product.as_str()).collect();
    format!(
        "exists={} active={} groups=[{}]{} seats=[{}] sessions={} assets=[{}]",
        state.exists,
        state.active,
        state.groups.join(", "),
        if state.groups_skipped {
            " (not read)"
        } else {
            ""
        },
        seats.join(", "),
        state
            .sessions
            .map_or_else(|| "unknown".to_owned(), |n| n.to_string()),
        state.assets.join(", ")
    )
}

impl<T: Connector + ?Sized> Connector for Logged<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn find(&self, key: &str) -> Result<Option<Principal>, ConnectorError> {
        self.call("find", key).run(
            || self.inner.find(key),
            |found| {
                if found.is_some() {
                    "found"
                } else {
                    "not_found"
                }
            },
            |found| match found {
                Some(p) => format!("account {} (id {})", p.name, p.id),
                None => "no account".to_owned(),
            },
        )
    }

    fn read(&self, principal: &Principal) -> Result<AccountState, ConnectorError> {
        self.call("read", &principal.name)
            .run(|| self.inner.read(principal), |_| "ok", state)
    }

    fn read_scoped(
        &self,
        principal: &Principal,
        scope: ReadScope,
    ) -> Result<AccountState, ConnectorError> {
        self.call("read", &principal.name).run(
            || self.inner.read_scoped(principal, scope),
            |_| "ok",
            state,
        )
    }

    fn apply(&self, principal: &Principal, change: &Change) -> Result<(), ConnectorError> {
        let op = format!("apply:{}", change.kind());
        self.call(&op, &principal.name).run(
            || self.inner.apply(principal, change),
            |()| "ok",
            |()| change.to_string(),
        )
    }

    fn probe(&self, canary: Option<&str>) -> Result<Probe, ConnectorError> {
        self.inner.probe(canary)
    }

    fn plan_note(&self, change: &Change) -> Option<&'static str> {
        self.inner.plan_note(change)
    }
}

impl<T: Messenger + ?Sized> Messenger for Logged<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver(&self, message: &Message) -> Result<Receipt, ConnectorError> {
        self.call("deliver", &message.key).run(
            || self.inner.deliver(message),
            |_| "delivered",
            |r| {
                format!(
                    "{} to {} (body sha256 {})",
                    message.topic, r.delivered_to, r.body_sha256
                )
            },
        )
    }

    fn receipt(&self, key: &str) -> Result<Option<Receipt>, ConnectorError> {
        self.call("receipt", key).run(
            || self.inner.receipt(key),
            |r| if r.is_some() { "found" } else { "not_found" },
            |r| match r {
                Some(r) => format!(
                    "delivered to {} (body sha256 {})",
                    r.delivered_to, r.body_sha256
                ),
                None => "never delivered".to_owned(),
            },
        )
    }
}
