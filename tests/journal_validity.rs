//! The `valid-after`/`valid-before` options of `allowed_signers`: a key outside its window cannot
//! sign (the command refuses before writing anything), and `verify` judges each record at its own
//! `time`, so records signed while the key was valid still verify after it expires, as
//! `ssh-keygen -Y verify -Overify-time=` agrees.

mod common;
mod common_journal;

use std::path::Path;
use std::process::Command;

use common::acme::Acme;
use common_journal::{FIN, IT, fin_signer, it_signer, roles, write_run};
use offboard::journal::{AllowedSigners, Reason, RunStatus, verify};

/// Allowed signers with IT's key restricted by `it_options` (e.g. `valid-before="20200101Z"`).
fn allowed_with(it_options: &str) -> AllowedSigners {
    let text = format!(
        "{IT} {it_options} {}\n{FIN} {}\n",
        it_signer().public_key_openssh(),
        fin_signer().public_key_openssh()
    );
    AllowedSigners::parse(&text, Path::new("allowed_signers")).unwrap()
}

/// r1 sealed (ledger lines 1-2), r2 sealed (3-4), r3 open (5): all signed by IT, now.
fn journal(dir: &Path) {
    write_run(dir, "r1", "e-1", 1, true);
    write_run(dir, "r2", "e-2", 1, true);
    write_run(dir, "r3", "e-3", 1, false);
}

#[test]
fn records_are_judged_at_their_own_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    journal(&dir);
    let ledger = dir.join("ledger.jsonl");

    // A window around the signing time, and a second line renewing an expired one: fine.
    for options in [
        "valid-after=\"20200101Z\",valid-before=\"29991231Z\"",
        "valid-before=\"20200101Z\"",
    ] {
        let text = format!(
            "{IT} {options} {key}\n{IT} valid-after=\"20200101Z\" {key}\n",
            key = it_signer().public_key_openssh()
        );
        let allowed = AllowedSigners::parse(&text, Path::new("as")).unwrap();
        let report = verify(&dir, &allowed, &roles(), None);
        assert!(report.ok, "{options}: {report:#?}");
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    // Every record was signed after the key expired.
    let report = verify(
        &dir,
        &allowed_with("valid-before=\"20200101Z\""),
        &roles(),
        None,
    );
    assert!(!report.ok);
    let error = report.ledger.first_error.as_ref().unwrap();
    assert_eq!(error.line, 1);
    let Reason::KeyExpired {
        principal,
        time,
        valid_before,
    } = &error.reason
    else {
        panic!("{error:#?}");
    };
    assert_eq!(
        (principal.as_str(), valid_before.as_str()),
        (IT, "20200101Z")
    );
    assert!(time.as_str() > "2020", "{time}");
    // The message, in words, shows the time to the second; `time` keeps the record's value.
    assert_eq!(
        error.message,
        format!(
            "signed at {}Z, after the key of {IT} expired (valid-before 20200101Z in allowed_signers)",
            &time[..19]
        )
    );
    // Each run is unmatched because of its own ledger record, not "added or renamed".
    for (run, line) in [("r1", 1), ("r2", 3), ("r3", 5)] {
        let report = report.runs.iter().find(|r| r.run == run).unwrap();
        assert_eq!(report.status, RunStatus::Bad);
        let error = report.first_error.as_ref().unwrap();
        assert_eq!(
            error.reason,
            Reason::LedgerUnverified {
                ledger: ledger.clone(),
                line
            },
            "{run}"
        );
        assert!(
            error.to_string().ends_with(&format!(
                "the ledger failed verification at {}:{line}",
                ledger.display()
            )),
            "{error}"
        );
    }

    // A key valid only from the future.
    let report = verify(
        &dir,
        &allowed_with("valid-after=\"29990101Z\""),
        &roles(),
        None,
    );
    let error = report.ledger.first_error.as_ref().unwrap();
    assert!(
        matches!(&error.reason, Reason::KeyNotYetValid { valid_after, .. } if valid_after == "29990101Z"),
        "{error:#?}"
    );
}

/// Give it-ops@acme.example (the engine's signer) in the demo's `allowed_signers` the extra
/// options `options` (empty: none, as shipped).
fn restrict(acme: &Acme, options: &str) {
    let shipped = common::acme::source_root().join("examples/acme/allowed_signers");
    let text = std::fs::read_to_string(shipped).unwrap();
    let prefix = "it-ops@acme.example namespaces=\"offboard\" ";
    assert!(text.starts_with(prefix), "{text}");
    let text = match options {
        "" => text,
        _ => text.replacen(
            prefix,
            &format!("it-ops@acme.example namespaces=\"offboard\",{options} "),
            1,
        ),
    };
    std::fs::write(acme.dir().join("allowed_signers"), text).unwrap();
}

#[test]
fn a_key_outside_its_window_cannot_sign_and_nothing_is_written() {
    let acme = Acme::new();
    for (options, expected) in [
        (
            "valid-before=\"20200101Z\"",
            "lists that key as valid only until 20200101Z (valid-before), and it is 2026-11-19T12:00:00Z",
        ),
        (
            "valid-after=\"20270101\"",
            "lists that key as valid only from 20270101 (valid-after), and it is 2026-11-19T12:00:00Z",
        ),
    ] {
        restrict(&acme, options);
        let ran = acme
            .run(&["carol"], &[("OFFBOARD_NOW", "2026-11-19T12:00:00Z")])
            .expect(2);
        assert!(
            ran.stderr
                .contains("keys/it-ops cannot sign as `it-ops@acme.example`"),
            "{ran}"
        );
        assert!(ran.stderr.contains(expected), "{ran}");
        assert!(acme.snapshot().is_empty(), "{:?}", acme.snapshot().keys());
        assert!(!acme.journal().exists());
    }
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
fn records_signed_before_expiry_verify_after_it_with_offboard_and_ssh_keygen() {
    let acme = Acme::new();
    restrict(&acme, "valid-before=\"20200101Z\"");
    // Signed in 2019, while the key was valid.
    acme.run(&["carol"], &[("OFFBOARD_NOW", "2019-06-01T09:00:00Z")])
        .expect(0);
    let carol = acme.only_run();
    // Verified now, long after the key expired: each record is judged at its own time.
    let ran = acme.run(&["verify"], &[]).expect(0);
    assert!(ran.stdout.contains("ok (finished, sealed)"), "{ran}");
    assert!(!ran.stdout.contains("note:"), "{ran}");

    // The auditor's commands from the README, on the third record.
    let dir = acme.dir();
    let extract = format!(
        "sed -n 3p journal/{carol}.jsonl > rec.json && \
         jq -j .payload rec.json > msg && jq -r .sig rec.json > msg.sig"
    );
    assert!(sh(&dir, &extract).status.success());
    let plain = "ssh-keygen -Y verify -f allowed_signers -I it-ops@acme.example -n offboard \
                 -s msg.sig < msg";
    let now = sh(&dir, plain);
    assert!(!now.status.success());
    assert!(
        String::from_utf8_lossy(&now.stderr).contains("key has expired"),
        "{now:?}"
    );
    let at_signing = "t=$(jq -r .time msg | tr -d 'T:-' | cut -c1-14)Z && \
         ssh-keygen -Y verify -f allowed_signers -I it-ops@acme.example -n offboard \
         -Overify-time=$t -s msg.sig < msg";
    let then = sh(&dir, at_signing);
    assert!(then.status.success());
    assert!(String::from_utf8_lossy(&then.stdout).contains("Good \"offboard\" signature"));

    // A record signed after the key expired (forged here by lifting the limit to sign, then
    // restoring it) fails verification, named with its time.
    restrict(&acme, "");
    acme.run(&["mallory"], &[("OFFBOARD_NOW", "2026-11-19T12:00:00Z")])
        .expect(0);
    restrict(&acme, "valid-before=\"20200101Z\"");
    let ran = acme.run(&["verify"], &[]).expect(1);
    assert!(
        ran.stdout.contains(
            "signed at 2026-11-19T12:00:00Z, after the key of it-ops@acme.example expired \
             (valid-before 20200101Z in allowed_signers)"
        ),
        "{ran}"
    );
    // Carol's run, signed in time, still verifies.
    assert!(
        ran.stdout
            .contains(&format!("{carol}: ok (finished, sealed)")),
        "{ran}"
    );
}
