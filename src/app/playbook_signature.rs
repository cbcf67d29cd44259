//! Signed playbooks (`policy.require_signed_playbooks`): whether the commit that last changed a
//! playbook carries an SSH signature in namespace `git` by a key that the configured
//! allowed-signers file (`policy.playbook_signers`) lists at the commit's time, as
//! `git verify-commit` decides with `gpg.ssh.allowedSignersFile`. A run refuses a playbook that
//! is not signed so ([`super::Error::UnsignedPlaybook`]) and records the signer; `validate`
//! reports it. It reads the repository and never changes it.

use std::path::Path;

use crate::journal::{AllowedSigners, Lookup, PlaybookSigner, Reason, check_signature};
use crate::load::{self, Provenance};
use crate::playbook::Config;

/// The namespace git signs commits in (`ssh-keygen -Y sign -n git`).
pub const GIT_NAMESPACE: &str = "git";

/// Why a playbook is not signed as the policy requires.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsigned {
    /// The playbook is in no commit (outside git, or never committed).
    #[error("it is not committed to git, so no commit of it is signed")]
    NotCommitted,
    /// The working tree differs from the committed playbook.
    #[error("it has uncommitted changes, which nobody signed")]
    Dirty,
    /// The commit carries no signature.
    #[error("commit {commit}, which last changed it, is not signed")]
    NoSignature {
        /// The commit.
        commit: String,
    },
    /// The commit's signature is malformed, made for another namespace, or does not hold.
    #[error("the signature of commit {commit}, which last changed it, does not hold: {reason}")]
    BadSignature {
        /// The commit.
        commit: String,
        /// Why, e.g. the signature does not match the commit.
        reason: String,
    },
    /// The signature holds, but the allowed-signers file does not let its key sign commits then.
    #[error("commit {commit}, which last changed it, is signed by a key {reason}")]
    NotAllowed {
        /// The commit.
        commit: String,
        /// Why, e.g. that the file does not list.
        reason: String,
    },
}

/// The allowed-signers file the policy names, read; `None` when playbooks need no signature.
pub fn playbook_signers(config: &Config) -> crate::Result<Option<AllowedSigners>> {
    let Some(path) = &config.policy.playbook_signers else {
        return Ok(None);
    };
    AllowedSigners::from_file(path)
        .map(Some)
        .map_err(|e| crate::Error::Config {
            path: config.path.clone(),
            message: format!("policy.playbook_signers: {e}"),
        })
}

/// Who signed the playbook at `path`, whose provenance is `provenance`, or why it is not signed
/// by a key of `allowed`.
pub fn check(
    path: &Path,
    provenance: Option<&Provenance>,
    allowed: &AllowedSigners,
) -> crate::Result<Result<PlaybookSigner, Unsigned>> {
    match provenance {
        None => return Ok(Err(Unsigned::NotCommitted)),
        Some(p) if p.dirty => return Ok(Err(Unsigned::Dirty)),
        Some(_) => {}
    }
    let Some(change) = load::last_change(path)? else {
        return Ok(Err(Unsigned::NotCommitted));
    };
    let commit = change.commit;
    let Some(signature) = change.signature else {
        return Ok(Err(Unsigned::NoSignature { commit }));
    };
    let key = match check_signature(&signature.armored, &signature.signed, GIT_NAMESPACE) {
        Ok(key) => key,
        Err(reason) => {
            let reason = match reason {
                Reason::WrongNamespace { found } => {
                    format!("signature namespace is {found:?}, not \"{GIT_NAMESPACE}\"")
                }
                other => other.to_string(),
            };
            return Ok(Err(Unsigned::BadSignature { commit, reason }));
        }
    };
    Ok(
        match allowed.find_principal(&key, GIT_NAMESPACE, change.committed) {
            Ok(principal) => Ok(PlaybookSigner {
                commit,
                principal: principal.to_owned(),
            }),
            Err(lookup) => Err(Unsigned::NotAllowed {
                commit,
                reason: refusal(lookup),
            }),
        },
    )
}

/// Why the allowed-signers file refuses a key, worded after "signed by a key".
fn refusal(lookup: Lookup<'_>) -> String {
    match lookup {
        Lookup::NamespaceNotAllowed => {
            format!("whose namespaces in the allowed-signers file exclude \"{GIT_NAMESPACE}\"")
        }
        Lookup::NotYetValid(after) => {
            format!("not yet valid at the commit's time (valid-after {after})")
        }
        Lookup::Expired(before) => format!("expired at the commit's time (valid-before {before})"),
        Lookup::Allowed(_) | Lookup::UnknownPrincipal | Lookup::KeyNotForPrincipal => {
            "that the allowed-signers file does not list".to_owned()
        }
    }
}
