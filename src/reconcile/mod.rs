//! Reconciliation (`offboard reconcile`): the HR roster against every system's entitlements.
//! It loads the roster into a compact map, streams each source's entitlements once (in
//! parallel where the source can split itself), judges each against HR, the role matrix and the
//! service-account allow-list, and returns a [`Report`] of orphaned, unknown, suspend-expected
//! and excess entitlements, and of dormant paid seats. It only reads: it never changes a system, never writes the journal
//! and never prints (the CLI does).
//!
//! Sources: the embedded SQLite stores, the SCIM service providers, LDAP directories, Entra
//! tenants, Okta orgs and Google Workspace customers of the configuration, and inventory
//! exports.
//!
//! Memory is the roster (tens of bytes per person), the findings, and a fixed buffer per
//! reading thread, whatever the size of the inventories; a SCIM or LDAP source also holds
//! its directory's accounts (tens of bytes each) to name the members of its groups.

mod allow_list;
mod directory_user;
mod entitlement;
mod entra_source;
mod error;
mod finding;
mod google_source;
mod holder_index;
mod huge_pages;
mod inventory_csv;
mod judge;
mod ldap_source;
mod okta_source;
mod pending;
mod person_table;
mod role_index;
mod roster;
mod scim_source;
mod shared_keys;
mod source;
mod store_source;
mod tally;

pub use allow_list::load as load_allow_list;
pub use entitlement::{Entitlement, EntitlementKind};
pub use entra_source::EntraSource;
pub use error::ReconcileError;
pub use finding::{CSV_HEADER, Coverage, Finding, FindingKind, Report, Sum, Totals};
pub use google_source::GoogleSource;
pub use inventory_csv::{INVENTORY_COLUMNS, InventoryCsv};
pub use judge::Judge;
pub use ldap_source::LdapSource;
pub use okta_source::OktaSource;
pub use role_index::{NO_ROLE, RoleId, RoleIndex, UNKNOWN_ROLE};
pub use roster::{Person, Roster};
pub use scim_source::ScimSource;
pub use source::EntitlementSource;
pub use store_source::StoreSource;
pub use tally::Tally;

use std::collections::BTreeMap;
use std::path::PathBuf;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::connector::sqlite::SqliteStore;
pub use crate::playbook::{ALLOW_LIST_FILE, AllowList, ServiceAccount};
use crate::playbook::{Config, ConnectorSettings};

/// Open a source for every connector of `config` that holds entitlements: SQLite stores, SCIM
/// service providers, LDAP directories, Entra tenants, Okta orgs and Google Workspace customers,
/// SQLite stores first.
/// Connectors on the same SQLite file are read once, under the alphabetically first
/// connector's name. Webhooks hold no entitlements. A connector whose settings or secrets are
/// unusable is an error naming it; nothing is contacted yet (a system that cannot be reached
/// fails the scan, again naming the connector).
pub fn configured_sources(
    config: &Config,
) -> Result<Vec<Box<dyn EntitlementSource>>, ReconcileError> {
    let mut by_file: BTreeMap<PathBuf, (String, Option<PathBuf>)> = BTreeMap::new();
    let mut remote: Vec<Box<dyn EntitlementSource>> = Vec::new();
    for (name, connector) in &config.connectors {
        match &connector.settings {
            ConnectorSettings::Sqlite(settings) => {
                by_file
                    .entry(settings.path.clone())
                    .or_insert_with(|| (name.clone(), settings.seed.clone()));
            }
            ConnectorSettings::Webhook(_) => {}
            ConnectorSettings::Scim(settings) => {
                remote.push(Box::new(ScimSource::from_settings(name, settings)?));
            }
            ConnectorSettings::Ldap(settings) => {
                remote.push(Box::new(LdapSource::from_settings(name, settings)?));
            }
            ConnectorSettings::Entra(settings) => {
                remote.push(Box::new(EntraSource::from_settings(name, settings)?));
            }
            ConnectorSettings::Okta(settings) => {
                remote.push(Box::new(OktaSource::from_settings(name, settings)?));
            }
            ConnectorSettings::GoogleWorkspace(settings) => {
                remote.push(Box::new(GoogleSource::from_settings(name, settings)?));
            }
        }
    }
    let mut sources: Vec<Box<dyn EntitlementSource>> = Vec::new();
    for (path, (name, seed)) in by_file {
        let store =
            SqliteStore::open(&path, seed.as_deref()).map_err(|source| ReconcileError::Store {
                connector: name.clone(),
                source,
            })?;
        sources.push(Box::new(StoreSource::new(name, store)));
    }
    sources.extend(remote);
    Ok(sources)
}

/// Judge every entitlement of `sources` at `now`, finding seats dormant after `dormant_after`
/// seconds without a sign-in, reading each source with up to `threads` threads.
pub fn reconcile(
    roster: &Roster,
    roles: &RoleIndex,
    allow: &AllowList,
    now: OffsetDateTime,
    dormant_after: u64,
    sources: &[Box<dyn EntitlementSource>],
    threads: usize,
) -> Result<Report, ReconcileError> {
    let judge =
        Judge::new(roster, roles, allow, now.unix_timestamp()).with_dormant_after(dormant_after);
    let visit = |tally: &mut Tally, e: &Entitlement<'_>| judge.visit(tally, e);
    let mut total = Tally::default();
    for source in sources {
        let described = source.describe();
        // Each listing is a read against a system: logged like a connector call (`-v`).
        let call = crate::call_log::Call {
            system: &described,
            connector: "listing",
            op: "list",
            target: "entitlements",
        };
        let tallies = call.run(
            || source.scan(threads, &visit),
            |_| "ok",
            |tallies| {
                let n: u64 = tallies.iter().map(|t| t.entitlements).sum();
                format!("{n} entitlement(s)")
            },
        )?;
        for mut tally in tallies {
            judge.flush(&mut tally);
            total.merge(tally);
        }
    }
    let mut findings = total.findings;
    findings.sort_unstable_by(Finding::report_order);
    let totals = Totals::of(&findings);
    Ok(Report {
        now: now
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| now.unix_timestamp().to_string()),
        findings,
        totals,
        coverage: Coverage {
            sources: sources.iter().map(|s| s.describe()).collect(),
            people: roster.len() as u64,
            entitlements: total.entitlements,
            service_account_entitlements: total.service_account_entitlements,
            unjudged_entitlements: total.unjudged_entitlements,
            notes: sources.iter().flat_map(|s| s.notes()).collect(),
        },
    })
}
