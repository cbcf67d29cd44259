//! `offboard plan`: it only reads; it prints the exact changes a run would make now (or that
//! they are already done); a run does exactly what the plan said; `run --plan` refuses a plan
//! the live state has drifted from.

use serde_json::{Value, json};

use crate::support::repo::{JOURNAL, Repo, STORE};

/// Everything a plan must not touch: the store and its WAL, the journal, the HR write-back.
fn writable_state(repo: &Repo) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = repo.snapshot(STORE);
    files.extend(repo.snapshot("state/acme.db-wal"));
    files.extend(repo.snapshot(JOURNAL));
    files.extend(repo.snapshot("hr.it-complete.csv"));
    files
}

/// The planned step `id` of a plan printed as JSON.
fn step<'p>(plan: &'p Value, id: &str) -> &'p Value {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {plan:#}"))
}

/// `(change kind, sorted names)` of every change a plan lists, in step order.
fn planned_changes(plan: &Value) -> Vec<(String, Vec<String>)> {
    let mut changes = Vec::new();
    for step in plan["steps"].as_array().unwrap() {
        for change in step["changes"].as_array().into_iter().flatten() {
            let kind = change["change"].as_str().unwrap().to_owned();
            let names = ["groups", "products", "assets"]
                .iter()
                .flat_map(|k| change[*k].as_array().cloned().unwrap_or_default())
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>();
            changes.push((kind, sorted(names)));
        }
    }
    changes
}

/// `(change kind, sorted names)` of the `changes` audit rows of `account` with id > `after`.
pub fn store_changes(repo: &Repo, account: &str, after: i64) -> Vec<(String, Vec<String>)> {
    let db = repo.db();
    let mut stmt = db
        .prepare("SELECT change, detail FROM changes WHERE account_id = ?1 AND id > ?2 ORDER BY id")
        .unwrap();
    stmt.query_map(rusqlite::params![account, after], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })
    .unwrap()
    .map(|row| {
        let (kind, detail) = row.unwrap();
        let detail: Value = serde_json::from_str(&detail).unwrap();
        let names = match kind.as_str() {
            "remove_groups" => detail["groups"].as_array().unwrap().clone(),
            "release_seats" => detail["seats"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["product"].clone())
                .collect(),
            _ => Vec::new(),
        };
        let names = names
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        (kind, sorted(names))
    })
    .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn plan_writes_nothing_and_prints_the_changes_seats_and_monthly_cost() {
    let repo = Repo::acme();
    // A finished run first, so that the store, the journal and the HR write-back file exist.
    repo.offboard(["grace"]).run();
    assert!(repo.join("hr.it-complete.csv").is_file());
    assert_eq!(repo.runs().len(), 1);
    let before = writable_state(&repo);
    assert!(
        before.len() >= 4,
        "store, ledger, run, write-back: {before:?}"
    );

    let human = repo.offboard(["plan", "mallory"]).run();
    let json = repo.offboard(["--format", "json", "plan", "mallory"]).run();
    let grace = repo.offboard(["plan", "grace"]).run();

    let after = writable_state(&repo);
    assert_eq!(before.len(), after.len(), "files appeared or vanished");
    for ((path, a), (path_after, b)) in before.iter().zip(&after) {
        assert_eq!(path, path_after);
        assert!(a == b, "plan changed {}", path.display());
    }

    let text = &human.stdout;
    for line in [
        "plan for E1007 (Mallory Hartmann) with involuntary-leaver:",
        "disable-account          would deactivate the account (directory: mallory)",
        "revoke-sessions          would revoke sessions (directory: mallory)",
        "remove-groups            would leave groups all-staff, engineering, prod-access, vpn (directory: mallory)",
        "release-seats            would release seats 1password, github, jetbrains, slack, workspace (inventory: mallory)",
        "totals: 9 step(s) would change something; 5 seat(s) released, 76.64/month",
    ] {
        assert!(text.contains(line), "plan lacks `{line}`:\n{text}");
    }
    // Each released seat with its monthly cost, right under the step that releases it.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("release-seats "))
        .unwrap();
    let seats: Vec<String> = lines[at + 1..at + 6]
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        seats,
        [
            "seat 1password 7.99/month",
            "seat github 21.00/month",
            "seat jetbrains 24.90/month",
            "seat slack 8.75/month",
            "seat workspace 14.00/month",
        ],
        "{text}"
    );
    // Each message with its rendered parameters.
    for (step, param) in [
        (
            "notify-security",
            "subject: Involuntary leaver: Mallory Hartmann (E1007)",
        ),
        (
            "notify-manager",
            "subject: Mallory Hartmann has left: please return their equipment",
        ),
        (
            "notify-manager",
            "text: Access for mallory was removed (run <new run id>). Please collect",
        ),
        ("notify-finance", "cost_centre: CC-100"),
        ("notify-finance", "reference: E1007"),
    ] {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{step} ")))
            .unwrap();
        assert!(
            lines[at].contains("would send ") && lines[at].contains("through `"),
            "{}",
            lines[at]
        );
        let block: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("   ") && !l.trim_start().contains("  "))
            .map(|l| l.trim())
            .collect();
        assert!(
            block.iter().any(|l| l.starts_with(param)),
            "{step} lacks `{param}`: {block:?}\n{text}"
        );
    }

    let plan = json.json();
    assert_eq!(plan["employee"], "E1007");
    assert_eq!(plan["run"], Value::Null);
    assert_eq!(plan["totals"]["seats"], 5);
    assert_eq!(plan["totals"]["monthly_cost_cents"], 7664);
    assert_eq!(plan["totals"]["changes"], 9);
    assert_eq!(
        step(&plan, "remove-groups")["changes"],
        json!([{"change": "remove_groups", "groups": ["all-staff", "engineering", "prod-access", "vpn"]}])
    );
    assert_eq!(
        step(&plan, "release-seats")["released_monthly_cost_cents"],
        7664
    );
    assert_eq!(
        step(&plan, "release-seats")["seats"],
        json!([
            {"product": "1password", "monthly_cost_cents": 799},
            {"product": "github", "monthly_cost_cents": 2100},
            {"product": "jetbrains", "monthly_cost_cents": 2490},
            {"product": "slack", "monthly_cost_cents": 875},
            {"product": "workspace", "monthly_cost_cents": 1400},
        ])
    );
    assert_eq!(
        step(&plan, "notify-manager")["params"]["subject"],
        "Mallory Hartmann has left: please return their equipment"
    );
    assert_eq!(
        step(&plan, "notify-security")["params"]["subject"],
        "Involuntary leaver: Mallory Hartmann (E1007)"
    );
    assert_eq!(
        step(&plan, "notify-manager")["detail"],
        "send notify.manager through `notify`"
    );
    assert!(step(&plan, "disable-account").get("seats").is_none());
    assert!(step(&plan, "disable-account").get("params").is_none());

    // The finished run of grace: the plan reads its journal and says so.
    assert!(
        grace
            .stdout
            .contains("continuing run E1008-involuntary-leaver-"),
        "{}",
        grace.stdout
    );
    assert!(
        grace
            .stdout
            .contains("totals: 0 step(s) would change something; 0 seat(s) released, 0.00/month"),
        "{}",
        grace.stdout
    );
}

#[test]
fn half_offboarded_plan_shows_only_what_is_left_and_the_run_does_exactly_that() {
    let repo = Repo::acme();
    repo.offboard(["plan", "carol"]).run(); // creates and seeds the store
    {
        let db = repo.db();
        db.execute(
            "UPDATE accounts SET active = 0 WHERE account_id = 'acct-1007'",
            [],
        )
        .unwrap();
        let removed = db
            .execute(
                "DELETE FROM memberships WHERE account_id = 'acct-1007'
                 AND group_name IN ('engineering', 'vpn')",
                [],
            )
            .unwrap();
        assert_eq!(removed, 2);
    }

    let human = repo.offboard(["plan", "mallory"]).run();
    assert!(
        human
            .stdout
            .contains("disable-account          already done"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(
            "remove-groups            would leave groups all-staff, prod-access (directory: mallory)"
        ),
        "{}",
        human.stdout
    );
    let plan = repo
        .offboard(["--format", "json", "plan", "mallory"])
        .run()
        .json();
    assert_eq!(step(&plan, "disable-account")["state"], "confirmed");
    assert_eq!(step(&plan, "disable-account")["changed"], false);
    let expected = vec![
        ("revoke_sessions".to_owned(), vec![]),
        ("retain_data".to_owned(), vec![]),
        (
            "remove_groups".to_owned(),
            strings(&["all-staff", "prod-access"]),
        ),
        (
            "release_seats".to_owned(),
            strings(&["1password", "github", "jetbrains", "slack", "workspace"]),
        ),
    ];
    assert_eq!(planned_changes(&plan), expected);

    let last: i64 = repo.count("SELECT coalesce(max(id), 0) FROM changes", []);
    repo.offboard(["mallory"]).run();
    assert_eq!(store_changes(&repo, "acct-1007", last), expected);
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM changes WHERE id > ?1 AND account_id <> 'acct-1007'",
            [last]
        ),
        0,
        "the run touched another account"
    );
    let run = repo.run_of("E1007");
    let disable = repo.events(&run, "step.confirmed", "disable-account");
    assert_eq!(disable.len(), 1);
    assert_eq!(disable[0]["evidence"]["changes"], json!([]));
    assert_eq!(disable[0]["evidence"]["before"]["active"], false);
}

#[test]
fn a_saved_plan_runs_and_a_drifted_one_is_refused_with_a_diff() {
    let repo = Repo::acme();
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    let saved: Value = serde_json::from_str(&repo.read("p.json")).unwrap();
    assert_eq!(saved["totals"]["monthly_cost_cents"], 7664);
    let out = repo.offboard(["run", "--plan", "p.json"]).run();
    assert!(
        out.stdout.contains("E1007: involuntary-leaver complete"),
        "{}",
        out.stdout
    );
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM accounts WHERE account_id = 'acct-1007' AND active = 0 AND sessions = 0",
            []
        ),
        1
    );
    assert_eq!(
        planned_changes(&saved),
        store_changes(&repo, "acct-1007", 0)
    );

    // Drift: someone removes a group by hand after the plan was saved.
    let repo = Repo::acme();
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    repo.db()
        .execute(
            "DELETE FROM memberships WHERE account_id = 'acct-1007' AND group_name = 'engineering'",
            [],
        )
        .unwrap();
    let before = writable_state(&repo);
    let refused = repo.offboard(["run", "--plan", "p.json"]).status(2).run();
    assert!(refused.stderr.contains("drifted"), "{}", refused.stderr);
    let diff: Vec<&str> = refused
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("remove-groups:"))
        .collect();
    assert_eq!(diff.len(), 1, "{}", refused.stderr);
    assert!(
        diff[0].contains("all-staff, engineering, prod-access, vpn")
            && diff[0].contains("-> would leave groups all-staff, prod-access, vpn"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("disable-account:"),
        "only the drifted step is named: {}",
        refused.stderr
    );
    let after = writable_state(&repo);
    assert!(
        before == after,
        "the refused run changed the store or journal"
    );
    assert!(repo.runs().is_empty());
    assert_eq!(repo.count("SELECT count(*) FROM changes", []), 0);
}

#[test]
fn a_saved_plan_cannot_be_given_an_employee_or_a_csv() {
    let repo = Repo::acme();
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    repo.write("events.csv", "employee_id\nE1004\n");
    let before = writable_state(&repo);
    for args in [
        &["run", "--plan", "p.json", "carol"][..],
        &["run", "--plan", "p.json", "mallory"],
        &["--plan", "p.json", "carol"],
        &["run", "--plan", "p.json", "--from", "events.csv"],
    ] {
        let out = repo.offboard(args.iter().copied()).status(2).run();
        assert!(
            out.stderr
                .contains("the argument '--plan <PLAN_JSON>' cannot be used with"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    assert!(before == writable_state(&repo), "a refused run wrote");
    assert!(repo.runs().is_empty());
    assert_eq!(
        repo.count("SELECT count(*) FROM accounts WHERE active = 0", []),
        0,
        "nobody was offboarded"
    );
    let help = repo.offboard(["run", "--help"]).run().stdout;
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("EMPLOYEE, --from and --playbook cannot be given with it"),
        "{help}"
    );
}

#[test]
fn plan_on_a_fresh_checkout_creates_the_store_from_its_seeds_and_changes_nothing_else() {
    let repo = Repo::acme();
    assert!(!repo.join(STORE).exists());
    repo.offboard(["plan", "mallory"]).run();
    assert!(repo.join(STORE).is_file(), "the embedded store is created");
    assert_eq!(
        repo.count(
            "SELECT count(*) FROM accounts WHERE account_id = 'acct-1007' AND active = 1",
            []
        ),
        1,
        "seeded, and mallory still active"
    );
    assert_eq!(repo.count("SELECT count(*) FROM changes", []), 0);
    assert_eq!(repo.count("SELECT count(*) FROM outbox", []), 0);
    assert!(repo.runs().is_empty());
    assert!(!repo.join("hr.it-complete.csv").exists());
    let help = repo.offboard(["plan", "--help"]).run().stdout;
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for phrase in [
        "No change is made to any system, the journal or HR",
        "creates the embedded store",
        "from its seed files",
    ] {
        assert!(
            help.contains(phrase),
            "plan --help lacks `{phrase}`:\n{help}"
        );
    }
}

#[test]
fn an_unsupported_format_is_named_as_typed() {
    let repo = Repo::acme();
    repo.offboard(["grace"]).run();
    for (args, message) in [
        (
            &["--format", "csv", "plan", "mallory"][..],
            "`offboard plan` prints human or json, not csv",
        ),
        (
            &["--format", "csv", "status"],
            "`offboard status` prints human or json, not csv",
        ),
        (
            &["--format", "md", "verify"],
            "`offboard verify` prints human or json, not md",
        ),
        (
            &["--format", "github", "verify"],
            "`offboard verify` prints human or json, not github",
        ),
        (
            &["--format", "csv", "report"],
            "`offboard report` prints human, json, md or html, not csv",
        ),
    ] {
        let out = repo.offboard(args.iter().copied()).status(2).run();
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        for internal in ["Csv", "Md", "Github"] {
            assert!(
                !out.stderr.contains(internal),
                "{args:?} leaks `{internal}`: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn a_saved_plan_pins_the_playbook_content_and_is_refused_after_it_changed() {
    let repo = Repo::acme();
    let file = "playbooks/involuntary-leaver.yaml";
    let committed = repo.git(&["rev-parse", &format!("HEAD:{file}")]);
    let committed = committed.trim();
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    let saved: Value = serde_json::from_str(&repo.read("p.json")).unwrap();
    assert_eq!(saved["playbook_file"]["path"], file);
    assert_eq!(saved["playbook_file"]["blob"], committed);
    assert_eq!(saved["playbook_file"]["dirty"], false);
    assert_eq!(
        saved["playbook_file"]["commit"],
        repo.git(&["rev-parse", "HEAD"]).trim()
    );

    // The subject of the security notice changes, and the change is committed.
    let text = repo.read(file);
    let edited = text.replace(
        "subject: \"Involuntary leaver: {{ employee.display_name }}",
        "subject: \"Terminated: {{ employee.display_name }}",
    );
    assert_ne!(text, edited);
    repo.write(file, &edited);
    repo.commit("reword the security notice");
    let before = writable_state(&repo);
    let refused = repo.offboard(["run", "--plan", "p.json"]).status(2).run();
    let err = &refused.stderr;
    for line in [
        "playbook involuntary-leaver changed since p.json was made; nothing was executed",
        &format!("  {file}: blob {} (commit ", &committed[..12]),
        "-      subject: \"Involuntary leaver: {{ employee.display_name }} ({{ employee.id }})\"",
        "+      subject: \"Terminated: {{ employee.display_name }} ({{ employee.id }})\"",
    ] {
        assert!(err.contains(line), "lacks `{line}`:\n{err}");
    }
    assert!(before == writable_state(&repo), "the refused run wrote");
    assert!(repo.runs().is_empty());
    assert_eq!(repo.count("SELECT count(*) FROM outbox", []), 0);

    // A plan made now runs, and the journal records the blob id the plan pinned.
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    let saved: Value = serde_json::from_str(&repo.read("p.json")).unwrap();
    repo.offboard(["run", "--plan", "p.json"]).run();
    let started = &repo.journal(&repo.run_of("E1007"))[0];
    assert_eq!(started["event"], "run.started");
    assert_eq!(started["playbook"]["blob"], saved["playbook_file"]["blob"]);
    assert_ne!(saved["playbook_file"]["blob"], committed);
    let subjects: Vec<String> = repo
        .db()
        .prepare("SELECT body FROM outbox WHERE topic = 'notify.security'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| {
            serde_json::from_str::<Value>(&b.unwrap()).unwrap()["params"]["subject"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(subjects, ["Terminated: Mallory Hartmann (E1007)"]);
}

#[test]
fn a_plan_without_the_playbook_identity_is_refused() {
    let repo = Repo::acme();
    repo.offboard(["plan", "mallory", "--out", "p.json"]).run();
    let mut saved: Value = serde_json::from_str(&repo.read("p.json")).unwrap();
    saved.as_object_mut().unwrap().remove("playbook_file");
    repo.write("p.json", &saved.to_string());
    let refused = repo.offboard(["run", "--plan", "p.json"]).status(2).run();
    assert!(
        refused
            .stderr
            .contains("p.json does not record which playbook content it was made with"),
        "{}",
        refused.stderr
    );
    assert!(repo.runs().is_empty());
}
