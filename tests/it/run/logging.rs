//! `-v`: one log line on stderr per read or write against a system, with the system, the kind
//! of connector, the operation, its target, the outcome and the duration; `-vv` adds a detail
//! line; no flag, none of them.

use std::collections::BTreeMap;

use crate::support::acme::Acme;

/// The `key=value` fields of a log line (values without spaces, as these lines print them).
fn fields(line: &str) -> BTreeMap<&str, &str> {
    line.split_whitespace()
        .filter_map(|word| word.split_once('='))
        .collect()
}

/// The connector-call lines of `stderr`.
fn calls(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("offboard::calls") && l.contains(" call "))
        .collect()
}

#[test]
fn verbose_logs_each_connector_call_once_with_its_fields() {
    let acme = Acme::new();
    let quiet = acme.duplicate();

    let ran = acme.run(&["-v", "run", "mallory"], &[]).expect(0);
    let lines = calls(&ran.stderr);
    assert!(!lines.is_empty(), "{ran}");
    for line in &lines {
        assert!(line.contains(" INFO "), "{line}");
        let f = fields(line);
        for key in [
            "system",
            "connector",
            "op",
            "target",
            "outcome",
            "duration_ms",
        ] {
            assert!(f.contains_key(key), "`{key}` missing from {line}");
        }
        assert!(f["duration_ms"].parse::<u64>().is_ok(), "{line}");
    }
    assert!(
        !ran.stderr.contains("call detail"),
        "detail is for -vv: {ran}"
    );

    // Every change the journal shows applied is one `apply` line on the system it names, and
    // every message delivered is one `deliver` line.
    let run = acme.only_run();
    let payloads = acme.payloads(&run);
    let mut applied: Vec<(String, String)> = Vec::new();
    let mut delivered: Vec<String> = Vec::new();
    for p in payloads.iter().filter(|p| p["event"] == "step.confirmed") {
        let system = p["target"]["connector"].as_str().unwrap_or_default();
        let evidence = &p["evidence"];
        if let Some(changes) = evidence["changes"].as_array() {
            for change in changes {
                applied.push((
                    system.to_owned(),
                    format!("apply:{}", change["change"].as_str().unwrap()),
                ));
            }
        }
        if evidence.get("receipt").is_some() {
            delivered.push(system.to_owned());
        }
    }
    assert!(applied.len() >= 5, "{applied:?}");
    let mut logged_applies: Vec<(String, String)> = Vec::new();
    let mut logged_deliveries: Vec<String> = Vec::new();
    for line in &lines {
        let f = fields(line);
        if f["op"].starts_with("apply:") {
            assert_eq!(f["outcome"], "ok", "{line}");
            logged_applies.push((f["system"].to_owned(), f["op"].to_owned()));
        }
        if f["op"] == "deliver" {
            logged_deliveries.push(f["system"].to_owned());
            assert_eq!(f["outcome"], "delivered", "{line}");
        }
    }
    applied.sort();
    logged_applies.sort();
    assert_eq!(logged_applies, applied, "one line per change applied");
    delivered.sort();
    logged_deliveries.sort();
    assert_eq!(
        logged_deliveries, delivered,
        "one line per message delivered"
    );
    // Lookups name the system and what was looked up: mallory's username on the directory.
    assert!(
        lines.iter().any(|l| {
            let f = fields(l);
            f["op"] == "find"
                && f["system"] == "directory"
                && f["connector"] == "sqlite"
                && f["target"] == "mallory"
                && f["outcome"] == "found"
        }),
        "{lines:#?}"
    );
    // HR is a system too: the roster read and the write-back.
    assert!(
        lines.iter().any(|l| {
            let f = fields(l);
            f["system"] == "hr" && f["op"] == "write_back" && f["outcome"] == "ok"
        }),
        "{lines:#?}"
    );
    // No library traces below -vvv.
    assert!(
        ran.stderr
            .lines()
            .all(|l| !l.contains(" TRACE ") && !l.contains(" DEBUG ")),
        "{ran}"
    );

    // -vv adds the detail of each call; no flag prints none of it.
    let ran = quiet.run(&["plan", "mallory"], &[]).expect(0);
    assert_eq!(calls(&ran.stderr), Vec::<&str>::new(), "{ran}");
    let ran = quiet.run(&["-vv", "plan", "mallory"], &[]).expect(0);
    assert!(!calls(&ran.stderr).is_empty(), "{ran}");
    assert!(
        ran.stderr.lines().any(|l| l.contains("call detail")
            && l.contains("system=directory")
            && l.contains("detail=")),
        "{ran}"
    );
}

/// What a system holds reaches the log lines through the same printable form as every other
/// output for people: a group named with an escape sequence cannot drive the terminal from `-vv`.
#[test]
fn verbose_lines_show_control_characters_from_systems_as_pictures() {
    let acme = Acme::new();
    let data = acme.dir().join("data");
    for (file, row) in [
        ("groups.csv", "eng\u{1b}[2Jops,Cleared screens\n"),
        ("memberships.csv", "mallory,eng\u{1b}[2Jops\n"),
    ] {
        let path = data.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}{row}")).unwrap();
    }
    let ran = acme.run(&["-vv", "plan", "mallory"], &[]).expect(0);
    assert!(
        ran.stdout.contains("eng\u{241b}[2Jops"),
        "the plan names the group: {ran}"
    );
    let details: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.contains("call detail") && l.contains("system=directory"))
        .collect();
    assert!(
        details.iter().any(|l| l.contains("eng\u{241b}[2Jops")),
        "{details:#?}"
    );
    assert!(!ran.stderr.contains('\u{1b}'), "{ran}");
}
