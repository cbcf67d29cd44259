//! A generated playbook repository for `offboard reconcile` with planted answers: an HR roster
//! of N people, one inventory export of exactly M entitlements, and `expected.csv`, the exact
//! `offboard reconcile --format csv` output when judged at [`NOW`].
//!
//! Planted, per person (deterministic from the seed): leavers whose status is in force (every
//! entitlement orphaned), leavers and movers whose date is still ahead (nothing), people on
//! leave with an enabled account (suspend expected) or a suspended one (nothing), movers in
//! force (what the new role lacks is excess), active people with an extra license or group
//! (excess), people whose role is not in the matrix (not judged); between them, accounts of
//! people HR never heard of, allow-listed service accounts (skipped) and unlisted ones (unknown).
//!
//! The inventory rows come grouped by person in HR order, or (as real exports do) in a random
//! order: the same rows, permuted from the seed, so both orders have the same expected findings.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The time the expected findings are judged at (`OFFBOARD_NOW`).
pub const NOW: &str = "2026-11-30T12:00:00Z";

const ROLES: usize = 12;
const GROUPS: usize = 40;
const PRODUCTS: usize = 20;

/// The order of the inventory rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Grouped by person, in HR order (as a system listing its accounts one by one writes them).
    Sorted,
    /// A random permutation of the same rows, from the seed (as real exports come: in any order).
    Shuffled,
}

impl Order {
    /// `sorted` or `random`.
    pub fn from_name(name: &str) -> Option<Order> {
        match name {
            "sorted" => Some(Order::Sorted),
            "random" => Some(Order::Shuffled),
            _ => None,
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// People in the HR roster.
    pub people: usize,
    /// Rows of the inventory export.
    pub entitlements: usize,
    /// Random seed.
    pub seed: u64,
    /// The order of the inventory rows; the rows themselves and the findings do not depend on it.
    pub order: Order,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// HR rows.
    pub people: usize,
    /// Inventory rows.
    pub entitlements: usize,
    /// Expected findings.
    pub findings: usize,
    /// Their monthly cost.
    pub monthly_cost_cents: i64,
}

fn group(i: usize) -> String {
    format!("grp-{:02}", i % GROUPS)
}

fn product(i: usize) -> String {
    format!("product-{:02}", i % PRODUCTS)
}

fn cost(product: &str) -> i64 {
    let n: i64 = product[8..].parse().unwrap_or(0);
    499 + n * 750
}

fn role_name(r: usize) -> String {
    format!("role-{:02}", r)
}

fn role_groups(r: usize) -> [String; 2] {
    [group(r * 3), group(r * 3 + 1)]
}

fn role_licenses(r: usize) -> [String; 2] {
    [product(r * 2), product(r * 2 + 1)]
}

/// One expected finding, as its CSV row plus the report sort key.
struct Expected {
    key: (u8, String, String, u8, String),
    row: String,
    cost: i64,
}

struct Writer {
    inventory: BufWriter<File>,
    /// Rows held back to be written in a random order: their text, and where each ends.
    held: Option<(Vec<u8>, Vec<usize>)>,
    budget: usize,
    written: usize,
    expected: Vec<Expected>,
}

/// The judgement a row must get.
enum Verdict<'a> {
    None,
    Orphan(&'a str, i64),
    Unknown,
    Suspend(i64),
    Excess(&'a str, &'a str),
}

impl Writer {
    /// Write one inventory row (unless the budget is spent) and what reconcile must say of it.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        system: &str,
        account: &str,
        employee_id: &str,
        kind: &str,
        name: &str,
        cents: i64,
        verdict: Verdict<'_>,
    ) -> std::io::Result<()> {
        if self.written == self.budget {
            return Ok(());
        }
        self.written += 1;
        match &mut self.held {
            Some((text, ends)) => {
                writeln!(
                    text,
                    "{system},{account},{employee_id},{kind},{name},{cents}"
                )?;
                ends.push(text.len());
            }
            None => writeln!(
                self.inventory,
                "{system},{account},{employee_id},{kind},{name},{cents}"
            )?,
        }
        let (rank, status, role, days) = match verdict {
            Verdict::None => return Ok(()),
            Verdict::Orphan(status, days) => (0, status, "", days.to_string()),
            Verdict::Unknown => (1, "", "", String::new()),
            Verdict::Suspend(days) => (2, "on_leave", "", days.to_string()),
            Verdict::Excess(status, role) => (3, status, role, String::new()),
        };
        let kind_name = ["orphan", "unknown_holder", "suspend_expected", "excess"][rank as usize];
        let type_rank = match kind {
            "account" => 0,
            "group" => 1,
            _ => 2,
        };
        self.expected.push(Expected {
            key: (
                rank,
                system.to_owned(),
                account.to_owned(),
                type_rank,
                name.to_owned(),
            ),
            row: format!(
                "{kind_name},{system},{account},{employee_id},{status},{role},{kind},{name},{cents},{days},,"
            ),
            cost: cents,
        });
        Ok(())
    }

    /// Write the held rows, if any, in a random order drawn from `seed`.
    fn write_held(&mut self, seed: u64) -> std::io::Result<()> {
        let Some((text, ends)) = self.held.take() else {
            return Ok(());
        };
        let mut order: Vec<usize> = (0..ends.len()).collect();
        fastrand::Rng::with_seed(seed ^ 0x5eed_0f0d_3e00).shuffle(&mut order);
        for i in order {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            self.inventory.write_all(&text[start..ends[i]])?;
        }
        Ok(())
    }
}

fn date_before(now: time::Date, days: i64) -> String {
    let d = now - time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Write the repository into `dir` (which must exist).
pub fn generate(dir: &Path, spec: Spec) -> std::io::Result<Summary> {
    let now = time::Date::from_calendar_date(2026, time::Month::November, 30)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::create_dir_all(dir.join("playbooks"))?;
    std::fs::write(
        dir.join("offboard.yaml"),
        "version: 1\nhr:\n  type: csv\n  path: hr.csv\nglossary: glossary.yaml\nroles: roles.yaml\nplaybooks: playbooks\njournal: journal\n",
    )?;
    std::fs::write(
        dir.join("glossary.yaml"),
        "version: 1\nstatuses:\n  terminated: { codes: [TERM] }\n  resigned: { codes: [RESIGN] }\n  transferred: { codes: [XFER] }\n  on_leave: { codes: [LOA] }\n  contractor_ended: { codes: [CEND] }\n  active: { codes: [ACT] }\n",
    )?;
    let mut roles = String::from("version: 1\nroles:\n");
    for r in 0..ROLES {
        let [g1, g2] = role_groups(r);
        let [l1, l2] = role_licenses(r);
        roles.push_str(&format!(
            "  {}:\n    groups: [{g1}, {g2}]\n    licenses: [{l1}, {l2}]\n",
            role_name(r)
        ));
    }
    std::fs::write(dir.join("roles.yaml"), roles)?;
    // The same matrix and glossary as tables, for the SQL equivalent of reconcile.
    let mut matrix = String::from("role,entitlement_type,entitlement\n");
    for r in 0..ROLES {
        for g in role_groups(r) {
            matrix.push_str(&format!("{},group,{g}\n", role_name(r)));
        }
        for l in role_licenses(r) {
            matrix.push_str(&format!("{},license,{l}\n", role_name(r)));
        }
    }
    std::fs::write(dir.join("role_matrix.csv"), matrix)?;
    std::fs::write(
        dir.join("glossary.csv"),
        "code,status\nTERM,terminated\nRESIGN,resigned\nXFER,transferred\nLOA,on_leave\nCEND,contractor_ended\nACT,active\n",
    )?;
    std::fs::write(
        dir.join("service-accounts.yaml"),
        "version: 1\nservice_accounts:\n  - account: svc-*\n    system: sso\n    owner: it-ops@corp.example\n    reason: Automation accounts.\n",
    )?;

    let mut hr = BufWriter::with_capacity(1 << 20, File::create(dir.join("hr.csv"))?);
    writeln!(
        hr,
        "employee_id,username,email,status,role,new_role,effective_at"
    )?;
    let mut w = Writer {
        inventory: BufWriter::with_capacity(1 << 20, File::create(dir.join("inventory.csv"))?),
        held: (spec.order == Order::Shuffled).then(|| {
            (
                Vec::with_capacity(spec.entitlements * 64),
                Vec::with_capacity(spec.entitlements),
            )
        }),
        budget: spec.entitlements,
        written: 0,
        expected: Vec::new(),
    };
    writeln!(
        w.inventory,
        "system,account,employee_id,entitlement_type,entitlement,monthly_cost_cents"
    )?;
    let names: Vec<String> = (0..ROLES).map(role_name).collect();
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    for i in 0..spec.people {
        let id = format!("E{i:07}");
        let user = format!("u{i:07}");
        let email = format!("{user}@corp.example");
        let role = rng.usize(0..ROLES);
        let roll = rng.u32(0..1000);
        let ago = rng.i64(1..400);
        let ahead = rng.i64(1..60);
        // Per mille: leavers in force, leavers ahead, on leave, movers in force, movers
        // ahead, roles outside the matrix, and the active rest.
        let (raw, role_col, new_role, date) = match roll {
            0..=19 => {
                let raw = ["TERM", "RESIGN", "CEND"][rng.usize(0..3)];
                (raw, role_name(role), String::new(), date_before(now, ago))
            }
            20..=29 => {
                let raw = ["TERM", "RESIGN", "CEND"][rng.usize(0..3)];
                (
                    raw,
                    role_name(role),
                    String::new(),
                    date_before(now, -ahead),
                )
            }
            30..=42 => ("LOA", role_name(role), String::new(), date_before(now, ago)),
            43..=54 => {
                let to = (role + 1 + rng.usize(0..ROLES - 1)) % ROLES;
                (
                    "XFER",
                    role_name(role),
                    role_name(to),
                    date_before(now, ago),
                )
            }
            55..=59 => {
                let to = (role + 1 + rng.usize(0..ROLES - 1)) % ROLES;
                (
                    "XFER",
                    role_name(role),
                    role_name(to),
                    date_before(now, -ahead),
                )
            }
            60..=64 => (
                "ACT",
                "pilot".to_owned(),
                String::new(),
                date_before(now, ago + 400),
            ),
            _ => (
                "ACT",
                role_name(role),
                String::new(),
                date_before(now, ago + 400),
            ),
        };
        writeln!(hr, "{id},{user},{email},{raw},{role_col},{new_role},{date}")?;

        let status = match raw {
            "TERM" => "terminated",
            "RESIGN" => "resigned",
            "CEND" => "contractor_ended",
            "LOA" => "on_leave",
            "XFER" => "transferred",
            _ => "active",
        };
        let leaver_in_force = roll <= 19;
        let suspended = (30..=42).contains(&roll) && rng.u32(0..4) == 0;
        let mover_in_force = (43..=54).contains(&roll);
        let unjudged = (60..=64).contains(&roll);
        let new_role_index = mover_in_force.then(|| new_role[5..].parse::<usize>().unwrap_or(0));
        // The account row.
        let account_verdict = if leaver_in_force {
            Verdict::Orphan(status, ago)
        } else if (30..=42).contains(&roll) {
            Verdict::Suspend(ago)
        } else {
            Verdict::None
        };
        if !suspended {
            w.row("sso", &email, &id, "account", &email, 0, account_verdict)?;
        }
        let mut held: Vec<(&str, String)> = Vec::new();
        for g in role_groups(role) {
            held.push(("group", g));
        }
        for l in role_licenses(role) {
            held.push(("license", l));
        }
        let extra = rng.u32(0..100);
        if !leaver_in_force && !mover_in_force && status == "active" && !unjudged {
            if extra < 3 {
                held.push(("license", product(role * 2 + 5)));
            } else if extra < 4 {
                held.push(("group", group(role * 3 + 7)));
            }
        }
        for (kind, name) in &held {
            let system = if *kind == "group" {
                "directory"
            } else {
                "saas"
            };
            let cents = if *kind == "license" { cost(name) } else { 0 };
            let verdict = if leaver_in_force {
                Verdict::Orphan(status, ago)
            } else if unjudged {
                Verdict::None
            } else if let Some(to) = new_role_index {
                let carried = match *kind {
                    "group" => role_groups(to).contains(name),
                    _ => role_licenses(to).contains(name),
                };
                if carried {
                    Verdict::None
                } else {
                    Verdict::Excess("transferred", &names[to])
                }
            } else {
                let carried = match *kind {
                    "group" => role_groups(role).contains(name),
                    _ => role_licenses(role).contains(name),
                };
                if carried || status != "active" {
                    Verdict::None
                } else {
                    Verdict::Excess("active", &names[role])
                }
            };
            w.row(system, &email, &id, kind, name, cents, verdict)?;
        }
        // Holders HR does not know, and service accounts, now and then.
        if i % 250 == 7 {
            let ghost = format!("X{i:07}");
            let account = format!("x{i:07}@corp.example");
            w.row(
                "sso",
                &account,
                &ghost,
                "account",
                &account,
                0,
                Verdict::Unknown,
            )?;
            let p = product(i);
            w.row(
                "saas",
                &account,
                &ghost,
                "license",
                &p,
                cost(&p),
                Verdict::Unknown,
            )?;
        }
        if i % 500 == 11 {
            let svc = format!("svc-{i:07}");
            w.row("sso", &svc, "", "account", &svc, 0, Verdict::None)?;
            w.row("sso", &svc, "", "group", &group(i), 0, Verdict::None)?;
            let bot = format!("bot-{i:07}");
            w.row(
                "directory",
                &bot,
                "",
                "group",
                &group(i),
                0,
                Verdict::Unknown,
            )?;
        }
    }
    hr.flush()?;
    w.write_held(spec.seed)?;
    w.inventory.flush()?;
    w.expected.sort_by(|a, b| a.key.cmp(&b.key));
    let mut expected = BufWriter::new(File::create(dir.join("expected.csv"))?);
    writeln!(
        expected,
        "kind,system,account,employee_id,hr_status,role,entitlement_type,entitlement,monthly_cost_cents,days_orphaned,last_sign_in,days_dormant"
    )?;
    let mut summary = Summary {
        people: spec.people,
        entitlements: w.written,
        ..Summary::default()
    };
    for e in &w.expected {
        writeln!(expected, "{}", e.row)?;
        summary.findings += 1;
        summary.monthly_cost_cents += e.cost;
    }
    expected.flush()?;
    Ok(summary)
}
