//! `offboard prune`: finished runs older than the cut-off leave the journal behind a signed
//! `ledger.checkpoint` listing each one's final hash. What remains still verifies and still
//! shows a one-byte edit; a run of an employee under legal hold refuses the whole prune; an
//! evidence pack made before the prune still verifies against the checkpoint; a crash between
//! the checkpoint and the removal leaves a journal that verifies, and a second prune finishes.
//! Hashes are computed here with plain SHA-256 over the stored payload strings, never through
//! the library under test.

use sha2::{Digest, Sha256};

use crate::support::acme::Acme;

/// The runs' time, and a time after them (for the checkpoint).
const DAY_ONE: &str = "2026-12-01T10:00:00Z";
const DAY_THREE: &str = "2026-12-03T10:00:00Z";
const LATER: &str = "2026-12-05T00:00:00Z";
/// Between day one and day three.
const CUTOFF: &str = "2026-12-02";

const SIGABRT: i32 = 6;

/// `employee`'s run, exit `code`, at `now`.
fn run_at(acme: &Acme, employee: &str, now: &str, code: i32) {
    acme.run(&[employee], &[("OFFBOARD_NOW", now)]).expect(code);
}

/// The run of `employee_id` (the only one).
fn run_of(acme: &Acme, employee_id: &str) -> String {
    acme.runs()
        .into_iter()
        .find(|r| r.starts_with(&format!("{employee_id}-")))
        .unwrap_or_else(|| panic!("no run of {employee_id} in {:?}", acme.runs()))
}

/// `sha256:` + hex SHA-256 of the last line's payload string in `file`, and its line count.
fn final_hash(text: &str) -> (String, u64) {
    let last = text.lines().last().unwrap();
    let envelope: serde_json::Value = serde_json::from_str(last).unwrap();
    let payload = envelope["payload"].as_str().unwrap();
    let hex: String = Sha256::digest(payload.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (format!("sha256:{hex}"), text.lines().count() as u64)
}

/// The payloads of the ledger, parsed.
fn ledger_payloads(acme: &Acme) -> Vec<serde_json::Value> {
    std::fs::read_to_string(acme.ledger())
        .unwrap()
        .lines()
        .map(|l| {
            let envelope: serde_json::Value = serde_json::from_str(l).unwrap();
            serde_json::from_str(envelope["payload"].as_str().unwrap()).unwrap()
        })
        .collect()
}

/// Flip one byte of `path` at the middle of its `line`th line (1-based) and return the
/// original contents.
fn flip_byte(path: &std::path::Path, line: usize) -> Vec<u8> {
    let original = std::fs::read(path).unwrap();
    let mut bytes = original.clone();
    let start: usize = original
        .split(|b| *b == b'\n')
        .take(line - 1)
        .map(|l| l.len() + 1)
        .sum();
    let at = start + 40;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    std::fs::write(path, &bytes).unwrap();
    original
}

/// Mallory (finished on day one), carol (finished on day three) and bob (waiting since day
/// one, never finished).
fn three_runs() -> Acme {
    let acme = Acme::new();
    run_at(&acme, "mallory", DAY_ONE, 0);
    run_at(&acme, "bob", DAY_ONE, 4);
    run_at(&acme, "carol", DAY_THREE, 0);
    acme
}

#[test]
fn prune_leaves_a_checkpoint_and_what_remains_verifies_and_shows_an_edit() {
    let acme = three_runs();
    let (mallory, bob, carol) = (
        run_of(&acme, "E1007"),
        run_of(&acme, "E1002"),
        run_of(&acme, "E1003"),
    );
    let (hash, records) = final_hash(&std::fs::read_to_string(acme.run_file(&mallory)).unwrap());
    let before = acme.snapshot();

    let dry = acme
        .run(&["prune", "--before", CUTOFF, "--dry-run"], &[])
        .expect(0);
    assert!(
        dry.stdout.contains(&format!("would remove {mallory}")),
        "{dry}"
    );
    assert!(
        !dry.stdout.contains(&carol) && !dry.stdout.contains(&bob),
        "{dry}"
    );
    assert_eq!(acme.snapshot(), before, "a dry run changes nothing");

    let ledger_before = ledger_payloads(&acme);
    let pruned = acme
        .run(
            &["--format", "json", "prune", "--before", CUTOFF],
            &[("OFFBOARD_NOW", LATER)],
        )
        .expect(0);
    let outcome = pruned.json();
    assert_eq!(outcome["runs"][0]["run"], mallory.as_str(), "{pruned}");
    assert_eq!(outcome["runs"].as_array().unwrap().len(), 1, "{pruned}");
    assert_eq!(outcome["unfinished_kept"][0], bob.as_str(), "{pruned}");
    assert!(!acme.run_file(&mallory).exists());
    assert!(acme.run_file(&carol).exists() && acme.run_file(&bob).exists());

    // The checkpoint continues the ledger and lists mallory's final hash and length.
    let ledger = ledger_payloads(&acme);
    assert_eq!(ledger.len(), ledger_before.len() + 1);
    let checkpoint = ledger.last().unwrap();
    let (previous, _) = final_hash(
        &std::fs::read_to_string(acme.ledger())
            .unwrap()
            .lines()
            .take(ledger_before.len())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(checkpoint["event"], "ledger.checkpoint");
    assert_eq!(checkpoint["prev"], previous.as_str());
    assert_eq!(checkpoint["signer"], "it-ops@acme.example");
    assert_eq!(checkpoint["records"], 1);
    assert_eq!(
        checkpoint["pruned"],
        serde_json::json!([{"run": mallory, "hash": hash, "records": records}])
    );

    let verified = acme.run(&["verify"], &[]).expect(0);
    assert!(
        verified
            .stdout
            .contains(&format!("{mallory}: ok (pruned at a ledger checkpoint)")),
        "{verified}"
    );
    // One byte edited in a remaining run, then in the checkpoint itself, is found.
    let original = flip_byte(&acme.run_file(&carol), 3);
    let caught = acme.run(&["verify"], &[]).expect(1);
    assert!(caught.stdout.contains(&format!("{carol}: BAD")), "{caught}");
    std::fs::write(acme.run_file(&carol), original).unwrap();
    acme.run(&["verify"], &[]).expect(0);
    flip_byte(&acme.ledger(), ledger.len());
    let caught = acme.run(&["verify"], &[]).expect(1);
    assert!(caught.stdout.contains("ledger: BAD"), "{caught}");
}

#[test]
fn a_run_of_an_employee_under_legal_hold_refuses_the_prune() {
    let acme = Acme::new();
    run_at(&acme, "mallory", DAY_ONE, 0);
    // Frank (E1006) is under hold in holds.yaml and in HR.
    run_at(&acme, "frank", DAY_ONE, 0);
    let frank = run_of(&acme, "E1006");
    let before = acme.snapshot();
    for dry in [false, true] {
        let mut args = vec!["prune", "--before", CUTOFF];
        if dry {
            args.push("--dry-run");
        }
        let refused = acme.run(&args, &[]).expect(4);
        assert!(
            refused
                .stderr
                .contains(&format!("{frank} (employee E1006: Litigation 2026-117"))
                && refused.stderr.contains("Nothing was removed"),
            "{refused}"
        );
        assert!(!refused.stderr.contains("E1007"), "{refused}");
        assert_eq!(acme.snapshot(), before, "nothing removed or written");
    }
    acme.run(&["verify"], &[]).expect(0);
}

#[test]
fn a_cut_off_comes_from_before_or_policy_retention() {
    let acme = three_runs();
    let refused = acme.run(&["prune"], &[]).expect(2);
    assert!(
        refused
            .stderr
            .contains("pass --before DATE, or set policy.retention"),
        "{refused}"
    );
    let bad = acme.run(&["prune", "--before", "yesterday"], &[]).expect(2);
    assert!(
        bad.stderr.contains("--before `yesterday`: not a date"),
        "{bad}"
    );
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let with = config.replace("policy:\n", "policy:\n  retention: 3d\n");
    assert_ne!(with, config);
    std::fs::write(acme.config(), with).unwrap();
    // 2026-12-05 minus 3 days: mallory (day one) goes, carol (day three) stays.
    let pruned = acme.run(&["prune"], &[("OFFBOARD_NOW", LATER)]).expect(0);
    let mallory = "E1007-involuntary-leaver-20261201T100000Z";
    assert!(
        pruned.stdout.contains(&format!("removed {mallory}")),
        "{pruned}"
    );
    assert!(
        pruned.stdout.contains("before 2026-12-02T00:00:00Z"),
        "{pruned}"
    );
    assert_eq!(acme.runs().len(), 2, "{:?}", acme.runs());
    let again = acme.run(&["prune"], &[("OFFBOARD_NOW", LATER)]).expect(0);
    assert!(again.stdout.contains("nothing to prune"), "{again}");
}

#[test]
fn an_evidence_pack_made_before_a_prune_verifies_against_the_checkpoint() {
    let acme = three_runs();
    let mallory = run_of(&acme, "E1007");
    let pack = acme.root().join("pack");
    let pack = pack.to_str().unwrap();
    acme.run(&["report", "--evidence", pack], &[("OFFBOARD_NOW", LATER)])
        .expect(0);
    let copy = std::path::Path::new(pack).join(format!("journal/{mallory}.jsonl"));
    let (hash, _) = final_hash(&std::fs::read_to_string(&copy).unwrap());
    let before = acme.run(&["verify", "--evidence", pack], &[]).expect(0);
    assert!(
        before.stdout.contains(&format!(
            "journal/{mallory}.jsonl: matches the journal's first"
        )),
        "{before}"
    );
    acme.run(&["prune", "--before", CUTOFF], &[("OFFBOARD_NOW", LATER)])
        .expect(0);
    let after = acme.run(&["verify", "--evidence", pack], &[]).expect(0);
    assert!(
        after.stdout.contains(&format!(
            "journal/{mallory}.jsonl: pruned from the journal at ledger checkpoint"
        )) && after.stdout.contains(&hash),
        "{after}"
    );
    let json = acme
        .run(&["--format", "json", "verify", "--evidence", pack], &[])
        .expect(0)
        .json();
    let tied = json["journal_runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == mallory.as_str())
        .unwrap()
        .clone();
    assert_eq!(tied["tie"], "pruned", "{json}");

    // Without the checkpoint the journal no longer verifies, and the pack cannot be tied to
    // it.
    let text = std::fs::read_to_string(acme.ledger()).unwrap();
    let forged: Vec<String> = text.lines().map(str::to_owned).collect();
    let last = forged.len() - 1;
    let mut forged = forged;
    forged.truncate(last);
    std::fs::write(acme.ledger(), forged.join("\n") + "\n").unwrap();
    let lost = acme.run(&["verify", "--evidence", pack], &[]).expect(1);
    assert!(
        lost.stdout.contains("BAD: the journal does not verify (")
            && lost
                .stdout
                .contains("its file is missing or empty (deleted)")
            && lost.stdout.contains("cannot be tied to the journal"),
        "{lost}"
    );
}

#[test]
fn a_crash_between_checkpoint_and_removal_verifies_and_a_second_prune_finishes() {
    let acme = three_runs();
    let mallory = run_of(&acme, "E1007");
    let crashed = acme.run(
        &["prune", "--before", CUTOFF],
        &[
            ("OFFBOARD_NOW", LATER),
            ("OFFBOARD_CRASH_AFTER_WRITES", "1"),
        ],
    );
    assert_eq!(crashed.signal, Some(SIGABRT), "{crashed}");
    let ledger = ledger_payloads(&acme);
    assert_eq!(ledger.last().unwrap()["event"], "ledger.checkpoint");
    assert!(
        acme.run_file(&mallory).exists(),
        "the file outlived the crash"
    );

    let verified = acme.run(&["verify"], &[]).expect(0);
    assert!(
        verified.stdout.contains(&format!(
            "{mallory}: ok (pruned at a ledger checkpoint; its file is still there"
        )),
        "{verified}"
    );
    let rerun = acme
        .run(&["prune", "--before", CUTOFF], &[("OFFBOARD_NOW", LATER)])
        .expect(0);
    assert!(
        rerun.stdout.contains(&format!(
            "removed {mallory} (pruned by an earlier, interrupted prune)"
        )),
        "{rerun}"
    );
    assert!(!acme.run_file(&mallory).exists());
    assert_eq!(
        ledger_payloads(&acme).len(),
        ledger.len(),
        "no second checkpoint"
    );
    let verified = acme.run(&["verify"], &[]).expect(0);
    assert!(
        verified
            .stdout
            .contains(&format!("{mallory}: ok (pruned at a ledger checkpoint)")),
        "{verified}"
    );
}

#[test]
fn only_an_operator_signs_a_checkpoint() {
    let acme = three_runs();
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let procurement = config
        .replace("key: keys/it-ops", "key: keys/procurement")
        .replace(
            "principal: it-ops@acme.example",
            "principal: procurement@acme.example",
        );
    assert_ne!(procurement, config);
    std::fs::write(acme.config(), procurement).unwrap();
    let before = acme.snapshot();
    let refused = acme.run(&["prune", "--before", CUTOFF], &[]).expect(2);
    assert!(
        refused
            .stderr
            .contains("signer procurement@acme.example may not run playbooks")
            && refused.stderr.contains("operator role"),
        "{refused}"
    );
    assert_eq!(acme.snapshot(), before, "nothing removed or written");
}

#[test]
fn a_run_head_saved_elsewhere_is_judged_against_the_checkpoint_that_removed_the_run() {
    let acme = Acme::new();
    run_at(&acme, "bob", DAY_ONE, 4);
    let bob = run_of(&acme, "E1002");
    let verified = acme.run(&["verify"], &[]).expect(0);
    let open_head = verified
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("run head: "))
        .unwrap()
        .to_owned();
    // Bob's two sign-offs, then his staged hard delete: the run finishes and is sealed.
    let confirm = |step: &str, extra: &[&str]| {
        let mut args = vec!["confirm", bob.as_str(), step, "--note", "done"];
        args.extend(extra);
        acme.run(&args, &[("OFFBOARD_NOW", DAY_THREE)]).expect(0);
    };
    confirm("hand-over-mailbox", &[]);
    confirm(
        "record-asset-return",
        &[
            "--key",
            "keys/procurement",
            "--principal",
            "procurement@acme.example",
        ],
    );
    acme.run(&["due"], &[("OFFBOARD_NOW", "2026-12-28T00:00:00Z")])
        .expect(0);
    let (hash, records) = final_hash(&std::fs::read_to_string(acme.run_file(&bob)).unwrap());
    let last_head = format!("{bob}@{}:{hash}", records - 1);
    let beyond = format!("{bob}@{records}:{hash}");
    let forged = format!("{bob}@{}:sha256:{}", records - 1, "0".repeat(64));
    acme.run(
        &["prune", "--before", "2027-01-01"],
        &[("OFFBOARD_NOW", "2027-01-02T00:00:00Z")],
    )
    .expect(0);
    assert!(!acme.run_file(&bob).exists());

    let ok = acme
        .run(&["verify", "--head", &open_head, "--head", &last_head], &[])
        .expect(0);
    assert!(
        ok.stdout
            .contains("the removed records cannot be compared with the saved head")
            && ok.stdout.contains("lists the saved record as its last"),
        "{ok}"
    );
    let cut = acme.run(&["verify", "--head", &beyond], &[]).expect(1);
    assert!(
        cut.stdout
            .contains("records were cut off before it was sealed"),
        "{cut}"
    );
    let rewritten = acme.run(&["verify", "--head", &forged], &[]).expect(1);
    assert!(
        rewritten.stdout.contains("the chain was rewritten"),
        "{rewritten}"
    );
}
