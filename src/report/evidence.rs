//! Writing the auditor evidence pack: `evidence.csv` (one row per leaver and step, with the
//! system it acted on), byte-for-byte copies of the journal files the rows come from and of the
//! ledger, `manifest.json` listing every one of those files with its SHA-256 and size, and
//! `manifest.sig` (an SSHSIG signature of the manifest bytes, namespace `offboard`). Nothing
//! else goes in: the signed manifest is the whole pack, so an auditor who checks its signature
//! against the playbook repository's `allowed_signers` and then every listed hash, and finds no
//! file the manifest does not list, has checked everything ([`super::check_evidence_pack`]).
//!
//! The pack is built in memory ([`build_evidence_pack`]); [`write_evidence_pack`] writes it
//! only inside the new pack directory (owner-only: files 0600, directories 0700), and
//! [`super::write_evidence_archive`] only as an encrypted file. Never into the journal.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::ReportError;
use super::manifest::{MANIFEST_FILE, MANIFEST_FORMAT, Manifest, ManifestFile, SIGNATURE_FILE};
use super::metrics::RunInput;
use crate::fsio::{self, Limit, Links};
use crate::journal::{Event, LEDGER_FILE, NAMESPACE, Signer, run_path};

/// One row of `evidence.csv`: one step of one leaver's run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    /// Run id (the journal file is `journal/<run>.jsonl`).
    pub run: String,
    /// Employee id.
    pub employee: String,
    /// Display name from the HR record the run started with.
    pub name: String,
    /// Playbook name.
    pub playbook: String,
    /// HR termination (effective) time, RFC 3339.
    pub hr_termination_time: String,
    /// The system (connector) the step acted on; empty for steps without one (manual, HR).
    pub system: String,
    /// Step id.
    pub step: String,
    /// The step's action, e.g. `iam.deactivate`.
    pub action: String,
    /// Risk tier.
    pub risk: String,
    /// Deadline, RFC 3339.
    pub deadline: String,
    /// When the step was confirmed (or skipped), RFC 3339; empty while open.
    pub confirmation_time: String,
    /// The principal who signed the confirmation.
    pub signer: String,
    /// `yes` (done by the deadline), `no` (late, or open past it), `pending` (open, not due) or
    /// `exempt` (blocked by a legal hold: an approved exception to the deadline).
    pub slo_met: String,
}

/// The rows of `evidence.csv` for `runs`, in run and playbook step order.
pub fn evidence_rows(runs: &[RunInput]) -> Vec<EvidenceRow> {
    let mut rows = Vec::new();
    for run in runs {
        let status = &run.status;
        let name = run.display_name().unwrap_or_default();
        for step in &status.steps {
            let records = run
                .records
                .iter()
                .filter(|p| p.step.as_deref() == Some(step.step.as_str()));
            let mut system = String::new();
            let mut action = String::new();
            let mut signer = String::new();
            for record in records {
                if let Some(target) = &record.target {
                    system.clone_from(&target.connector);
                }
                if let Some(a) = &record.action {
                    action.clone_from(a);
                }
                if signer.is_empty()
                    && matches!(record.event, Event::StepConfirmed | Event::StepSkipped)
                {
                    signer.clone_from(&record.signer);
                }
            }
            let slo_met = match (step.held, step.breached, &step.confirmed_at) {
                (true, _, _) => "exempt",
                (false, true, _) => "no",
                (false, false, Some(_)) => "yes",
                (false, false, None) => "pending",
            };
            let cell = crate::human::spreadsheet_safe;
            rows.push(EvidenceRow {
                run: cell(&status.run),
                employee: cell(&status.employee),
                name: cell(&name),
                playbook: cell(&status.playbook),
                hr_termination_time: cell(status.effective_at.as_deref().unwrap_or_default()),
                system: cell(&system),
                step: cell(&step.step),
                action: cell(&action),
                risk: step.risk.as_str().to_owned(),
                deadline: cell(step.deadline.as_deref().unwrap_or_default()),
                confirmation_time: cell(step.confirmed_at.as_deref().unwrap_or_default()),
                signer: cell(&signer),
                slo_met: slo_met.to_owned(),
            });
        }
    }
    rows
}

/// What goes into an evidence pack.
#[derive(Debug)]
pub struct EvidencePack<'a> {
    /// The journal directory the runs were read from.
    pub journal_dir: &'a Path,
    /// The runs in the report window.
    pub runs: &'a [RunInput],
    /// Signs the manifest.
    pub signer: &'a Signer,
    /// When the pack was made, RFC 3339.
    pub generated_at: String,
}

/// One file of a pack, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFile {
    /// Path in the pack, `/`-separated.
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A whole evidence pack, built in memory so that it can be written as a directory or only
/// ever as an encrypted archive.
#[derive(Clone, Debug)]
pub struct PackContents {
    /// The manifest the pack carries.
    pub manifest: Manifest,
    /// Every file of the pack, the manifest and its signature last.
    pub files: Vec<PackFile>,
}

/// Build the pack in memory: the CSV, the journal copies, the manifest and its signature.
pub fn build_evidence_pack(pack: &EvidencePack<'_>) -> Result<PackContents, ReportError> {
    let mut files = vec![PackFile {
        path: "evidence.csv".to_owned(),
        bytes: evidence_csv(pack.runs)?,
    }];
    // What the pack copies, each read as its own kind of file (see `fsio`).
    let mut sources: Vec<(String, PathBuf, Limit)> = pack
        .runs
        .iter()
        .map(|r| {
            (
                format!("journal/{}.jsonl", r.status.run),
                run_path(pack.journal_dir, &r.status.run),
                fsio::RUN_FILE,
            )
        })
        .collect();
    let ledger = pack.journal_dir.join(LEDGER_FILE);
    if std::fs::symlink_metadata(&ledger).is_ok() {
        sources.push((
            format!("journal/{LEDGER_FILE}"),
            ledger,
            fsio::JOURNAL_STATE,
        ));
    }
    for (path, source, limit) in sources {
        let bytes = fsio::read(&source, limit, Links::Refuse)
            .map_err(|e| ReportError::io("cannot read", &source, e))?;
        files.push(PackFile { path, bytes });
    }
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        generated_at: pack.generated_at.clone(),
        signer: pack.signer.principal().to_owned(),
        namespace: NAMESPACE.to_owned(),
        files: files.iter().map(describe).collect(),
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ReportError::Serialize {
            what: "manifest.json",
            reason: e.to_string(),
        })?;
    manifest_bytes.push(b'\n');
    let signature = pack.signer.sign(&manifest_bytes).into_bytes();
    files.push(PackFile {
        path: MANIFEST_FILE.to_owned(),
        bytes: manifest_bytes,
    });
    files.push(PackFile {
        path: SIGNATURE_FILE.to_owned(),
        bytes: signature,
    });
    Ok(PackContents { manifest, files })
}

/// `evidence.csv` of `runs`.
fn evidence_csv(runs: &[RunInput]) -> Result<Vec<u8>, ReportError> {
    let failed = |e: &dyn std::fmt::Display| ReportError::Serialize {
        what: "evidence.csv",
        reason: e.to_string(),
    };
    let mut csv = csv::Writer::from_writer(Vec::new());
    for row in evidence_rows(runs) {
        csv.serialize(&row).map_err(|e| failed(&e))?;
    }
    csv.into_inner().map_err(|e| failed(&e))
}

/// Write `contents` as the pack directory `dir`: created, or existing and empty.
pub fn write_evidence_pack(dir: &Path, contents: &PackContents) -> Result<(), ReportError> {
    prepare_dir(dir)?;
    for file in &contents.files {
        put(dir, &file.path, &file.bytes)?;
    }
    Ok(())
}

/// Create `dir` (owner-only), or accept it when it exists and is empty.
fn prepare_dir(dir: &Path) -> Result<(), ReportError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ReportError::EvidenceDirNotEmpty(dir.to_owned()));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fsio::create_dir_all(dir, fsio::PRIVATE_DIR)
                .map_err(|e| ReportError::io("cannot create", dir, e))
        }
        Err(e) => Err(ReportError::io("cannot open", dir, e)),
    }
}

/// Write `bytes` to the new file `dir/name` (owner-only, creating parent folders). The
/// directory was empty, so nothing is overwritten, and nothing planted meanwhile is written
/// through.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
    use std::io::Write;
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fsio::create_dir_all(parent, fsio::PRIVATE_DIR)
            .map_err(|e| ReportError::io("cannot create", parent, e))?;
    }
    fsio::create_new(&path, fsio::PRIVATE_FILE)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .map_err(|e| ReportError::io("cannot write", &path, e))
}

/// How the manifest lists `file`.
fn describe(file: &PackFile) -> ManifestFile {
    ManifestFile {
        path: file.path.clone(),
        sha256: crate::hex::sha256_hex(&file.bytes),
        bytes: file.bytes.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_empty_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        prepare_dir(dir.path()).unwrap();
        std::fs::write(dir.path().join("x"), "x").unwrap();
        let err = prepare_dir(dir.path()).unwrap_err();
        assert!(matches!(err, ReportError::EvidenceDirNotEmpty(_)), "{err}");
        let fresh = dir.path().join("a/b");
        prepare_dir(&fresh).unwrap();
        assert!(fresh.is_dir());
    }

    #[test]
    fn put_writes_and_describe_hashes() {
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), "journal/x.jsonl", b"abc").unwrap();
        let file = describe(&PackFile {
            path: "journal/x.jsonl".to_owned(),
            bytes: b"abc".to_vec(),
        });
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(file.bytes, 3);
        assert_eq!(
            std::fs::read(dir.path().join("journal/x.jsonl")).unwrap(),
            b"abc"
        );
    }
}
