//! Scaffold a playbook repository (`offboard init [DIR]`) that validates and runs at once:
//! `offboard.yaml`, a new Ed25519 signing key, `allowed_signers`, glossary, role matrix, holds,
//! an empty HR export and inventory seed, the involuntary-leaver playbook and the JSON Schema.
//! It never overwrites a file, and never prints the private key.

use std::path::{Path, PathBuf};

use ssh_key::{Algorithm, LineEnding, PrivateKey};

use serde::Serialize;

use super::{Error, Result};
use crate::connector::sqlite::SEED_FILES;

const HR_HEADER: &str = "employee_id,username,email,display_name,manager_id,manager_email,department,cost_centre,role,new_role,status,effective_at,employment,legal_hold\n";

/// Where `offboard init --ci github` writes the GitHub Actions workflow.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/offboard.yml";

/// Where to scaffold, and for whom.
#[derive(Clone, Debug)]
pub struct InitRequest {
    /// The directory (created when missing).
    pub dir: PathBuf,
    /// The signer principal of the new key; `None`: `it-ops@example.com`.
    pub principal: Option<String>,
    /// Add the GitHub Actions workflow that validates every pull request.
    pub github_workflow: bool,
}

/// What `offboard init` did.
#[derive(Debug)]
pub enum Initialised {
    /// A new repository was scaffolded.
    Scaffolded(Scaffolded),
    /// The directory already held an `offboard.yaml` and a CI workflow was asked for: only the
    /// workflow was written, at this path.
    WorkflowAdded(PathBuf),
}

/// Scaffold the repository in `request.dir`, refusing to overwrite any file; in a directory
/// that already holds one, only the CI workflow asked for.
pub fn init(request: &InitRequest) -> Result<Initialised> {
    if request.github_workflow && request.dir.join("offboard.yaml").exists() {
        return add_workflow(&request.dir).map(Initialised::WorkflowAdded);
    }
    scaffold(request).map(Initialised::Scaffolded)
}

/// A new repository in `request.dir`, refusing to overwrite any file.
fn scaffold(request: &InitRequest) -> Result<Scaffolded> {
    let dir = &request.dir;
    let principal = request
        .principal
        .clone()
        .unwrap_or_else(|| "it-ops@example.com".to_owned());
    if principal.is_empty() || principal.contains(char::is_whitespace) || principal.contains('"') {
        return Err(Error::BadPrincipal { principal });
    }
    let key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|e| cannot("generate a signing key", e))?;
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| cannot("encode the signing key", e))?;
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|e| cannot("encode the public key", e))?;
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            "offboard.yaml".into(),
            include_str!("offboard.yaml").replace("{principal}", &principal),
        ),
        (
            "glossary.yaml".into(),
            include_str!("glossary.yaml").to_owned(),
        ),
        ("roles.yaml".into(), include_str!("roles.yaml").to_owned()),
        ("holds.yaml".into(), include_str!("holds.yaml").to_owned()),
        ("hr.csv".into(), HR_HEADER.to_owned()),
        (
            "allowed_signers".into(),
            format!("{principal} namespaces=\"offboard\" {public}\n"),
        ),
        (
            "playbooks/involuntary-leaver.yaml".into(),
            include_str!("../../../playbooks/involuntary-leaver.yaml").to_owned(),
        ),
        (".gitignore".into(), "/state/\n/keys/\n".to_owned()),
        ("keys/offboard.pub".into(), format!("{public}\n")),
    ];
    // Every schema, for the modelines of the files above.
    files.extend(crate::schema::SchemaKind::ALL.iter().map(|kind| {
        (
            Path::new("schema").join(kind.file_name()),
            format!("{}\n", kind.json()),
        )
    }));
    if request.github_workflow {
        files.push((GITHUB_WORKFLOW.into(), WORKFLOW.to_owned()));
    }
    // The embedded store's seed files, header rows only.
    files.extend(SEED_FILES.iter().map(|(name, columns)| {
        (
            Path::new("data").join(name),
            format!("{}\n", columns.join(",")),
        )
    }));
    let existing: Vec<String> = files
        .iter()
        .map(|(p, _)| dir.join(p))
        .chain([dir.join("keys/offboard")])
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Error::WouldOverwrite {
            files: existing.join(", "),
        });
    }
    for (path, text) in &files {
        write_new(&dir.join(path), text.as_bytes(), 0o644)?;
    }
    write_new(&dir.join("keys/offboard"), private.as_bytes(), 0o600)?;
    let mut written: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    written.push("keys/offboard".to_owned());
    Ok(Scaffolded {
        dir: dir.display().to_string(),
        principal,
        role: "iam",
        key: "keys/offboard",
        public_key: public,
        files: written,
    })
}

/// The GitHub Actions workflow for a playbook repository.
const WORKFLOW: &str = include_str!("github-workflow.yml");

/// `offboard init --ci github` in an existing playbook repository: the workflow alone, never
/// over an existing file; returns the file written.
fn add_workflow(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(GITHUB_WORKFLOW);
    if path.exists() {
        return Err(Error::WouldOverwrite {
            files: crate::human::path(&path),
        });
    }
    write_new(&path, WORKFLOW.as_bytes(), 0o644)?;
    Ok(path)
}

/// What `offboard init` created: printed as one JSON object with `--format json`.
#[derive(Debug, Serialize)]
pub struct Scaffolded {
    /// The directory scaffolded in, as given.
    pub dir: String,
    /// The signer principal of the new key.
    pub principal: String,
    /// The role `offboard.yaml` gives that principal.
    pub role: &'static str,
    /// The private key's path, relative to `dir` (never its content).
    pub key: &'static str,
    /// The OpenSSH public key, as written to `allowed_signers` and `keys/offboard.pub`.
    pub public_key: String,
    /// Every file created, relative to `dir`.
    pub files: Vec<String>,
}

/// What `action` failed with, as the command's error.
fn cannot(action: &'static str, reason: ssh_key::Error) -> Error {
    Error::Cannot {
        action,
        reason: reason.to_string(),
    }
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        // A repository to share: directories 0755 whatever the umask (the key itself is 0600).
        crate::fsio::create_dir_all(parent, 0o755)
            .map_err(|e| crate::Error::io("cannot create", parent, e))?;
    }
    let mut file = crate::fsio::create_new(path, mode)
        .map_err(|e| crate::Error::io("cannot create", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| crate::Error::io("cannot write", path, e).into())
}
