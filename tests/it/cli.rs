//! The command-line surface through the real binary: help and exit codes, usage errors, the
//! generated artefacts (completions, man pages), `init`, and that every shipped playbook and
//! example validates.

use std::path::Path;
use std::process::Output;

use crate::support::Test;

fn offboard(args: &[&str]) -> Output {
    Test::at(env!("CARGO_MANIFEST_DIR")).args(args).output()
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
fn the_leaver_variants_for_okta_and_google_workspace_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for variant in ["acme-okta", "acme-google-workspace"] {
        let dir = root.join("examples").join(variant);
        let config = dir.join("offboard.yaml");
        let out = offboard(&[
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "validate",
        ]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{variant}: {stdout}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["errors"], 0, "{variant}: {stdout}");
        for leaver in ["involuntary-leaver.yaml", "voluntary-leaver.yaml"] {
            assert!(dir.join("playbooks").join(leaver).is_file(), "{variant}");
        }
        let checked = report["files_checked"].as_u64().unwrap();
        assert!(
            checked >= 3,
            "{variant}: the configuration and both playbooks: {stdout}"
        );
    }
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
fn completions_are_generated() {
    let bash = offboard(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    assert!(
        script.contains("_offboard()") && script.contains("validate"),
        "{script}"
    );
}

/// A page's text with roff's escaped hyphens (`\-`) read as hyphens.
fn roff_text(bytes: &[u8]) -> String {
    text(bytes).replace("\\-", "-")
}

#[test]
fn man_prints_the_main_page_and_one_page_per_subcommand() {
    let man = offboard(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = roff_text(&man.stdout);
    assert!(page.contains(".TH offboard 1"), "{page}");
    assert!(page.contains("offboard-reconcile(1)"), "{page}");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert!(!page.contains(".SH EXTRA"), "{page}");

    let validate = offboard(&["man", "validate"]);
    assert_eq!(validate.status.code(), Some(0));
    let page = roff_text(&validate.stdout);
    assert!(page.contains(".TH offboard-validate 1"), "{page}");
    assert!(page.contains("--changed-since"), "{page}");
    assert!(page.contains("\\fB130\\fR"), "{page}");

    let unknown = offboard(&["man", "valdate"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = text(&unknown.stderr);
    assert!(
        stderr.contains("no man page for `valdate`") && stderr.contains("validate"),
        "{stderr}"
    );
}

#[test]
fn man_out_writes_every_page_each_naming_its_flags() {
    use clap::CommandFactory;
    let dir = tempfile::tempdir().unwrap();
    let out = offboard(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let root = offboard::cli::Cli::command();
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = root
        .get_subcommands()
        .map(|s| format!("offboard-{}.1", s.get_name()))
        .chain(["offboard.1".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    for sub in root.get_subcommands() {
        let file = format!("offboard-{}.1", sub.get_name());
        let page = roff_text(&std::fs::read(dir.path().join(&file)).unwrap());
        let longs = sub.get_arguments().filter_map(|a| a.get_long());
        for long in longs.chain(["config", "format", "no-progress"]) {
            assert!(page.contains(&format!("--{long}")), "{file} lacks --{long}");
        }
        // The page a subcommand prints is the page written for it.
        let printed = offboard(&["man", sub.get_name()]);
        assert_eq!(roff_text(&printed.stdout), page, "{file}");
    }
}

#[test]
fn commands_without_a_repository_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    // Every command, `validate` with nothing to check included, says the same.
    let expected = format!(
        "error: no offboard.yaml in {} or its parents; pass --config PATH or run `offboard init`\n",
        dir.path().canonicalize().unwrap().display()
    );
    for args in [
        &["status"][..],
        &["reconcile"],
        &["report"],
        &["verify"],
        &["plan", "x"],
        &["validate"],
    ] {
        let out = Test::at(dir.path()).args(args).output();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), expected, "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
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
