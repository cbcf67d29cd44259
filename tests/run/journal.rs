//! The journal of a real run: `offboard verify` accepts it and names the first bad record of
//! every kind of tampering; stock `ssh-keygen` verifies a record exactly as the README tells
//! auditors.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::acme::Acme;

fn finished_mallory() -> Acme {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    acme
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// Where `verify --format json` says the first problem is: (file name, line).
fn first_bad(report: &Value) -> Vec<(String, u64)> {
    let mut bad = Vec::new();
    let mut push = |e: &Value| {
        if !e.is_null() {
            let file = Path::new(e["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            bad.push((file, e["line"].as_u64().unwrap()));
        }
    };
    push(&report["ledger"]["first_error"]);
    for run in report["runs"].as_array().unwrap() {
        push(&run["first_error"]);
    }
    bad
}

#[test]
fn verify_accepts_the_real_journal_and_names_the_first_bad_record() {
    let template = finished_mallory();
    let ok = template.run(&["verify"], &[]).expect(0);
    assert!(
        ok.stdout
            .contains("journal verified: 19 records checked in 1 run(s)"),
        "{ok}"
    );
    let json = template.run(&["verify", "--format", "json"], &[]).expect(0);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert!(first_bad(&report).is_empty());

    let run = template.only_run();
    let run_file = format!("{run}.jsonl");
    type Mutation = fn(&Acme, &str);
    let cases: Vec<(&str, Mutation, (&str, u64))> = vec![
        (
            "one payload byte edited",
            |acme, run| {
                let path = acme.run_file(run);
                let mut lines = lines(&path);
                assert!(lines[3].contains(r#"\"employee\":\"E1007\""#));
                lines[3] =
                    lines[3].replacen(r#"\"employee\":\"E1007\""#, r#"\"employee\":\"E1008\""#, 1);
                write_lines(&path, &lines);
            },
            ("run", 4),
        ),
        (
            "two lines swapped",
            |acme, run| {
                let path = acme.run_file(run);
                let mut lines = lines(&path);
                lines.swap(4, 5);
                write_lines(&path, &lines);
            },
            ("run", 5),
        ),
        (
            "a line dropped",
            |acme, run| {
                let path = acme.run_file(run);
                let mut lines = lines(&path);
                lines.remove(5);
                write_lines(&path, &lines);
            },
            ("run", 6),
        ),
        (
            "a line duplicated",
            |acme, run| {
                let path = acme.run_file(run);
                let mut lines = lines(&path);
                lines.insert(6, lines[5].clone());
                write_lines(&path, &lines);
            },
            ("run", 7),
        ),
        (
            "cut in the middle of the last line",
            |acme, run| {
                let path = acme.run_file(run);
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() - 40]).unwrap();
            },
            ("run", 17),
        ),
        (
            "the last four records cut off",
            |acme, run| {
                let path = acme.run_file(run);
                let lines = lines(&path);
                write_lines(&path, &lines[..8]);
            },
            ("run", 8),
        ),
        (
            "the run file deleted",
            |acme, run| std::fs::remove_file(acme.run_file(run)).unwrap(),
            ("ledger", 1),
        ),
        (
            "the first ledger line deleted",
            |acme, _| {
                let path = acme.ledger();
                let lines = lines(&path);
                write_lines(&path, &lines[1..]);
            },
            ("ledger", 1),
        ),
    ];
    for (name, mutate, (which, line)) in cases {
        let acme = template.duplicate();
        mutate(&acme, &run);
        let file = if which == "run" {
            run_file.as_str()
        } else {
            "ledger.jsonl"
        };
        let human = acme.run(&["verify"], &[]);
        assert_eq!(human.code, Some(1), "{name}: {human}");
        assert!(
            human.stdout.contains("journal FAILED verification"),
            "{name}: {human}"
        );
        let named = format!("{file}:{line}");
        assert!(
            human
                .stdout
                .lines()
                .any(|l| l.contains("BAD") && l.contains(&named)),
            "{name}: expected a BAD line naming {named}\n{human}"
        );
        let json = acme.run(&["verify", "--format", "json"], &[]);
        assert_eq!(json.code, Some(1), "{name}: {json}");
        let report: Value =
            serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
        assert_eq!(report["ok"], false, "{name}");
        let bad = first_bad(&report);
        assert!(
            bad.contains(&(file.to_owned(), line)),
            "{name}: {bad:?}\n{}",
            json.stdout
        );
    }

    // Deleting the seal leaves exactly what a crash between run.finished and the seal leaves:
    // verify accepts it, saying so, and the next run of the employee writes the seal again.
    let acme = template.duplicate();
    let ledger = lines(&acme.ledger());
    write_lines(&acme.ledger(), &ledger[..1]);
    let unsealed = acme.run(&["verify"], &[]).expect(0);
    assert!(
        unsealed
            .stdout
            .contains(&format!("{run}: ok (finished, seal missing after a crash)")),
        "{unsealed}"
    );
    acme.run(&["mallory"], &[]).expect(0);
    let resealed = lines(&acme.ledger());
    assert_eq!(resealed.len(), 2);
    assert!(
        resealed[1].contains(r#"\"event\":\"run.sealed\""#),
        "{}",
        resealed[1]
    );
    let sealed = acme.run(&["verify"], &[]).expect(0);
    assert!(sealed.stdout.contains("ok (finished, sealed)"), "{sealed}");
}

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

#[test]
fn auditors_verify_a_real_record_with_jq_and_ssh_keygen() {
    let acme = finished_mallory();
    let run = acme.only_run();
    let lines = lines(&acme.run_file(&run));
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::copy(
        acme.dir().join("allowed_signers"),
        dir.join("allowed_signers"),
    )
    .unwrap();
    let readme = "jq -j .payload rec.json > msg && jq -r .sig rec.json > msg.sig && \
        ssh-keygen -Y verify -f allowed_signers -I it-ops@acme.example -n offboard -s msg.sig < msg";
    // run.started, a confirmation with before/after evidence, and run.finished.
    for index in [0, 6, lines.len() - 1] {
        std::fs::write(dir.join("rec.json"), format!("{}\n", lines[index])).unwrap();
        let good = sh(dir, readme);
        assert!(good.status.success(), "record {index}");
        assert!(String::from_utf8_lossy(&good.stdout).contains("Good \"offboard\" signature"));
    }

    let mut msg = std::fs::read(dir.join("msg")).unwrap();
    let at = msg.len() / 2;
    msg[at] ^= 0x01;
    std::fs::write(dir.join("msg"), &msg).unwrap();
    let bad = sh(
        dir,
        "ssh-keygen -Y verify -f allowed_signers -I it-ops@acme.example -n offboard -s msg.sig < msg",
    );
    assert!(!bad.status.success());

    // Another principal's key does not vouch for it.
    let wrong = sh(
        dir,
        "jq -j .payload rec.json > msg && ssh-keygen -Y verify -f allowed_signers \
         -I finance-ops@acme.example -n offboard -s msg.sig < msg",
    );
    assert!(!wrong.status.success());
}

#[test]
fn a_head_of_a_run_deleted_with_its_ledger_lines_is_a_finding() {
    let (acme, run) = crate::forged::grace_interrupted();
    let verify = acme.run(&["verify"], &[]).expect(0);
    let head = verify
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("run head: "))
        .unwrap_or_else(|| panic!("{verify}"))
        .to_owned();
    assert!(head.starts_with(&format!("{run}@1:sha256:")), "{head}");

    // The newest run deleted together with its ledger line: the chains still verify...
    let ledger = acme.ledger();
    let text = std::fs::read_to_string(&ledger).unwrap();
    let kept: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&ledger, kept).unwrap();
    std::fs::remove_file(acme.run_file(&run)).unwrap();
    acme.run(&["verify"], &[]).expect(0);

    // ...and the saved head shows the cut: a finding (exit 1), not a usage error.
    let cut = acme.run(&["verify", "--head", &head], &[]).expect(1);
    assert!(
        cut.stdout.contains(&format!(
            "head {head}: BAD: run {run} has no records in the journal"
        )) && cut.stdout.contains("deleted"),
        "{cut}"
    );
    assert!(cut.stdout.contains("journal FAILED verification"), "{cut}");
    let json = acme
        .run(&["verify", "--format", "json", "--head", &head], &[])
        .expect(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["anchors"][0]["ok"], false, "{report}");

    // Naming a run that does not exist on the command line stays a usage error.
    acme.run(&["verify", &run], &[]).expect(2);
}
