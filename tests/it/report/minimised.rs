//! `policy.minimise_personal_data: true` on the Acme example: after real runs (one with a
//! manual sign-off whose note names the people), no file of the journal directory holds an
//! employee's or manager's email or display name, in any case; the digests are the documented
//! SHA-256 of the salt and the value (checked with the real `sha256sum`); `verify` passes; and
//! `report` still names the employees, from HR.

use std::path::Path;

use super::{REPORT_NOW, acme, describe, offboard, sh, walk};

/// The people of the runs below (and their managers): what must not be in the journal.
const PERSONAL: [&str; 9] = [
    "mallory.hartmann@acme.example",
    "Mallory Hartmann",
    "frank.duarte@acme.example",
    "Frank Duarte",
    "bob.lindqvist@acme.example",
    "Bob Lindqvist",
    "ivan.petrov@acme.example",
    "ken.takahashi@acme.example",
    // The note typed at the sign-off, in another case than HR's.
    "BOB.LINDQVIST@ACME.EXAMPLE",
];

/// Acme with the policy on (or not) and runs of mallory, frank and bob (whose mailbox
/// hand-over is signed off with a note naming bob and his manager, before his run resumes).
fn acme_runs(minimise: bool) -> tempfile::TempDir {
    let dir = acme();
    if minimise {
        let config = dir.path().join("offboard.yaml");
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "  operator_roles: [iam]",
            "  minimise_personal_data: true\n  operator_roles: [iam]",
        );
        std::fs::write(&config, text).unwrap();
    }
    for (who, now) in [
        ("mallory", "2026-11-28T00:10:00Z"),
        ("frank", "2026-11-28T00:00:00Z"),
        ("bob", "2026-11-27T00:10:00Z"),
    ] {
        let out = offboard(dir.path(), now, &[who]);
        assert!(
            matches!(out.status.code(), Some(0 | 4)),
            "{who}: {}",
            describe(&out)
        );
    }
    let run = run_of(dir.path(), "E1002");
    let note = "mailbox of BOB.LINDQVIST@ACME.EXAMPLE delegated to Ivan (ivan.petrov@acme.example)";
    let out = offboard(
        dir.path(),
        "2026-11-27T01:00:00Z",
        &["confirm", &run, "hand-over-mailbox", "--note", note],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // Bob's run resumes after the sign-off (found by its records), it does not start anew.
    let out = offboard(dir.path(), "2026-11-27T01:10:00Z", &["bob"]);
    assert!(
        matches!(out.status.code(), Some(0 | 4)),
        "{}",
        describe(&out)
    );
    let bob_runs = std::fs::read_dir(dir.path().join("journal"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("E1002")
        })
        .count();
    assert_eq!(bob_runs, 1);
    dir
}

/// The id of `employee`'s run.
fn run_of(dir: &Path, employee: &str) -> String {
    std::fs::read_dir(dir.join("journal"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .find(|n| n.starts_with(employee) && n.ends_with(".jsonl"))
        .unwrap_or_else(|| panic!("no run of {employee}"))
        .trim_end_matches(".jsonl")
        .to_owned()
}

/// Every personal value some file of the journal directory holds (ASCII case ignored).
fn personal_values_in_journal(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in walk(&dir.join("journal")) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_ascii_lowercase();
        for value in PERSONAL {
            if text.contains(&value.to_ascii_lowercase()) {
                found.push(format!("{}: {value}", file.display()));
            }
        }
    }
    found
}

#[test]
fn minimised_journals_hold_no_email_or_name_and_still_verify_and_report() {
    // Without the policy the same runs record the values: the search finds what it looks for.
    let plain = acme_runs(false);
    assert!(personal_values_in_journal(plain.path()).len() >= 8);

    let dir = acme_runs(true);
    assert_eq!(personal_values_in_journal(dir.path()), Vec::<String>::new());

    // run.started carries the id and the documented digests, which the real sha256sum
    // reproduces from the salt (its 64 hex characters) and HR's value.
    let journal = dir.path().join("journal");
    let run = run_of(dir.path(), "E1007");
    let first = std::fs::read_to_string(journal.join(format!("{run}.jsonl"))).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    let payload: serde_json::Value =
        serde_json::from_str(envelope["payload"].as_str().unwrap()).unwrap();
    let hr = &payload["evidence"]["hr_record"];
    assert_eq!(hr["id"], "E1007");
    assert_eq!(payload["employee"], "E1007");
    for (field, value) in [
        ("email", "mallory.hartmann@acme.example"),
        ("display_name", "Mallory Hartmann"),
        ("manager_email", "ivan.petrov@acme.example"),
    ] {
        let script =
            format!("printf '%s%s' \"$(cat journal/personal-data.salt)\" '{value}' | sha256sum");
        let out = sh(dir.path(), "bash", &["-c", &script], None);
        let hex = String::from_utf8(out.stdout).unwrap();
        let hex = hex.split_whitespace().next().unwrap();
        assert_eq!(hr[field], format!("salted-sha256:{hex}"), "{field}");
    }
    {
        use std::os::unix::fs::PermissionsExt;
        let salt = journal.join("personal-data.salt");
        let mode = std::fs::metadata(&salt).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let out = offboard(dir.path(), REPORT_NOW, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));

    // The report names the employees from HR: Frank's late steps list his name.
    let pack = dir.path().join("pack");
    let out = offboard(
        dir.path(),
        REPORT_NOW,
        &["report", "--evidence", pack.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("E1006") && l.contains("Frank Duarte")),
        "{text}"
    );
    assert!(!text.contains("salted-sha256:"), "{text}");
    let csv = std::fs::read_to_string(pack.join("evidence.csv")).unwrap();
    assert!(csv.contains(",E1007,Mallory Hartmann,"), "{csv}");
    // The journal files unchanged in the pack: still without the values.
    let copy = std::fs::read_to_string(pack.join(format!("journal/{run}.jsonl"))).unwrap();
    assert_eq!(copy, first);
}
