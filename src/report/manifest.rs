//! `manifest.json`, the one file of an evidence pack an auditor trusts (once its signature,
//! `manifest.sig`, checks out against the playbook repository's `allowed_signers`): it lists
//! every other file of the pack with its SHA-256 and size, so the listed hashes prove each file
//! and the list itself proves that nothing was added or removed. This module owns the format
//! (a public contract); it neither writes nor checks a pack.

use serde::{Deserialize, Serialize};

/// The format name written in `manifest.json`. Version 2: `files` lists every file of the pack
/// but the manifest and its signature (version 1 packs carried an unsigned `SHA256SUMS` and a
/// copy of `allowed_signers`, and could not prove their completeness).
pub const MANIFEST_FORMAT: &str = "offboard-evidence/2";

/// The manifest's file name, at the top of the pack.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The file holding the manifest's SSHSIG signature (namespace `offboard`), beside it.
pub const SIGNATURE_FILE: &str = "manifest.sig";

/// One file of the pack, as `manifest.json` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path relative to the pack directory, `/`-separated.
    pub path: String,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// When the pack was made, RFC 3339 UTC; the signing key must be valid then.
    pub generated_at: String,
    /// The principal whose key signs `manifest.sig`, as `allowed_signers` lists it.
    pub signer: String,
    /// The SSHSIG namespace of `manifest.sig`.
    pub namespace: String,
    /// Every file of the pack except [`MANIFEST_FILE`] and [`SIGNATURE_FILE`].
    pub files: Vec<ManifestFile>,
}
