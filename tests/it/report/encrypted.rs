//! `offboard report --evidence FILE --encrypt-to RECIPIENT`: the pack as one age file. The real
//! `age` command decrypts it with a key made by the real `age-keygen` (and with an SSH key made
//! by `ssh-keygen`), real `tar` unpacks it as the README shows, and the unpacked pack passes the
//! README's shell check (`ssh-keygen -Y verify`) and `offboard verify --evidence`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{
    REPORT_NOW, acme_with_runs, describe, native_pack_check, offboard, pack_names, sh,
    shell_pack_check, walk,
};

/// The README's unpacking commands exactly as written (the block after its
/// `evidence-archive-unpack` marker).
fn readme_unpack() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (_, after) = readme
        .split_once("<!-- evidence-archive-unpack")
        .expect("the README marks the unpacking commands");
    let (_, block) = after.split_once("```bash\n").expect("a bash block follows");
    let (script, _) = block.split_once("\n```").expect("the block ends");
    script.to_owned()
}

/// An age key made by the real `age-keygen` in `dir/key.txt`; its public key.
fn age_keygen(dir: &Path) -> String {
    let out = sh(dir, "age-keygen", &["-o", "key.txt"], None);
    assert!(out.status.success(), "age-keygen: {out:?}");
    let out = sh(dir, "age-keygen", &["-y", "key.txt"], None);
    assert!(out.status.success(), "age-keygen -y: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// An SSH key made by the real `ssh-keygen` in `dir/auditor`; its public key line.
fn ssh_keygen(dir: &Path) -> String {
    let out = sh(
        dir,
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "auditor@audit.example",
            "-f",
            "auditor",
        ],
        None,
    );
    assert!(out.status.success(), "ssh-keygen: {out:?}");
    std::fs::read_to_string(dir.join("auditor.pub"))
        .unwrap()
        .trim()
        .to_owned()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files = walk(dir);
    files.sort();
    files
}

#[test]
fn encrypted_pack_decrypts_with_age_and_verifies_with_ssh_keygen() {
    let dir = acme_with_runs();
    let keys = tempfile::tempdir().unwrap();
    let age_public = age_keygen(keys.path());
    std::fs::copy(keys.path().join("key.txt"), dir.path().join("key.txt")).unwrap();
    let ssh_public = ssh_keygen(keys.path());
    let before = files(dir.path());
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &[
            "report",
            "--evidence",
            "pack.age",
            "--encrypt-to",
            &age_public,
            "--encrypt-to",
            &ssh_public,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("evidence pack: 7 file(s) encrypted to 2 recipient(s) in pack.age"),
        "{}",
        describe(&out)
    );

    // The one new file is the archive, owner-only, and it is ciphertext: no file of the pack
    // was left on disk, and the archive does not hold the CSV or the manifest in clear.
    let mut expected = before.clone();
    expected.push(dir.path().join("pack.age"));
    expected.sort();
    assert_eq!(files(dir.path()), expected);
    let archive = std::fs::read(dir.path().join("pack.age")).unwrap();
    assert!(archive.starts_with(b"age-encryption.org/v1\n"));
    for clear in [&b"evidence.csv"[..], b"it-ops@acme.example", b"E1007"] {
        assert!(!archive.windows(clear.len()).any(|w| w == clear));
    }
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("pack.age"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The README's commands, with the real age and tar, give the pack directory...
    let out = Command::new("bash")
        .arg("-c")
        .arg(readme_unpack())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let pack = dir.path().join("pack");
    assert_eq!(
        pack_names(&pack),
        [
            "evidence.csv",
            "journal/E1006-involuntary-leaver-20261128T000000Z.jsonl",
            "journal/E1007-involuntary-leaver-20261128T001000Z.jsonl",
            "journal/E1008-involuntary-leaver-20260930T020000Z.jsonl",
            "journal/ledger.jsonl",
            "manifest.json",
            "manifest.sig",
        ]
    );
    // ...whose journals are the journal's bytes, and which passes the README's shell check
    // (ssh-keygen -Y verify, sha256sum) and offboard's own.
    for name in pack_names(&pack)
        .iter()
        .filter(|n| n.starts_with("journal/"))
    {
        assert_eq!(
            std::fs::read(pack.join(name)).unwrap(),
            std::fs::read(dir.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let out = shell_pack_check(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("\nevidence pack verified\n"));
    let (code, check) = native_pack_check(dir.path());
    assert_eq!(code, Some(0), "{check}");
    assert_eq!(check["files_verified"], 5, "{check}");

    // The SSH recipient's key opens the same archive to the same tar.
    let with_age = sh(
        dir.path(),
        "age",
        &["-d", "-i", "key.txt", "pack.age"],
        None,
    );
    let identity = keys.path().join("auditor");
    let with_ssh = sh(
        dir.path(),
        "age",
        &["-d", "-i", identity.to_str().unwrap(), "pack.age"],
        None,
    );
    assert!(with_ssh.status.success(), "{}", describe(&with_ssh));
    assert!(!with_age.stdout.is_empty());
    assert_eq!(with_age.stdout, with_ssh.stdout);

    // A key that is no recipient cannot open it.
    let stranger = tempfile::tempdir().unwrap();
    age_keygen(stranger.path());
    let denied = sh(
        dir.path(),
        "age",
        &[
            "-d",
            "-i",
            stranger.path().join("key.txt").to_str().unwrap(),
            "pack.age",
        ],
        None,
    );
    assert!(!denied.status.success(), "{}", describe(&denied));

    // An existing archive is never replaced.
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &[
            "report",
            "--evidence",
            "pack.age",
            "--encrypt-to",
            &age_public,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    assert_eq!(std::fs::read(dir.path().join("pack.age")).unwrap(), archive);
}

#[test]
fn a_bad_recipient_is_a_usage_error_naming_it_and_writes_nothing() {
    let dir = acme_with_runs();
    let good = age_keygen(dir.path());
    let before = files(dir.path());
    for (bad, reason) in [
        (
            "alice@audit.example",
            "neither an age public key nor an SSH public key",
        ),
        ("age1notakey", "invalid Bech32 encoding"),
        ("ssh-ed25519 AAAA", "invalid SSH recipient"),
    ] {
        let out = offboard(
            dir.path(),
            REPORT_NOW,
            &[
                "report",
                "--evidence",
                "pack.age",
                "--encrypt-to",
                &good,
                "--encrypt-to",
                bad,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("--encrypt-to `{bad}`")),
            "{stderr}"
        );
        assert!(stderr.contains(reason), "{stderr}");
        // Refused before anything is read or printed.
        assert!(out.stdout.is_empty(), "{}", describe(&out));
        assert_eq!(files(dir.path()), before);
    }
    // --encrypt-to has nothing to encrypt without --evidence.
    let out = offboard(dir.path(), REPORT_NOW, &["report", "--encrypt-to", &good]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--evidence"));
}
