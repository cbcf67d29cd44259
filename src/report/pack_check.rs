//! Checking an evidence pack as an auditor would, natively (`offboard verify --evidence DIR`):
//! `manifest.sig` must be a good signature of `manifest.json` by a key that the playbook
//! repository's `allowed_signers` lists for the manifest's signer, at the manifest's
//! `generated_at`; then every file the manifest lists must be in the pack with its size and
//! SHA-256, and every file in the pack must be listed. It reads the pack only; it never trusts
//! anything the pack says about who may sign (a pack-local `allowed_signers` is just an
//! unlisted file), and it reports every problem it finds instead of stopping at the first, but
//! nothing the manifest lists is looked at once its signature fails.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ReportError;
use super::manifest::{MANIFEST_FILE, MANIFEST_FORMAT, Manifest, ManifestFile, SIGNATURE_FILE};
use crate::journal::{AllowedSigners, NAMESPACE, Reason, check_detached, signer_allowed};

/// The outcome of checking a pack: what its manifest claims and every problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackCheck {
    /// No problem was found: the pack is exactly what the signer signed.
    pub ok: bool,
    /// `manifest.sig` is a good signature of `manifest.json` by a key `allowed_signers` lists for
    /// the manifest's signer; only then are the files checked against it.
    pub manifest_verified: bool,
    /// The manifest's format, when it could be read.
    pub format: Option<String>,
    /// The manifest's signer, when it could be read.
    pub signer: Option<String>,
    /// When the pack was made, as the manifest says.
    pub generated_at: Option<String>,
    /// The files the manifest lists.
    pub files_listed: usize,
    /// Listed files found in the pack with their listed size and SHA-256.
    pub files_verified: usize,
    /// What is wrong, in the order found: the manifest and its signature first, then the listed
    /// files in manifest order, then unlisted files by name.
    pub problems: Vec<Problem>,
}

/// One problem, with its wording (for JSON readers that print it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What is wrong.
    #[serde(flatten)]
    pub kind: PackProblem,
    /// [`PackProblem`]'s wording.
    pub message: String,
}

impl From<PackProblem> for Problem {
    fn from(kind: PackProblem) -> Self {
        let message = kind.to_string();
        Problem { kind, message }
    }
}

/// Why a pack fails its check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PackProblem {
    /// `manifest.json` or `manifest.sig` is not in the pack.
    NoManifest {
        /// The missing file.
        path: String,
    },
    /// A file of the pack could not be read.
    Unreadable {
        /// The file, relative to the pack.
        path: String,
        /// The operating system's reason.
        detail: String,
    },
    /// `manifest.sig` is not a good signature of `manifest.json` by an allowed signer.
    Signature {
        /// Why.
        reason: Reason,
    },
    /// `manifest.json` is not a manifest.
    InvalidManifest {
        /// What is wrong.
        detail: String,
    },
    /// A listed path is not a plain relative path inside the pack.
    BadPath {
        /// The path as listed.
        path: String,
    },
    /// A path is listed twice.
    Duplicate {
        /// The path.
        path: String,
    },
    /// A listed file is not in the pack.
    Missing {
        /// The path.
        path: String,
    },
    /// A listed path, the manifest or its signature is in the pack but not a regular file (a
    /// directory, a symbolic link).
    NotAFile {
        /// The path.
        path: String,
    },
    /// A listed file has another size than listed.
    SizeMismatch {
        /// The path.
        path: String,
        /// The size listed.
        listed: u64,
        /// The size found.
        found: u64,
    },
    /// A listed file has another SHA-256 than listed.
    HashMismatch {
        /// The path.
        path: String,
        /// The hash listed.
        listed: String,
        /// The hash found.
        found: String,
    },
    /// A file is in the pack but not in the manifest.
    Unlisted {
        /// The path, relative to the pack.
        path: String,
    },
}

impl std::fmt::Display for PackProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackProblem::NoManifest { path } => write!(
                f,
                "{path} is missing: without the signed manifest nothing in the pack can be trusted"
            ),
            PackProblem::Unreadable { path, detail } => write!(f, "cannot read {path}: {detail}"),
            PackProblem::Signature {
                reason: Reason::BadSignature,
            } => write!(
                f,
                "{SIGNATURE_FILE} is not a signature of {MANIFEST_FILE}: the manifest was edited after it was signed"
            ),
            PackProblem::Signature { reason } => write!(f, "{SIGNATURE_FILE}: {reason}"),
            PackProblem::InvalidManifest { detail } => {
                write!(f, "{MANIFEST_FILE} is not an evidence manifest: {detail}")
            }
            PackProblem::BadPath { path } => write!(
                f,
                "{MANIFEST_FILE} lists {path:?}, which is not a plain relative path inside the pack"
            ),
            PackProblem::Duplicate { path } => write!(f, "{MANIFEST_FILE} lists {path} twice"),
            PackProblem::Missing { path } => write!(
                f,
                "{path} is listed in {MANIFEST_FILE} but missing from the pack (removed)"
            ),
            PackProblem::NotAFile { path } => write!(
                f,
                "{path} is not a regular file in the pack (a directory or a symbolic link)"
            ),
            PackProblem::SizeMismatch {
                path,
                listed,
                found,
            } => write!(
                f,
                "{path} is {found} bytes, the manifest lists {listed} (edited)"
            ),
            PackProblem::HashMismatch {
                path,
                listed,
                found,
            } => write!(
                f,
                "{path} has SHA-256 {found}, the manifest lists {listed} (edited)"
            ),
            PackProblem::Unlisted { path } => write!(
                f,
                "{path} is in the pack but not listed in {MANIFEST_FILE} (added)"
            ),
        }
    }
}

/// Check the pack in `dir` against `allowed` (the playbook repository's `allowed_signers`). A
/// directory that does not exist is an error; everything found inside it is a [`Problem`].
pub fn check_evidence_pack(dir: &Path, allowed: &AllowedSigners) -> Result<PackCheck, ReportError> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(ReportError::EvidenceNotADirectory(dir.to_owned())),
        Err(e) => return Err(ReportError::io("cannot open evidence pack", dir, e)),
    }
    let mut check = PackCheck {
        ok: false,
        manifest_verified: false,
        format: None,
        signer: None,
        generated_at: None,
        files_listed: 0,
        files_verified: 0,
        problems: Vec::new(),
    };
    match signed_manifest(dir, allowed, &mut check) {
        Ok(manifest) => {
            check.manifest_verified = true;
            check_files(dir, &manifest.files, &mut check);
        }
        Err(problem) => check.problems.push(problem.into()),
    }
    check.ok = check.problems.is_empty();
    Ok(check)
}

/// The manifest, once its signature holds for a signer `allowed` lists; what it claims is
/// recorded in `check` as soon as it is read.
fn signed_manifest(
    dir: &Path,
    allowed: &AllowedSigners,
    check: &mut PackCheck,
) -> Result<Manifest, PackProblem> {
    let bytes = read_top(dir, MANIFEST_FILE)?;
    let signature = read_top(dir, SIGNATURE_FILE)?;
    let signature = String::from_utf8(signature).map_err(|_| PackProblem::Signature {
        reason: Reason::SignatureFormat {
            detail: "not text".to_owned(),
        },
    })?;
    // Whether the manifest is intact comes first: any edit is reported as an edit, whatever
    // the edited text now says.
    let key =
        check_detached(&signature, &bytes).map_err(|reason| PackProblem::Signature { reason })?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| PackProblem::InvalidManifest {
            detail: e.to_string(),
        })?;
    check.format = Some(manifest.format.clone());
    check.signer = Some(manifest.signer.clone());
    check.generated_at = Some(manifest.generated_at.clone());
    check.files_listed = manifest.files.len();
    if manifest.format != MANIFEST_FORMAT {
        return Err(PackProblem::InvalidManifest {
            detail: format!("format {:?}, expected {MANIFEST_FORMAT:?}", manifest.format),
        });
    }
    if manifest.namespace != NAMESPACE {
        return Err(PackProblem::InvalidManifest {
            detail: format!("namespace {:?}, expected {NAMESPACE:?}", manifest.namespace),
        });
    }
    signer_allowed(allowed, &manifest.signer, &key, &manifest.generated_at)
        .map_err(|reason| PackProblem::Signature { reason })?;
    Ok(manifest)
}

/// The bytes of `name`, a regular file at the top of the pack.
fn read_top(dir: &Path, name: &str) -> Result<Vec<u8>, PackProblem> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(PackProblem::NotAFile {
                path: name.to_owned(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PackProblem::NoManifest {
                path: name.to_owned(),
            });
        }
        Err(e) => return Err(unreadable(name, &e)),
    }
    crate::fsio::read(&path, crate::fsio::TEXT, crate::fsio::Links::Refuse)
        .map_err(|e| unreadable(name, &e))
}

fn unreadable(path: &str, error: &std::io::Error) -> PackProblem {
    PackProblem::Unreadable {
        path: path.to_owned(),
        detail: error.to_string(),
    }
}

/// Every listed file against the pack, then every file of the pack against the list.
fn check_files(dir: &Path, files: &[ManifestFile], check: &mut PackCheck) {
    let mut listed = BTreeSet::new();
    for file in files {
        let path = file.path.clone();
        if !plain_relative(&path) {
            check.problems.push(PackProblem::BadPath { path }.into());
            continue;
        }
        if !listed.insert(path.clone()) {
            check.problems.push(PackProblem::Duplicate { path }.into());
            continue;
        }
        match check_file(dir, file) {
            Ok(()) => check.files_verified += 1,
            Err(problem) => check.problems.push(problem.into()),
        }
    }
    let mut present = Vec::new();
    if let Err(problem) = walk(dir, "", &mut present) {
        check.problems.push(problem.into());
    }
    present.sort();
    for (path, utf8) in present {
        let top = path == MANIFEST_FILE || path == SIGNATURE_FILE;
        if !top && (!utf8 || !listed.contains(&path)) {
            check.problems.push(PackProblem::Unlisted { path }.into());
        }
    }
}

/// `path` names a file below the pack directory: relative, `/`-separated, no empty, `.` or `..`
/// part, and neither the manifest nor its signature.
fn plain_relative(path: &str) -> bool {
    path != MANIFEST_FILE
        && path != SIGNATURE_FILE
        && !path.contains(['\0', '\\'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// One listed file: present, regular, with the listed size and SHA-256.
fn check_file(dir: &Path, file: &ManifestFile) -> Result<(), PackProblem> {
    let path = file.path.clone();
    let full = dir.join(&file.path);
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PackProblem::Missing { path });
        }
        // A listed path below something that is not a directory is missing too.
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(PackProblem::Missing { path });
        }
        Err(e) => return Err(unreadable(&path, &e)),
    };
    if !meta.is_file() {
        return Err(PackProblem::NotAFile { path });
    }
    if meta.len() != file.bytes {
        return Err(PackProblem::SizeMismatch {
            path,
            listed: file.bytes,
            found: meta.len(),
        });
    }
    let found = sha256_of(&full).map_err(|e| unreadable(&path, &e))?;
    if found != file.sha256 {
        return Err(PackProblem::HashMismatch {
            path,
            listed: file.sha256.clone(),
            found,
        });
    }
    Ok(())
}

/// Hex SHA-256 of the file at `path`, read in blocks (journals can be large).
fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(crate::hex::hex(&hasher.finalize()))
}

/// Every entry below `dir/prefix` that is not a directory (files, symbolic links, anything
/// else), as a `/`-separated path relative to the pack and whether its name is UTF-8.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, bool)>) -> Result<(), PackProblem> {
    let here = dir.join(prefix);
    let shown = if prefix.is_empty() { "." } else { prefix };
    let entries = std::fs::read_dir(&here).map_err(|e| unreadable(shown, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(shown, &e))?;
        let name = entry.file_name();
        let utf8 = name.to_str().is_some();
        let name = name.to_string_lossy();
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type().map_err(|e| unreadable(&path, &e))?;
        if kind.is_dir() && utf8 {
            walk(dir, &path, out)?;
        } else {
            out.push((path, utf8));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        for good in ["evidence.csv", "journal/r-1.jsonl", "a/b/c"] {
            assert!(plain_relative(good), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "journal/../../x",
            "./evidence.csv",
            "a//b",
            "a\\b",
            MANIFEST_FILE,
            SIGNATURE_FILE,
        ] {
            assert!(!plain_relative(bad), "{bad}");
        }
    }

    #[test]
    fn problems_carry_their_kind_and_wording_in_json() {
        let problem = Problem::from(PackProblem::Missing {
            path: "journal/r-1.jsonl".to_owned(),
        });
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["kind"], "missing");
        assert_eq!(json["path"], "journal/r-1.jsonl");
        assert_eq!(
            json["message"],
            "journal/r-1.jsonl is listed in manifest.json but missing from the pack (removed)"
        );
    }
}
