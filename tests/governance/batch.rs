//! Batches (`run --from events.csv`): the limit needs `--max N`, the canary runs and the batch
//! pauses unless `--yes`, every employee gets a row in the outcome table, one broken record
//! does not stop the others, and the exit code is the worst outcome. The company is generated:
//! acme's configuration, glossary, roles, keys and playbooks with a roster of leavers.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::Value;

use crate::common::repo::{Repo, STORE};

/// Replace acme's people by `n` terminated engineers (E20000...) with an account, two groups,
/// two seats and a laptop each, and commit.
fn company(n: usize) -> Repo {
    let repo = Repo::acme();
    let mut hr = String::from(
        "employee_id,username,email,display_name,manager_id,manager_email,department,cost_centre,role,new_role,status,effective_at,employment,legal_hold\n",
    );
    let mut accounts = String::from("account_id,username,email,employee_id,active,sessions\n");
    let mut memberships = String::from("username,group\n");
    let mut seats = String::from("username,product,assigned_on\n");
    let mut assets = String::from("asset_tag,kind,username\n");
    hr.push_str("E19999,boss,boss@acme.example,Big Boss,,,R&D,CC-100,manager,,ACT,2020-01-01,employee,false\n");
    for i in 0..n {
        let (id, user) = (20000 + i, format!("user{i:04}"));
        let _ = writeln!(
            hr,
            "E{id},{user},{user}@acme.example,User {i},E19999,boss@acme.example,R&D,CC-100,engineer,,TERM,2026-11-28,employee,false"
        );
        let _ = writeln!(
            accounts,
            "acct-{id},{user},{user}@acme.example,E{id},true,1"
        );
        for group in ["all-staff", "engineering"] {
            let _ = writeln!(memberships, "{user},{group}");
        }
        for product in ["slack", "github"] {
            let _ = writeln!(seats, "{user},{product},2024-01-01");
        }
        let _ = writeln!(assets, "LT-{id},laptop,{user}");
    }
    repo.write("hr.csv", &hr);
    repo.write("holds.yaml", "version: 1\nholds: []\n");
    repo.write("data/accounts.csv", &accounts);
    repo.write("data/memberships.csv", &memberships);
    repo.write("data/seats.csv", &seats);
    repo.write("data/assets.csv", &assets);
    repo.commit("a company of leavers");
    repo
}

fn events(repo: &Repo, ids: &[String]) {
    let mut csv = String::from("employee_id,event,effective_at\n");
    for id in ids {
        let _ = writeln!(csv, "{id},termination,2026-11-28");
    }
    repo.write("events.csv", &csv);
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("E{}", 20000 + i)).collect()
}

fn deactivated(repo: &Repo) -> i64 {
    repo.count(
        "SELECT count(*) FROM accounts WHERE active = 0 AND employee_id LIKE 'E2%'",
        [],
    )
}

/// The rows of the JSON outcome table.
fn table(out: &crate::common::repo::Out) -> Vec<Value> {
    let report = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "batch.report")
        .unwrap_or_else(|| panic!("no batch.report in:\n{}", out.stdout));
    report["employees"].as_array().unwrap().clone()
}

#[test]
fn a_batch_of_500_needs_max_pauses_after_the_canary_and_runs_with_yes() {
    let started = Instant::now();
    let repo = company(500);
    events(&repo, &ids(500));
    // Seed the store, then nothing may change until the batch really runs.
    repo.offboard(["plan", "E20000"]).run();
    let store = repo.snapshot(STORE);

    let refused = repo
        .offboard(["run", "--from", "events.csv"])
        .status(2)
        .run();
    assert!(
        refused.stderr.contains("refusing a batch of 500 employees")
            && refused.stderr.contains("--max 500"),
        "{}",
        refused.stderr
    );
    assert!(
        repo.snapshot(STORE) == store,
        "the refused batch changed the store"
    );
    assert!(repo.runs().is_empty());

    // No --yes and no terminal: the canary runs, then the batch pauses.
    let paused = repo
        .offboard([
            "--format",
            "json",
            "run",
            "--from",
            "events.csv",
            "--max",
            "500",
        ])
        .status(4)
        .run();
    assert!(
        paused
            .stderr
            .contains("batch paused after the canary (3 employees)"),
        "{}",
        paused.stderr
    );
    let rows = table(&paused);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (row, id) in rows.iter().zip(ids(3)) {
        assert_eq!(row["employee"], id.as_str());
        assert_eq!(row["exit"], 0);
    }
    assert_eq!(rows[3]["employee"], "(497 more)");
    assert_eq!(rows[3]["exit"], 4);
    assert_eq!(deactivated(&repo), 3);
    assert_eq!(repo.runs().len(), 3);
    assert_eq!(
        repo.count("SELECT count(DISTINCT account_id) FROM changes", []),
        3,
        "the 497 others are untouched"
    );
    let canary_done = started.elapsed();

    let batch = Instant::now();
    let all = repo
        .offboard(["run", "--from", "events.csv", "--max", "500", "--yes"])
        .run();
    let batch = batch.elapsed();
    let header = all
        .stdout
        .lines()
        .position(|l| l.starts_with("employee ") && l.contains("exit  outcome"))
        .unwrap_or_else(|| panic!("no outcome table:\n{}", all.stdout));
    let table: Vec<&str> = all.stdout.lines().skip(header + 1).collect();
    assert_eq!(table.len(), 500, "{}", all.stdout);
    for (i, line) in table.iter().enumerate() {
        let expected = if i < 3 {
            "already finished"
        } else {
            "complete"
        };
        assert!(
            line.starts_with(&format!("E{} ", 20000 + i)) && line.ends_with(expected),
            "row {i}: {line}"
        );
    }
    assert_eq!(deactivated(&repo), 500);
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM accounts WHERE employee_id LIKE 'E2%' AND sessions = 0
             AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = accounts.account_id)
             AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.account_id = accounts.account_id)",
            []
        ),
        500
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE change = 'deactivate'",
            []
        ),
        500,
        "each account deactivated exactly once"
    );
    assert_eq!(repo.runs().len(), 500);
    let finished = repo
        .runs()
        .iter()
        .filter(|r| repo.journal(r).last().unwrap()["event"] == "run.finished")
        .count();
    assert_eq!(finished, 500);
    let verify = Instant::now();
    repo.offboard(["verify"]).run();
    eprintln!(
        "batch of 500: setup and canary {canary_done:?}, the rest of the batch {batch:?}, verify {:?}, total {:?}",
        verify.elapsed(),
        started.elapsed()
    );
}

#[test]
fn an_employee_hr_does_not_know_stops_the_batch_unless_skipped() {
    let repo = company(8);
    let mut listed = ids(8);
    listed.insert(5, "E99999".to_owned());
    listed.insert(2, "user9999".to_owned());
    events(&repo, &listed);
    repo.offboard(["plan", "E20000"]).run(); // seeds the store
    let store = repo.snapshot(STORE);

    // Without --skip-unknown: nothing runs, and every unknown name is listed.
    let refused = repo
        .offboard(["run", "--from", "events.csv", "--yes"])
        .status(2)
        .run();
    assert!(
        refused
            .stderr
            .contains("2 employee(s) of this batch are not in")
            && refused
                .stderr
                .contains("`user9999`, `E99999`; nothing was run"),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(repo.runs().is_empty());
    assert!(repo.snapshot(STORE) == store, "the refused batch wrote");

    // With it: the others run, the two skipped keep their rows (exit 2) and are named first.
    let out = repo
        .offboard([
            "--format",
            "json",
            "run",
            "--from",
            "events.csv",
            "--yes",
            "--skip-unknown",
        ])
        .status(2)
        .run();
    let rows = table(&out);
    assert_eq!(rows.len(), 10, "{rows:?}");
    for (row, id) in rows.iter().zip(&listed) {
        assert_eq!(row["employee"], id.as_str());
        let unknown = id == "E99999" || id == "user9999";
        assert_eq!(row["exit"], if unknown { 2 } else { 0 }, "{row}");
        assert_eq!(row["skipped"], unknown, "{row}");
    }
    assert!(
        rows[2]["summary"].as_str().unwrap().starts_with("skipped"),
        "{}",
        rows[2]
    );
    let warnings = json_lines(&out.stderr);
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert_eq!(
        warnings[0]["employees"],
        serde_json::json!(["user9999", "E99999"])
    );
    assert!(
        warnings[0]["warning"]
            .as_str()
            .unwrap()
            .starts_with("skipping 2 employee(s) not in"),
        "{}",
        warnings[0]
    );
    assert_eq!(deactivated(&repo), 8);
    assert_eq!(repo.runs().len(), 8);
}

/// Every line of `stderr`, each of which must be one JSON object.
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{stderr}"))
        })
        .collect()
}

/// Seed the store, then put a trigger on it that makes releasing `account`'s seats fail.
fn freeze_seats(repo: &Repo, account: &str) {
    repo.offboard(["plan", "E20000"]).run();
    repo.db()
        .execute_batch(&format!(
            "CREATE TRIGGER frozen BEFORE DELETE ON seats WHEN OLD.account_id = '{account}'
             BEGIN SELECT RAISE(ABORT, 'seats are frozen by the licence server'); END;"
        ))
        .unwrap();
}

#[test]
fn a_failed_canary_stops_the_batch_before_the_others() {
    let repo = company(6);
    freeze_seats(&repo, "acct-20001");
    events(&repo, &ids(6));
    let out = repo
        .offboard(["run", "--from", "events.csv", "--yes"])
        .status(3)
        .run();
    assert!(
        out.stderr
            .contains("canary failed: the remaining 3 employees were not started"),
        "{}",
        out.stderr
    );
    assert_eq!(deactivated(&repo), 3, "only the canary");
    assert_eq!(repo.runs().len(), 3);
}

#[test]
fn with_format_json_every_batch_warning_is_a_json_line() {
    let repo = company(6);
    freeze_seats(&repo, "acct-20001");
    // The boss is active: no playbook is triggered, so the row cannot start (exit 2).
    let mut listed = ids(6);
    listed.insert(1, "E19999".to_owned());
    listed.push("E99999".to_owned());
    events(&repo, &listed);
    let out = repo
        .offboard([
            "--format",
            "json",
            "run",
            "--from",
            "events.csv",
            "--yes",
            "--skip-unknown",
        ])
        .status(3)
        .run();
    let warnings = json_lines(&out.stderr);
    let texts: Vec<&str> = warnings
        .iter()
        .map(|w| w["warning"].as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 3, "{}", out.stderr);
    assert!(texts[0].starts_with("skipping 1 employee(s)"), "{texts:?}");
    assert_eq!(warnings[0]["employees"], serde_json::json!(["E99999"]));
    assert!(
        texts[1].starts_with("E19999: no playbook is triggered by status `active`"),
        "{texts:?}"
    );
    assert_eq!(warnings[1]["employees"], serde_json::json!(["E19999"]));
    assert_eq!(
        texts[2],
        "canary failed: the remaining 4 employees were not started"
    );
    assert!(warnings[2].get("employees").is_none(), "{}", warnings[2]);
    assert_eq!(
        deactivated(&repo),
        2,
        "E20000, and E20001 before its seats failed"
    );
}

#[test]
fn an_employee_named_twice_is_a_usage_error_before_anything_runs() {
    let repo = company(4);
    repo.offboard(["plan", "E20000"]).run(); // seeds the store
    let store = repo.snapshot(STORE);
    let cases: [(&[&str], &str); 3] = [
        (
            &["run", "E20000", "E20001", "E20000", "--yes"],
            "employee `E20000` is named twice on the command line",
        ),
        (
            &["run", "user0001", "E20002", "E20001", "--yes"],
            "`user0001` and `E20001` are the same employee (E20001)",
        ),
        (
            &["run", "E20003", "--from", "events.csv", "--yes"],
            "employee `E20003` is named on the command line and listed in events.csv",
        ),
    ];
    events(&repo, &ids(4)[2..]);
    for (args, message) in cases {
        let out = repo.offboard(args.iter().copied()).status(2).run();
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert!(
            !out.stdout.contains("exit  outcome"),
            "{args:?}: a batch table was printed:\n{}",
            out.stdout
        );
        assert!(repo.runs().is_empty(), "{args:?}: {:?}", repo.runs());
        assert!(repo.snapshot(STORE) == store, "{args:?} changed the store");
    }
    assert_eq!(deactivated(&repo), 0);
}

#[test]
fn a_csv_without_rows_is_a_usage_error_naming_the_file() {
    let repo = company(2);
    for (name, text) in [
        ("header-only.csv", "employee_id,event,effective_at\n"),
        ("empty.csv", ""),
    ] {
        repo.write(name, text);
        let out = repo
            .offboard(["run", "--from", name, "--yes"])
            .status(2)
            .run();
        assert!(
            out.stderr.contains(&format!("no employees in {name}")),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
    }
    assert!(repo.runs().is_empty());
}

#[test]
fn a_failed_step_outranks_a_row_that_could_not_start_and_a_waiting_one() {
    let repo = company(5);
    // E20002 resigned: the voluntary-leaver playbook waits for sign-off (exit 4).
    let hr = repo.read("hr.csv").replace(
        "E20002,user0002,user0002@acme.example,User 2,E19999,boss@acme.example,R&D,CC-100,engineer,,TERM,",
        "E20002,user0002,user0002@acme.example,User 2,E19999,boss@acme.example,R&D,CC-100,engineer,,RESIGN,",
    );
    assert!(hr.contains(",RESIGN,"));
    repo.write("hr.csv", &hr);
    repo.commit("user0002 resigned");
    repo.offboard(["plan", "E20000"]).run(); // seeds the store
    repo.db()
        .execute_batch(
            "CREATE TRIGGER frozen BEFORE DELETE ON seats WHEN OLD.account_id = 'acct-20003'
             BEGIN SELECT RAISE(ABORT, 'seats are frozen by the licence server'); END;",
        )
        .unwrap();
    // The canary (3) passes: done, done, waiting. Then: unknown (2), failed step (3), done.
    let listed: Vec<String> = ["E20000", "E20001", "E20002", "E99999", "E20003", "E20004"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    events(&repo, &listed);
    let out = repo
        .offboard([
            "--format",
            "json",
            "run",
            "--from",
            "events.csv",
            "--yes",
            "--skip-unknown",
        ])
        .status(3)
        .run();
    let rows = table(&out);
    let codes: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["employee"].as_str().unwrap().to_owned(),
                r["exit"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, i64)> = listed.iter().cloned().zip([0, 0, 4, 2, 3, 0]).collect();
    assert_eq!(codes, expected, "{}", out.stdout);
    // The failed row names its step and why, so the operator knows where to look.
    let failed = rows[4]["summary"].as_str().unwrap();
    assert!(
        failed.starts_with("step release-seats failed:")
            && failed.contains("seats are frozen by the licence server")
            && failed.ends_with("; resumable"),
        "{failed}"
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM seats WHERE account_id = 'acct-20003'",
            []
        ),
        2,
        "the frozen seats stay"
    );
    let failed = repo.run_of("E20003");
    assert_eq!(
        repo.events(&failed, "step.failed", "release-seats").len(),
        1
    );
}

/// At a terminal, each run of a batch going one at a time draws a bar whose first frame shows
/// the playbook's real number of steps, never `0/0`.
#[test]
fn the_progress_bar_of_a_batch_shows_its_total_from_the_first_frame() {
    let repo = company(2);
    let (code, screen) = repo.at_terminal(
        "run -j 1 E20000 E20001",
        b"",
        std::time::Duration::from_secs(60),
    );
    assert_eq!(code, Some(0), "{screen}");
    // `] POS/LEN` of every frame drawn, in order.
    let frames: Vec<(u32, u32)> = screen
        .match_indices("] ")
        .filter_map(|(at, _)| {
            let rest = &screen[at + 2..];
            let end = rest.find(|c: char| !c.is_ascii_digit() && c != '/')?;
            let (pos, len) = rest[..end].split_once('/')?;
            Some((pos.parse().ok()?, len.parse().ok()?))
        })
        .collect();
    assert!(frames.len() >= 2, "no bar drawn:\n{screen}");
    assert_eq!(frames[0], (0, 10), "first frame:\n{screen}");
    assert!(
        frames.iter().all(|&(_, len)| len == 10),
        "{frames:?}\n{screen}"
    );
    assert!(frames.contains(&(10, 10)), "{frames:?}");
    assert_eq!(deactivated(&repo), 2);
}
