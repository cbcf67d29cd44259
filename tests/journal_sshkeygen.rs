//! Records written by offboard verify with the stock OpenSSH tools, exactly as the README tells
//! auditors: jq to extract, `ssh-keygen -Y verify` to check.

mod common_journal;

use std::path::Path;
use std::process::Command;

use offboard::journal::{
    AllowedSigners, Event, JournalError, RecordFields, RoleMap, RunJournal, RunStatus, Signer,
    verify,
};

const PRINCIPAL: &str = "it-ops@acme.example";

fn sh(dir: &Path, script: &str) -> std::process::Output {
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    eprintln!(
        "$ {script}\nstatus {}\nstdout {}\nstderr {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn keygen(dir: &Path, name: &str, kind: &str, passphrase: &str) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", passphrase, "-C", "test", "-f", name])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn records_verify_with_stock_openssh() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keygen(dir, "key", "ed25519", "");
    let public = std::fs::read_to_string(dir.join("key.pub")).unwrap();
    std::fs::write(dir.join("allowed_signers"), format!("{PRINCIPAL} {public}")).unwrap();

    let signer = Signer::from_openssh_file(dir.join("key"), PRINCIPAL).unwrap();
    let journal_dir = dir.join("journal");
    let mut journal = RunJournal::create(
        &journal_dir,
        "run-1",
        signer.clone(),
        common_journal::started("e-1001"),
    )
    .unwrap();
    journal
        .append(
            RecordFields::new(Event::StepConfirmed)
                .employee("e-1001")
                .step("disable-idp")
                .role("iam")
                .note("Zoë said \"done\" \\ tab\there")
                .evidence(serde_json::json!({"after": {"active": false, "name": "Zoë Ñ"}})),
        )
        .unwrap();

    let text = std::fs::read_to_string(journal_dir.join("run-1.jsonl")).unwrap();
    let line = text.lines().nth(1).unwrap();
    std::fs::write(dir.join("rec.json"), format!("{line}\n")).unwrap();

    let readme = format!(
        "jq -j .payload rec.json > msg && jq -r .sig rec.json > msg.sig && \
         ssh-keygen -Y verify -f allowed_signers -I {PRINCIPAL} -n offboard -s msg.sig < msg"
    );
    let good = sh(dir, &readme);
    assert!(good.status.success());
    assert!(String::from_utf8_lossy(&good.stdout).contains("Good \"offboard\" signature"));

    // The extracted message is the payload string byte for byte.
    let envelope: serde_json::Value = serde_json::from_str(line).unwrap();
    let msg = std::fs::read(dir.join("msg")).unwrap();
    assert_eq!(msg, envelope["payload"].as_str().unwrap().as_bytes());

    // Our signature is byte-identical to ssh-keygen's (Ed25519 is deterministic).
    let signed = sh(dir, "cp msg m2 && ssh-keygen -Y sign -f key -n offboard m2");
    assert!(signed.status.success());
    let theirs = std::fs::read_to_string(dir.join("m2.sig")).unwrap();
    assert_eq!(envelope["sig"].as_str().unwrap(), theirs);

    // A one-byte edit of the message fails.
    let mut edited = msg.clone();
    let at = edited.iter().position(|&b| b == b'1').unwrap();
    edited[at] = b'2';
    std::fs::write(dir.join("msg"), &edited).unwrap();
    let bad = sh(
        dir,
        &format!(
            "ssh-keygen -Y verify -f allowed_signers -I {PRINCIPAL} -n offboard -s msg.sig < msg"
        ),
    );
    assert!(!bad.status.success());

    // The wrong namespace fails too.
    std::fs::write(dir.join("msg"), &msg).unwrap();
    let other_ns = sh(
        dir,
        &format!("ssh-keygen -Y verify -f allowed_signers -I {PRINCIPAL} -n git -s msg.sig < msg"),
    );
    assert!(!other_ns.status.success());

    // And our verifier agrees, reading the same allowed_signers file.
    let allowed = AllowedSigners::from_file(dir.join("allowed_signers")).unwrap();
    let roles = [(PRINCIPAL, vec!["iam"])]
        .into_iter()
        .collect::<RoleMap>()
        .with_operator_roles(["iam"]);
    let report = verify(&journal_dir, &allowed, &roles, None);
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.runs[0].status, RunStatus::Open);
    assert_eq!(report.records_checked, 3);
}

#[test]
fn encrypted_and_non_ed25519_keys_are_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keygen(dir, "enc", "ed25519", "secret passphrase");
    keygen(dir, "ecdsa", "ecdsa", "");
    let err = Signer::from_openssh_file(dir.join("enc"), PRINCIPAL).unwrap_err();
    assert!(matches!(err, JournalError::Key { .. }));
    assert!(err.to_string().contains("encrypted"), "{err}");
    let err = Signer::from_openssh_file(dir.join("ecdsa"), PRINCIPAL).unwrap_err();
    assert!(err.to_string().contains("needs ssh-ed25519"), "{err}");
    let err = Signer::from_openssh_file(dir.join("missing"), PRINCIPAL).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot read signing key"),
        "{err}"
    );
}
