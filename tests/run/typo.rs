//! A mistyped command never offboards anyone: `offboard pln heidi` is a usage error before
//! anything is read or written, and a batch naming someone HR does not know stops before
//! anything runs (unless `--skip-unknown`). "Nothing" is checked byte for byte: the store, every
//! file under the journal directory (locks included) and the HR write-back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::acme::Acme;

/// Every file (with its bytes) and directory under the store's and the journal's directories,
/// and the HR write-back file: lock files included, since a refused command must not even open
/// the journal.
fn everything(acme: &Acme) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(path: &Path, into: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        if path.is_dir() {
            into.insert(path.to_path_buf(), None);
            for entry in std::fs::read_dir(path).unwrap() {
                walk(&entry.unwrap().path(), into);
            }
        } else if path.exists() {
            into.insert(path.to_path_buf(), Some(std::fs::read(path).unwrap()));
        }
    }
    let mut all = BTreeMap::new();
    walk(&acme.dir().join("state"), &mut all);
    walk(&acme.journal(), &mut all);
    walk(&acme.writeback(), &mut all);
    all
}

/// An Acme copy where mallory was offboarded: the store, a journal with a finished run and
/// locks, and the HR write-back all exist.
fn used_acme() -> Acme {
    let acme = Acme::new();
    acme.run(&["mallory"], &[]).expect(0);
    assert!(acme.db_path().is_file() && acme.writeback().is_file());
    acme
}

#[test]
fn a_mistyped_command_before_an_employee_changes_nothing() {
    let acme = used_acme();
    let before = everything(&acme);
    assert!(before.contains_key(&acme.db_path()));
    let heidi_active = || -> i64 {
        acme.db()
            .query_row(
                "SELECT active FROM accounts WHERE username = 'heidi'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(heidi_active(), 1);

    let typo = acme.run(&["pln", "heidi"], &[]).expect(2);
    assert!(
        typo.stderr
            .contains("`pln` is not a command: did you mean `offboard plan`?")
            && typo.stderr.contains("`offboard run pln`"),
        "{typo}"
    );
    assert!(typo.stdout.is_empty(), "{typo}");
    assert!(everything(&acme) == before, "`offboard pln heidi` wrote");
    assert_eq!(heidi_active(), 1);

    // The same through --format json: one error object, and still nothing written.
    let json = acme
        .run(&["--format", "json", "pln", "heidi"], &[])
        .expect(2);
    let error: serde_json::Value = serde_json::from_str(json.stderr.trim()).unwrap();
    assert_eq!(error["exit"], 2);
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("did you mean `offboard plan`?"),
        "{json}"
    );
    assert!(everything(&acme) == before);

    // On a fresh checkout not even the store is created.
    let fresh = Acme::new();
    fresh.run(&["stauts", "bob"], &[]).expect(2);
    assert!(
        everything(&fresh).is_empty(),
        "{:?}",
        everything(&fresh).keys()
    );
}

#[test]
fn a_batch_naming_someone_hr_does_not_know_stops_before_anything_runs() {
    let acme = used_acme();
    let before = everything(&acme);
    let refused = acme
        .run(&["run", "pln", "heidi", "ghost", "bob"], &[])
        .expect(2);
    assert!(
        refused
            .stderr
            .contains("2 employee(s) of this batch are not in")
            && refused
                .stderr
                .contains("`pln` (did you mean `offboard plan`?), `ghost`; nothing was run")
            && refused.stderr.contains("--skip-unknown"),
        "{refused}"
    );
    assert!(
        !refused.stdout.contains("exit  outcome"),
        "no batch table: {refused}"
    );
    assert!(everything(&acme) == before, "the refused batch wrote");

    // From a CSV too, every unknown name listed.
    std::fs::write(
        acme.dir().join("events.csv"),
        "employee_id\nheidi\nnobody1\nbob\nnobody2\n",
    )
    .unwrap();
    let before = everything(&acme);
    let refused = acme
        .run(&["run", "--from", "events.csv", "--yes"], &[])
        .expect(2);
    assert!(
        refused
            .stderr
            .contains("2 employee(s) of this batch are not in")
            && refused
                .stderr
                .contains("`nobody1`, `nobody2`; nothing was run"),
        "{refused}"
    );
    assert!(everything(&acme) == before, "the refused batch wrote");
}
