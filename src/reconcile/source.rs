//! The trait every source of entitlements implements: the embedded store, an inventory export,
//! a SCIM service provider, an LDAP directory, an Entra tenant, an Okta org.

use super::entitlement::Entitlement;
use super::error::ReconcileError;
use super::tally::Tally;

/// A system that can list every entitlement it holds: the embedded store, an inventory export,
/// a SCIM service provider, an LDAP directory, an Entra tenant or an Okta org.
///
/// Rules implementors keep:
/// - listing only reads; it never changes the system;
/// - every entitlement is visited exactly once per call, whatever the number of threads;
/// - memory stays bounded whatever the system's size: stream, never collect the listing (a
///   directory may keep a compact map of its accounts to name its groups' members);
/// - errors name the source (the connector, for a remote system) and, for files, the line;
///   a system that cannot be read is an error, never an empty listing.
pub trait EntitlementSource: Send + Sync {
    /// A short description for messages, e.g. `inventory.csv` or `sqlite state/acme.db`.
    fn describe(&self) -> String;

    /// What the last listing could not read, in words, for the coverage notes (e.g. a tenant
    /// whose sign-in activity is not readable). None by default.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// Call `visit` with every entitlement, in the source's order, on the calling thread.
    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError>;

    /// Call `visit` with every entitlement using up to `threads` threads, each with a
    /// [`Tally`] of its own, and return those tallies. The default visits on the calling
    /// thread only; sources that can split their listing override it.
    fn scan(
        &self,
        threads: usize,
        visit: &(dyn Fn(&mut Tally, &Entitlement<'_>) + Sync),
    ) -> Result<Vec<Tally>, ReconcileError> {
        let _ = threads;
        let mut tally = Tally::default();
        self.for_each(&mut |entitlement| visit(&mut tally, entitlement))?;
        Ok(vec![tally])
    }
}
