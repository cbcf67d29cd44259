//! What a read-only check of a system found: [`Connector::probe`](super::Connector::probe), the
//! call `offboard doctor` makes to learn whether the credentials work and whether the account it
//! was told to look for (the canary) can be found and read. A probe never changes anything.

use super::{Connector, ConnectorError, Principal, ReadScope};

/// The lookup key a probe without a canary searches for: a name no real account holds, so the
/// answer is "no account", but only once the system has accepted the credentials.
pub const PROBE_KEY: &str = "offboard-doctor-probe.invalid";

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// No canary was given: the system answered an authenticated lookup.
    Answered,
    /// The canary was found and its state read.
    CanaryRead(Principal),
    /// The system answered, but holds no account under the canary's key.
    CanaryMissing,
}

/// What [`Connector::probe`] does unless a connector knows better: look up `canary` (or
/// [`PROBE_KEY`]) with [`Connector::find`], and read what it finds with everything a step reads.
pub fn probe_by_lookup<C: Connector + ?Sized>(
    connector: &C,
    canary: Option<&str>,
) -> Result<Probe, ConnectorError> {
    let Some(key) = canary else {
        connector.find(PROBE_KEY)?;
        return Ok(Probe::Answered);
    };
    match connector.find(key)? {
        Some(principal) => {
            connector.read_scoped(&principal, ReadScope::ALL)?;
            Ok(Probe::CanaryRead(principal))
        }
        None => Ok(Probe::CanaryMissing),
    }
}
