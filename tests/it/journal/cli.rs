//! `offboard verify` on the command line: an unknown run and an unsupported format are usage
//! errors naming what was typed; the heads it prints, given back with `--head`, detect records
//! cut off the end of the journal, which the chains alone cannot.

use crate::support::acme::Acme;

/// The value printed after `label` on a line of `stdout`.
fn printed(stdout: &str, label: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {label:?} in\n{stdout}"))
        .to_owned()
}

#[test]
fn an_unknown_run_is_a_usage_error_naming_it() {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    let ran = acme.run(&["verify", "NOPE"], &[]).expect(2);
    assert!(ran.stderr.contains("no run NOPE in the journal"), "{ran}");
    assert!(!ran.stdout.contains("records checked"), "{ran}");
    let ran = acme.run(&["verify", "../x"], &[]).expect(2);
    assert!(ran.stderr.contains("invalid run id \"../x\""), "{ran}");
    // A known run next to an unknown one is still a usage error.
    let run = acme.only_run();
    let ran = acme.run(&["verify", &run, "NOPE"], &[]).expect(2);
    assert!(ran.stderr.contains("NOPE"), "{ran}");
    acme.run(&["verify", &run], &[]).expect(0);
}

#[test]
fn an_unsupported_format_is_named_as_typed() {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    for format in ["github", "csv", "md", "html"] {
        let ran = acme.run(&["--format", format, "verify"], &[]).expect(2);
        assert!(
            ran.stderr
                .contains(&format!("prints human or json, not {format}\n")),
            "{ran}"
        );
    }
}

#[test]
fn a_saved_head_detects_the_newest_run_deleted_with_its_ledger_lines() {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    let first = acme.run(&["verify"], &[]).expect(0);
    let mallory_head = printed(&first.stdout, "ledger head: ");
    acme.run(&["carol"], &[]).expect(0);
    let second = acme.run(&["verify"], &[]).expect(0);
    let head = printed(&second.stdout, "ledger head: ");
    assert_ne!(head, mallory_head);
    let json = acme.run(&["--format", "json", "verify"], &[]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let ledger = &report["ledger"]["head"];
    assert_eq!(
        format!("{}:{}", ledger["seq"], ledger["hash"].as_str().unwrap()),
        head
    );
    acme.run(&["verify", "--head", &head, "--head", &mallory_head], &[])
        .expect(0);

    // Carol's run and its two ledger lines removed: the rest is a sound chain.
    let carol = acme
        .runs()
        .into_iter()
        .find(|r| r.starts_with("E1003-"))
        .unwrap();
    std::fs::remove_file(acme.run_file(&carol)).unwrap();
    let ledger_text = std::fs::read_to_string(acme.ledger()).unwrap();
    let kept: String = ledger_text
        .lines()
        .filter(|l| !l.contains(&carol))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(acme.ledger(), kept).unwrap();
    acme.run(&["verify"], &[]).expect(0);
    let caught = acme.run(&["verify", "--head", &head], &[]).expect(1);
    assert!(
        caught.stdout.contains(&format!("head {head}: BAD"))
            && caught.stdout.contains("records were cut off after it"),
        "{caught}"
    );
    acme.run(&["verify", "--head", &mallory_head], &[])
        .expect(0);
    let bad = acme
        .run(&["verify", "--head", "3:sha256:xyz"], &[])
        .expect(2);
    assert!(bad.stderr.contains("64 hexadecimal digits"), "{bad}");
}

#[test]
fn a_saved_run_head_detects_records_cut_off_an_open_run() {
    let acme = Acme::new();
    acme.run(&["bob"], &[]).expect(4);
    let run = acme.only_run();
    let verified = acme.run(&["verify"], &[]).expect(0);
    let head = printed(&verified.stdout, "run head: ");
    assert!(head.starts_with(&format!("{run}@")), "{head}");
    let text = std::fs::read_to_string(acme.run_file(&run)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut: String = lines[..lines.len() - 2]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(acme.run_file(&run), cut).unwrap();
    acme.run(&["verify"], &[]).expect(0);
    let caught = acme.run(&["verify", "--head", &head], &[]).expect(1);
    assert!(
        caught
            .stdout
            .contains(&format!("run {run} has {} records", lines.len() - 2)),
        "{caught}"
    );
}
