//! `policy.require_signed_playbooks`: a run refuses a playbook unless the commit that last
//! changed it carries an SSH signature by a key of `policy.playbook_signers`, and records the
//! signer in `run.started`; `validate` reports an unsigned playbook as `OB070`. Commits are
//! signed by the real `git` with keys the real `ssh-keygen` made, and `git verify-commit` judges
//! each signature independently of offboard.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::repo::Repo;

const PLAYBOOK: &str = "playbooks/involuntary-leaver.yaml";
const PRINCIPAL: &str = "playbooks@acme.example";

/// A new Ed25519 key pair at `dir/name` (no passphrase); returns the private key's path.
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    key
}

/// The public key line of the private key `key`.
fn public(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub"))
        .unwrap()
        .trim()
        .to_owned()
}

/// Commit everything signed by `key`, as `git commit -S` with `gpg.format ssh` signs.
fn commit_signed(repo: &Repo, key: &Path, message: &str) -> String {
    let key = key.to_str().unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={key}"),
        "commit",
        "-q",
        "-S",
        "-m",
        message,
    ]);
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

/// Whether `git verify-commit` accepts `commit` against the playbook signers file.
fn git_verifies(repo: &Repo, commit: &str) -> bool {
    let signers = repo.join("playbook_signers");
    Command::new("git")
        .args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("gpg.ssh.allowedSignersFile={}", signers.display()))
        .args(["verify-commit", commit])
        .current_dir(repo.path())
        .output()
        .unwrap()
        .status
        .success()
}

/// The acme repository with the policy on, `allowed` the one key of the signers file, all
/// committed unsigned.
fn signed_policy(allowed: &Path) -> Repo {
    let repo = Repo::acme();
    let config = repo.read("offboard.yaml").replace(
        "policy:\n",
        "policy:\n  require_signed_playbooks: true\n  playbook_signers: playbook_signers\n",
    );
    repo.write("offboard.yaml", &config);
    repo.write(
        "playbook_signers",
        &format!("{PRINCIPAL} namespaces=\"git\" {}\n", public(allowed)),
    );
    repo.commit("require signed playbooks");
    repo
}

/// Change the playbook (a comment at its end) without committing it.
fn touch_playbook(repo: &Repo, note: &str) {
    let text = repo.read(PLAYBOOK);
    repo.write(PLAYBOOK, &format!("{text}# {note}\n"));
}

#[test]
fn only_a_playbook_signed_by_an_allowed_key_runs_and_its_signer_is_journaled() {
    let keys = tempfile::tempdir().unwrap();
    let allowed = keygen(keys.path(), "allowed");
    let rogue = keygen(keys.path(), "rogue");
    let repo = signed_policy(&allowed);
    let unsigned = repo.git(&["log", "-1", "--format=%H", "--", PLAYBOOK]);

    // Unsigned: refused before anything is written, and named in validate.
    let refused = repo.offboard(["mallory"]).status(2).run();
    assert!(
        refused.stderr.contains(&format!(
            "is not signed as policy.require_signed_playbooks requires: commit {}, which last \
             changed it, is not signed",
            unsigned.trim()
        )),
        "{refused}"
    );
    assert!(repo.runs().is_empty(), "runs: {:?}", repo.runs());
    let report = repo
        .offboard(["--format", "json", "validate"])
        .status(1)
        .run()
        .json();
    let flagged: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "OB070")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert!(
        flagged
            .iter()
            .any(|f| f.ends_with("involuntary-leaver.yaml")),
        "{report}"
    );

    // Signed by a key the file does not list: refused, as git refuses it.
    touch_playbook(&repo, "reviewed by someone else");
    let rogue_commit = commit_signed(&repo, &rogue, "rogue change");
    assert!(!git_verifies(&repo, &rogue_commit));
    let refused = repo.offboard(["mallory"]).status(2).run();
    assert!(
        refused.stderr.contains(&format!(
            "commit {rogue_commit}, which last changed it, is signed by a key that the \
             allowed-signers file does not list"
        )),
        "{refused}"
    );
    assert!(repo.runs().is_empty());

    // Signed by the allowed key, then an unsigned commit that leaves the playbook alone: runs.
    touch_playbook(&repo, "reviewed");
    let signed = commit_signed(&repo, &allowed, "reviewed change");
    assert!(git_verifies(&repo, &signed));
    repo.write("NOTES.md", "unrelated\n");
    repo.commit("notes");
    let report = repo
        .offboard(["--format", "json", "validate", PLAYBOOK])
        .status(0)
        .run()
        .json();
    assert_eq!(report["errors"], 0, "{report}");
    repo.offboard(["mallory"]).status(0).run();
    let run = repo.run_of("E1007");
    let started = &repo.journal(&run)[0];
    assert_eq!(started["event"], "run.started");
    let playbook = &started["playbook"];
    assert_eq!(playbook["signed_by"]["principal"], PRINCIPAL, "{playbook}");
    assert_eq!(
        playbook["signed_by"]["commit"],
        signed.as_str(),
        "{playbook}"
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(playbook["commit"], head.trim(), "{playbook}");
    repo.offboard(["verify"]).status(0).run();
}
