//! `offboard init [DIR]`: scaffold a playbook repository that validates and runs at once:
//! `offboard.yaml`, a new Ed25519 signing key, `allowed_signers`, glossary, role matrix, holds,
//! an empty HR export and inventory seed, the involuntary-leaver playbook and the JSON Schema.
//! It never overwrites a file, and never prints the private key.

use std::path::{Path, PathBuf};

use ssh_key::{Algorithm, LineEnding, PrivateKey};

use serde::Serialize;

use super::args::{Ci, InitArgs};
use super::{Format, GlobalArgs};
use crate::connector::sqlite::SEED_FILES;
use crate::error::{Error, Result};
use crate::exit::Exit;

const HR_HEADER: &str = "employee_id,username,email,display_name,manager_id,manager_email,department,cost_centre,role,new_role,status,effective_at,employment,legal_hold\n";

/// Where `offboard init --ci github` writes the GitHub Actions workflow.
const GITHUB_WORKFLOW: &str = ".github/workflows/offboard.yml";

/// Scaffold the repository in `args.dir`.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<Exit> {
    if args.ci.is_some() && args.dir.join("offboard.yaml").exists() {
        return add_workflow(global, args);
    }
    let dir = &args.dir;
    let principal = args
        .principal
        .clone()
        .unwrap_or_else(|| "it-ops@example.com".to_owned());
    if principal.is_empty() || principal.contains(char::is_whitespace) || principal.contains('"') {
        return Err(Error::Usage(format!(
            "principal `{}` must be one word without quotes, e.g. it-ops@example.com",
            principal.escape_debug()
        )));
    }
    let key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|e| Error::Usage(format!("cannot generate a signing key: {e}")))?;
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| Error::Usage(format!("cannot encode the signing key: {e}")))?;
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|e| Error::Usage(format!("cannot encode the public key: {e}")))?;
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
    if args.ci == Some(Ci::Github) {
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
        return Err(Error::Usage(format!(
            "refusing to overwrite: {}",
            existing.join(", ")
        )));
    }
    for (path, text) in &files {
        write_new(&dir.join(path), text.as_bytes(), 0o644)?;
    }
    write_new(&dir.join("keys/offboard"), private.as_bytes(), 0o600)?;
    let mut written: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    written.push("keys/offboard".to_owned());
    let outcome = Scaffolded {
        dir: dir.display().to_string(),
        principal,
        role: "iam",
        key: "keys/offboard",
        public_key: public,
        files: written,
    };
    print(global, &outcome)?;
    Ok(Exit::Done)
}

/// The GitHub Actions workflow for a playbook repository.
const WORKFLOW: &str = include_str!("github-workflow.yml");

/// `offboard init --ci github` in an existing playbook repository: the workflow alone.
fn add_workflow(global: &GlobalArgs, args: &InitArgs) -> Result<Exit> {
    let path = args.dir.join(GITHUB_WORKFLOW);
    if path.exists() {
        return Err(Error::Usage(format!(
            "refusing to overwrite: {}",
            crate::human::path(&path)
        )));
    }
    write_new(&path, WORKFLOW.as_bytes(), 0o644)?;
    if global.format == Format::Json {
        let text = serde_json::json!({ "dir": args.dir.display().to_string(), "files": [GITHUB_WORKFLOW] });
        println!("{text:#}");
    } else if !global.quiet {
        println!(
            "wrote {}: every pull request is validated; commit it and push",
            crate::human::path(&path)
        );
    }
    Ok(Exit::Done)
}

/// What `offboard init` created: printed as one JSON object with `--format json`.
#[derive(Debug, Serialize)]
struct Scaffolded {
    /// The directory scaffolded in, as given.
    dir: String,
    /// The signer principal of the new key.
    principal: String,
    /// The role `offboard.yaml` gives that principal.
    role: &'static str,
    /// The private key's path, relative to `dir` (never its content).
    key: &'static str,
    /// The OpenSSH public key, as written to `allowed_signers` and `keys/offboard.pub`.
    public_key: String,
    /// Every file created, relative to `dir`.
    files: Vec<String>,
}

fn print(global: &GlobalArgs, outcome: &Scaffolded) -> Result<()> {
    if global.format == Format::Json {
        let text =
            serde_json::to_string_pretty(outcome).map_err(|e| Error::Usage(e.to_string()))?;
        println!("{text}");
    } else if !global.quiet {
        println!(
            "scaffolded a playbook repository in {}:\n  signing key {} (principal {}, role {})\n  \
             next: add people to hr.csv and data/*.csv, then `offboard validate` and `offboard plan EMPLOYEE`",
            outcome.dir, outcome.key, outcome.principal, outcome.role
        );
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        // A repository to share: directories 0755 whatever the umask (the key itself is 0600).
        crate::fsio::create_dir_all(parent, 0o755)
            .map_err(|e| Error::io("cannot create", parent, e))?;
    }
    let mut file =
        crate::fsio::create_new(path, mode).map_err(|e| Error::io("cannot create", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("cannot write", path, e))
}
