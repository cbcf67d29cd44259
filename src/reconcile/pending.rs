//! Entitlements a scanning thread has read but not judged yet. Judging a holder means a lookup
//! at a random place of a roster of tens of megabytes: one lookup at a time, each would wait for
//! memory. So the judge asks for the holder's slot to be fetched, keeps a copy of the
//! entitlement here, and judges it [`WINDOW`] entitlements later, by which time the slot has
//! arrived. It only holds copies; it never judges.

use super::entitlement::{Entitlement, EntitlementKind};

/// How many entitlements are held before the oldest is judged.
pub const WINDOW: usize = 32;

/// Copies of the last entitlements read, oldest first from `oldest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// A ring of at most [`WINDOW`] copies; their buffers are reused.
    held: Vec<Held>,
    /// Where the oldest copy is, once the ring is full.
    oldest: usize,
    /// How many copies are held.
    len: usize,
}

/// One held entitlement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Held {
    /// `system`, `account`, `employee_id` and `name`, one after the other.
    text: String,
    /// Where each of them ends in `text`.
    ends: [usize; 4],
    kind: Option<EntitlementKind>,
    monthly_cost_cents: i64,
    last_sign_in: Option<i64>,
}

impl Held {
    fn set(&mut self, e: &Entitlement<'_>) {
        self.text.clear();
        for (end, field) in self
            .ends
            .iter_mut()
            .zip([e.system, e.account, e.employee_id, e.name])
        {
            self.text.push_str(field);
            *end = self.text.len();
        }
        self.kind = Some(e.kind);
        self.monthly_cost_cents = e.monthly_cost_cents;
        self.last_sign_in = e.last_sign_in;
    }

    fn visit(&self, visit: impl FnOnce(&Entitlement<'_>)) {
        let [a, b, c, d] = self.ends;
        visit(&Entitlement {
            system: &self.text[..a],
            account: &self.text[a..b],
            employee_id: &self.text[b..c],
            kind: self.kind.unwrap_or(EntitlementKind::Account),
            name: &self.text[c..d],
            monthly_cost_cents: self.monthly_cost_cents,
            last_sign_in: self.last_sign_in,
        });
    }
}

impl Pending {
    /// Hold a copy of `e`; when [`WINDOW`] copies are held already, first call `visit` with
    /// the oldest, which `e` then replaces.
    #[inline]
    pub fn push(&mut self, e: &Entitlement<'_>, visit: impl FnOnce(&Entitlement<'_>)) {
        if self.len < WINDOW {
            if self.held.len() == self.len {
                self.held.push(Held::default());
            }
            self.held[self.len].set(e);
            self.len += 1;
            return;
        }
        let oldest = &mut self.held[self.oldest];
        oldest.visit(visit);
        oldest.set(e);
        self.oldest = (self.oldest + 1) % WINDOW;
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Call `visit` with each held entitlement, oldest first, then hold none (keeping the
    /// buffers).
    pub fn drain(&mut self, mut visit: impl FnMut(&Entitlement<'_>)) {
        for i in 0..self.len {
            self.held[(self.oldest + i) % self.len].visit(&mut visit);
        }
        self.oldest = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_each_copy_once_in_the_order_read() {
        let names: Vec<String> = (0..WINDOW * 2 + 5).map(|i| format!("g{i}")).collect();
        for count in [0, 1, WINDOW - 1, WINDOW, WINDOW + 1, names.len()] {
            let mut pending = Pending::default();
            let mut seen = Vec::new();
            let record = |seen: &mut Vec<String>, e: &Entitlement<'_>| {
                seen.push(format!(
                    "{}|{}|{}|{}|{}|{}|{:?}",
                    e.system,
                    e.account,
                    e.employee_id,
                    e.kind,
                    e.name,
                    e.monthly_cost_cents,
                    e.last_sign_in
                ));
            };
            for (i, name) in names[..count].iter().enumerate() {
                let e = Entitlement {
                    system: "dir",
                    account: if i.is_multiple_of(2) { "ann" } else { "" },
                    employee_id: if i.is_multiple_of(3) { "" } else { "E1" },
                    kind: EntitlementKind::Group,
                    name,
                    monthly_cost_cents: i as i64,
                    last_sign_in: i.is_multiple_of(5).then_some(i as i64),
                };
                pending.push(&e, |e| record(&mut seen, e));
            }
            assert_eq!(seen.len(), count.saturating_sub(WINDOW));
            pending.drain(|e| record(&mut seen, e));
            assert!(pending.is_empty());
            let expected: Vec<String> = (0..count)
                .map(|i| {
                    let account = if i.is_multiple_of(2) { "ann" } else { "" };
                    let id = if i.is_multiple_of(3) { "" } else { "E1" };
                    let seen = i.is_multiple_of(5).then_some(i as i64);
                    format!("dir|{account}|{id}|group|g{i}|{i}|{seen:?}")
                })
                .collect();
            assert_eq!(seen, expected, "{count} entitlements");
            pending.drain(|_| panic!("nothing is held"));
        }
    }
}
