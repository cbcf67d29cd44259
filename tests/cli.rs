//! The command-line surface through the real binary: the shorthand, generated artefacts, exit
//! codes of commands not built yet, and that every shipped playbook and example validates.

use std::path::Path;
use std::process::{Command, Output};

fn offboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offboard"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OFFBOARD_CONFIG")
        .output()
        .expect("run offboard")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn shipped_playbooks_and_the_example_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("examples/acme/offboard.yaml");
    let config = config.to_str().unwrap();
    for target in ["examples/acme", "playbooks"] {
        let out = offboard(&["--config", config, "--format", "json", "validate", target]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: {stdout}{}",
            text(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["errors"], 0, "{target}: {stdout}");
        assert!(
            report["files_checked"].as_u64().unwrap() >= 5,
            "{target}: {stdout}"
        );
    }
    let playbooks = std::fs::read_dir(root.join("playbooks")).unwrap().count();
    assert_eq!(playbooks, 5, "the five departure types are shipped");
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = offboard(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Usage: offboard"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_lists_every_subcommand_and_the_exit_codes() {
    let out = offboard(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for word in [
        "run",
        "plan",
        "confirm",
        "status",
        "due",
        "verify",
        "validate",
        "reconcile",
        "report",
        "schema",
        "init",
        "completions",
        "130",
    ] {
        assert!(help.contains(word), "help lacks {word}: {help}");
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    let bash = offboard(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    assert!(
        script.contains("_offboard()") && script.contains("validate"),
        "{script}"
    );
    let man = offboard(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = text(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH offboard"),
        "{page}"
    );
    assert!(page.contains("reconcile"), "{page}");
}

#[test]
fn commands_without_a_repository_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["status"][..],
        &["reconcile"],
        &["report"],
        &["verify"],
        &["plan", "x"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_offboard"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("OFFBOARD_CONFIG")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("no offboard.yaml"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = offboard(&["validate", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--no-such-flag"));
}

#[test]
fn init_scaffolds_a_repository_that_validates_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let repo_str = repo.to_str().unwrap();
    let out = offboard(&["init", repo_str, "--principal", "ops@example.com"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let key = repo.join("keys/offboard");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key is readable by its owner only");
    let signers = std::fs::read_to_string(repo.join("allowed_signers")).unwrap();
    assert!(
        signers.starts_with("ops@example.com namespaces=\"offboard\" ssh-ed25519 AAAA"),
        "{signers}"
    );
    let config = repo.join("offboard.yaml");
    let out = offboard(&["--config", config.to_str().unwrap(), "validate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let before = std::fs::read(&key).unwrap();
    let again = offboard(&["init", repo_str]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("refusing to overwrite"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key is untouched");
}
