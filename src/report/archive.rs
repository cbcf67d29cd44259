//! The encrypted evidence pack (`report --evidence FILE --encrypt-to RECIPIENT`): one age file
//! whose plaintext is a POSIX tar of the pack's files, at the paths they have in a pack
//! directory (`evidence.csv`, `journal/...`, `manifest.json`, `manifest.sig`), owner-only
//! modes, the pack's time as their time. `age -d -i KEY FILE | tar -x -C DIR` gives the pack
//! directory that `offboard verify --evidence DIR` and the README's shell check read.
//!
//! The tar is built in memory and only its ciphertext reaches the disk: nothing unencrypted
//! is ever written. It never overwrites a file.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::error::ReportError;
use super::evidence::PackContents;
use super::recipient::Recipient;
use crate::fsio;

/// Write `contents` encrypted to every one of `recipients` as the new file `path`.
pub fn write_evidence_archive(
    path: &Path,
    recipients: &[Recipient],
    contents: &PackContents,
) -> Result<(), ReportError> {
    let tar = tar_of(contents)?;
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(Recipient::key))
        .map_err(|e| ReportError::Encrypt(e.to_string()))?;
    let file = match fsio::create_new(path, fsio::PRIVATE_FILE) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ReportError::EvidenceArchiveExists(path.to_owned()));
        }
        Err(e) => return Err(ReportError::io("cannot create", path, e)),
    };
    let written = encryptor
        .wrap_output(std::io::BufWriter::new(file))
        .and_then(|mut out| {
            out.write_all(&tar)?;
            out.finish()
        })
        .and_then(|out| out.into_inner().map_err(|e| e.into_error()))
        .and_then(|file| file.sync_all());
    if let Err(e) = written {
        // Only ciphertext was written; a cut-off archive is no use to anyone.
        let _ = std::fs::remove_file(path);
        return Err(ReportError::io("cannot write", path, e));
    }
    Ok(())
}

/// The pack as a tar, in memory: a directory entry (0700) for each folder, then each file
/// (0600), all with the pack's time.
fn tar_of(contents: &PackContents) -> Result<Vec<u8>, ReportError> {
    let failed = |e: std::io::Error| ReportError::Serialize {
        what: "the evidence archive",
        reason: e.to_string(),
    };
    let mtime = time::OffsetDateTime::parse(
        &contents.manifest.generated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| u64::try_from(t.unix_timestamp()).unwrap_or(0))
    .unwrap_or(0);
    let folders: BTreeSet<&str> = contents
        .files
        .iter()
        .filter_map(|f| f.path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    let mut tar = tar::Builder::new(Vec::new());
    let mut entry = |path: &str, kind: tar::EntryType, mode: u32, bytes: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_mtime(mtime);
        header.set_size(bytes.len() as u64);
        header.set_cksum();
        tar.append_data(&mut header, path, bytes)
    };
    for folder in folders {
        entry(&format!("{folder}/"), tar::EntryType::Directory, 0o700, &[]).map_err(failed)?;
    }
    for file in &contents.files {
        entry(&file.path, tar::EntryType::Regular, 0o600, &file.bytes).map_err(failed)?;
    }
    tar.into_inner().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::evidence::PackFile;
    use crate::report::manifest::Manifest;
    use std::io::Read;

    fn contents() -> PackContents {
        PackContents {
            manifest: Manifest {
                format: "f".to_owned(),
                generated_at: "2026-12-01T00:00:00Z".to_owned(),
                signer: "s".to_owned(),
                namespace: "offboard".to_owned(),
                files: Vec::new(),
            },
            files: vec![
                PackFile {
                    path: "evidence.csv".to_owned(),
                    bytes: b"a,b\n".to_vec(),
                },
                PackFile {
                    path: "journal/r.jsonl".to_owned(),
                    bytes: b"{}\n".to_vec(),
                },
            ],
        }
    }

    #[test]
    #[allow(deprecated)] // the X25519 keys auditors hold today
    fn decrypts_to_the_tar_of_the_pack_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let recipient =
            super::super::recipient::parse_recipient(&identity.to_public().to_string()).unwrap();
        let path = dir.path().join("pack.age");
        write_evidence_archive(&path, std::slice::from_ref(&recipient), &contents()).unwrap();
        let encrypted = std::fs::read(&path).unwrap();
        let decryptor = age::Decryptor::new(&encrypted[..]).unwrap();
        let mut plain = Vec::new();
        decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        let mut archive = tar::Archive::new(&plain[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            let header = entry.header();
            seen.push((
                entry.path().unwrap().display().to_string(),
                header.mode().unwrap(),
                header.mtime().unwrap(),
                bytes,
            ));
        }
        assert_eq!(
            seen,
            [
                ("journal/".to_owned(), 0o700, 1_796_083_200, Vec::new()),
                (
                    "evidence.csv".to_owned(),
                    0o600,
                    1_796_083_200,
                    b"a,b\n".to_vec()
                ),
                (
                    "journal/r.jsonl".to_owned(),
                    0o600,
                    1_796_083_200,
                    b"{}\n".to_vec()
                ),
            ]
        );
        let err = write_evidence_archive(&path, &[recipient], &contents()).unwrap_err();
        assert!(
            matches!(err, ReportError::EvidenceArchiveExists(_)),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), encrypted);
    }
}
