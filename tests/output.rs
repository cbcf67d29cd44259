//! `--format` through the real binary: every command that prints a result prints it as JSON when
//! asked (`init`, `confirm`, `due`, also when there is nothing to report), commands refuse the
//! formats they cannot print (exit 2, naming the value as typed), and with `--format json` the
//! error that ends a command is one JSON object on stderr.

#[path = "common/mod.rs"]
mod common;

use serde_json::Value;

use common::repo::{JOURNAL, Repo};

/// The one JSON object an error printed with `--format json` is, checked for its two members.
#[track_caller]
fn json_error(stderr: &str, exit: i64) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    let error: Value = serde_json::from_str(lines[0]).expect(stderr);
    let object = error.as_object().expect(stderr);
    assert_eq!(object.len(), 2, "{stderr}");
    assert_eq!(error["exit"], exit, "{stderr}");
    error["error"].as_str().expect(stderr).to_owned()
}

#[test]
fn commands_refuse_formats_they_cannot_print_naming_the_value_as_typed() {
    let repo = Repo::acme();
    let table = [
        (
            &["--format", "csv", "schema"][..],
            "`offboard schema` prints json only, not csv",
        ),
        (
            &["schema", "--format", "md"],
            "`offboard schema` prints json only, not md",
        ),
        (
            &["--format", "github", "init", "new"],
            "`offboard init` prints human or json, not github",
        ),
        (
            &["--format", "csv", "completions", "bash"],
            "`offboard completions` prints a shell script only, not csv",
        ),
        (
            &["--format", "html", "man"],
            "`offboard man` prints roff only, not html",
        ),
        (
            &["--format", "csv", "due"],
            "`offboard due` prints human or json, not csv",
        ),
        (
            &["--format", "md", "confirm", "r", "s", "--note", "n"],
            "`offboard confirm` prints human or json, not md",
        ),
    ];
    for (args, message) in table {
        let out = repo.offboard(args.iter().copied()).status(2).run();
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(out.stderr, format!("error: {message}\n"), "{args:?}");
    }
    assert!(!repo.join("new").exists(), "a refused init wrote nothing");
    // Refusing json itself is an error like any other, so it is reported as JSON.
    let out = repo.offboard(["--format", "json", "man"]).status(2).run();
    assert_eq!(
        json_error(&out.stderr, 2),
        "`offboard man` prints roff only, not json"
    );
}

#[test]
fn init_prints_what_it_created_as_one_json_object_without_the_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("repo");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_offboard"))
        .args(["--format", "json", "init"])
        .arg(&target)
        .args(["--principal", "ops@example.com"])
        .env_remove("OFFBOARD_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let init: Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(init["dir"], target.to_str().unwrap());
    assert_eq!(init["principal"], "ops@example.com");
    assert_eq!(init["role"], "iam");
    assert_eq!(init["key"], "keys/offboard");
    let public = std::fs::read_to_string(target.join("keys/offboard.pub")).unwrap();
    assert_eq!(init["public_key"], public.trim_end());
    let files: Vec<&str> = init["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for file in [
        "offboard.yaml",
        "allowed_signers",
        "playbooks/involuntary-leaver.yaml",
        "keys/offboard",
    ] {
        assert!(files.contains(&file), "{file}: {stdout}");
    }
    for file in &files {
        assert!(target.join(file).is_file(), "{file} listed but not created");
    }
    let private = std::fs::read_to_string(target.join("keys/offboard")).unwrap();
    let secret_line = private.lines().nth(1).unwrap();
    assert!(!stdout.contains(secret_line), "the private key is printed");
    assert!(!stdout.contains("PRIVATE KEY"), "{stdout}");
}

#[test]
fn confirm_prints_its_sign_off_as_json_and_the_second_one_as_already_done() {
    let repo = Repo::acme();
    repo.offboard(["bob"]).status(4).run();
    let run = repo.run_of("E1002");
    let args = [
        "--format",
        "json",
        "confirm",
        &run,
        "hand-over-mailbox",
        "--note",
        "mailbox delegated to ivan",
    ];
    let first = repo.offboard(args).run().json();
    assert_eq!(first["run"], run.as_str());
    assert_eq!(first["step"], "hand-over-mailbox");
    assert_eq!(first["employee"], "E1002");
    assert_eq!(first["event"], "step.confirmed");
    assert_eq!(first["already"], false);
    assert_eq!(first["signed_off_by"], "it-ops@acme.example");
    let recorded = repo.events(&run, "step.confirmed", "hand-over-mailbox");
    assert_eq!(recorded.len(), 1);
    assert_eq!(first["role"], recorded[0]["role"]);
    assert_eq!(first["next"], "offboard run E1002");

    let before = repo.snapshot(JOURNAL);
    let again = repo.offboard(args).run().json();
    assert_eq!(again["already"], true);
    assert_eq!(again["event"], "step.confirmed");
    assert_eq!(again.get("signed_off_by"), None, "{again:#}");
    assert!(repo.snapshot(JOURNAL) == before, "nothing written twice");
}

#[test]
fn due_prints_a_report_object_also_when_nothing_is_due() {
    let repo = Repo::acme();
    let empty = repo.offboard(["--format", "json", "due"]).run();
    assert_eq!(empty.stderr, "");
    assert_eq!(
        empty.json(),
        serde_json::json!({ "event": "due.report", "dry_run": false, "runs": [], "exit": 0 })
    );

    // bob's hard delete is scheduled 30 days after his last day.
    repo.offboard(["bob"]).status(4).run();
    let run = repo.run_of("E1002");
    let later = "2026-12-28T09:00:00Z";
    let listed = repo
        .offboard(["--format", "json", "due", "--dry-run"])
        .now(later)
        .run()
        .json();
    assert_eq!(listed["dry_run"], true);
    assert_eq!(listed["runs"][0]["run"], run.as_str());
    assert_eq!(listed["runs"][0]["employee"], "E1002");
    assert_eq!(
        listed["runs"][0]["steps"],
        serde_json::json!(["hard-delete"])
    );
    assert_eq!(listed["runs"][0]["outcome"], "due");

    // Resumed: the run's own events, then the report as the last line.
    let resumed = repo
        .offboard(["--format", "json", "due"])
        .now(later)
        .status(4)
        .run();
    let lines: Vec<Value> = resumed
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    assert_eq!(lines[0]["event"], "run.started", "{}", resumed.stdout);
    let report = lines.last().unwrap();
    assert_eq!(report["event"], "due.report");
    assert_eq!(report["runs"][0]["outcome"], "resumed");
    assert_eq!(report["runs"][0]["exit"], 4, "manual steps still wait");
    assert_eq!(report["exit"], 4);
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "step.finished" && l["step"] == "hard-delete"),
        "{}",
        resumed.stdout
    );
}

#[test]
fn with_json_the_error_that_ends_a_command_is_a_json_object_on_stderr() {
    let repo = Repo::acme();
    let unknown = repo
        .offboard(["--format", "json", "nobody-at-all"])
        .status(2)
        .run();
    assert_eq!(unknown.stdout, "");
    let message = json_error(&unknown.stderr, 2);
    assert!(
        message.contains("unknown employee `nobody-at-all`"),
        "{message}"
    );

    let config = repo
        .offboard(["--format=json", "--config", "missing.yaml", "status"])
        .status(2)
        .run();
    assert!(
        json_error(&config.stderr, 2).contains("missing.yaml"),
        "{}",
        config.stderr
    );

    // A command line clap refuses.
    let flag = repo
        .offboard(["--format", "json", "validate", "--no-such-flag"])
        .status(2)
        .run();
    let message = json_error(&flag.stderr, 2);
    assert!(
        message.starts_with("unexpected argument '--no-such-flag'"),
        "{message}"
    );

    // Without --format json the same errors stay plain text.
    let plain = repo.offboard(["nobody-at-all"]).status(2).run();
    assert!(
        plain
            .stderr
            .starts_with("error: unknown employee `nobody-at-all`"),
        "{}",
        plain.stderr
    );
}

/// Every `YYYY-MM-DDTHH:MM:SS` in `text` is followed by `Z` (whole seconds, in UTC, marked);
/// returns how many there are.
#[track_caller]
fn assert_seconds_utc(what: &str, text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut found = 0;
    for i in 0..bytes.len().saturating_sub(19) {
        let shaped = bytes[i..i + 19].iter().enumerate().all(|(j, b)| match j {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        });
        if shaped {
            found += 1;
            assert_eq!(
                bytes.get(i + 19),
                Some(&b'Z'),
                "{what}: a time not to the second in UTC: {:?} in\n{text}",
                &text[i..(i + 30).min(text.len())]
            );
        }
    }
    found
}

#[test]
fn human_output_shows_times_to_the_second_in_utc() {
    let repo = Repo::acme();
    // Bob leaves at a time HR gives with a fraction and an offset; every command runs at a
    // time with nanoseconds, which the journal keeps.
    let hr = repo.read("hr.csv").replace(
        ",RESIGN,2026-11-27,",
        ",RESIGN,2026-11-27T01:00:00.250+01:00,",
    );
    repo.write("hr.csv", &hr);
    let before = "2026-11-26T09:00:00.123456789Z";
    let after = "2026-11-30T09:00:00.5Z";

    let plan = repo.offboard(["plan", "bob"]).now(before).run();
    assert_seconds_utc("plan", &plan.stdout);
    assert!(
        plan.stdout
            .contains("disable-account          scheduled for 2026-11-27T00:00:00Z\n"),
        "{}",
        plan.stdout
    );
    let run = repo.offboard(["bob"]).now(before).status(4).run();
    assert_seconds_utc("run", &run.stdout);
    assert!(
        run.stdout
            .contains("disable-account          scheduled for 2026-11-27T00:00:00Z\n"),
        "{}",
        run.stdout
    );
    let status = repo.offboard(["status"]).now(before).run();
    assert_seconds_utc("status", &status.stdout);
    assert!(
        status
            .stdout
            .contains("deadline 2026-11-27T04:00:00Z due 2026-11-27T00:00:00Z\n"),
        "{}",
        status.stdout
    );
    let due = repo.offboard(["due"]).now(after).status(4).run();
    assert_seconds_utc("due", &due.stdout);
    assert!(
        due.stdout
            .contains("hard-delete              scheduled for 2026-12-27T00:00:00Z\n"),
        "{}",
        due.stdout
    );
    let report = repo.offboard(["report"]).now(after).run();
    assert!(assert_seconds_utc("report", &report.stdout) > 5);
    assert!(
        report.stdout.contains(
            "window:          runs started since 2026-09-01T09:00:00Z (90d), as of 2026-11-30T09:00:00Z\n"
        ),
        "{}",
        report.stdout
    );
    assert!(
        report
            .stdout
            .contains("2026-11-27T04:00:00Z  2026-11-30T09:00:00Z\n"),
        "{}",
        report.stdout
    );
    let md = repo.offboard(["--format", "md", "report"]).now(after).run();
    assert!(assert_seconds_utc("report --format md", &md.stdout) > 5);
    let reconcile = repo.offboard(["reconcile"]).now(after).status(1).run();
    assert!(
        reconcile.stdout.contains("judged at 2026-11-30T09:00:00Z."),
        "{}",
        reconcile.stdout
    );
    assert_seconds_utc("reconcile", &reconcile.stdout);

    // The evidence pack's check names when it was made.
    repo.offboard(["report", "--evidence", "pack"])
        .now(after)
        .run();
    let pack = repo
        .offboard(["verify", "--evidence", "pack"])
        .now(after)
        .run();
    assert_seconds_utc("verify --evidence", &pack.stdout);
    assert!(
        pack.stdout
            .contains("signed by it-ops@acme.example (2026-11-30T09:00:00Z)"),
        "{}",
        pack.stdout
    );

    // JSON keeps the full RFC 3339 values.
    let json = repo
        .offboard(["--format", "json", "report"])
        .now(after)
        .run()
        .json();
    assert_eq!(json["generated_at"], "2026-11-30T09:00:00.5Z", "{json}");

    // A key that expired before the records were signed: verify names the signing time.
    let allowed = repo.read("allowed_signers").replace(
        "it-ops@acme.example namespaces=\"offboard\"",
        "it-ops@acme.example namespaces=\"offboard\",valid-before=\"20261120\"",
    );
    repo.write("allowed_signers", &allowed);
    let verify = repo.offboard(["verify"]).now(after).status(1).run();
    assert_seconds_utc("verify", &verify.stdout);
    assert!(
        verify.stdout.contains(
            "signed at 2026-11-26T09:00:00Z, after the key of it-ops@acme.example expired"
        ),
        "{}",
        verify.stdout
    );
}
