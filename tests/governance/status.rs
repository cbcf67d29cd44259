//! `offboard status`: open runs with their pending steps, deadlines and due times; a finished
//! run by employee; an unknown name is a usage error.

use serde_json::Value;

use crate::common::repo::Repo;

#[test]
fn status_shows_open_runs_and_finished_ones_by_name() {
    let repo = Repo::acme();
    repo.offboard(["mallory"]).run();
    repo.offboard(["bob"]).status(4).run();
    let bob = repo.run_of("E1002");
    let mallory = repo.run_of("E1007");

    let human = repo.offboard(["status"]).run();
    let text = &human.stdout;
    assert!(
        text.starts_with(&format!("{bob} E1002 (voluntary-leaver): open")),
        "{text}"
    );
    assert!(
        !text.contains(&mallory),
        "finished runs are not listed: {text}"
    );
    let line = |step: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{step} ")))
            .unwrap_or_else(|| panic!("no line for {step}:\n{text}"))
            .to_owned()
    };
    // States in words; the machine names are for JSON.
    assert!(line("hand-over-mailbox").contains(" waiting "), "{text}");
    assert!(line("record-asset-return").contains(" waiting "), "{text}");
    assert!(line("mark-complete").contains(" not started "), "{text}");
    assert!(line("disable-account").contains(" confirmed "), "{text}");
    assert!(
        !text.contains("step.") && !text.contains("not_started"),
        "{text}"
    );
    let delete = line("hard-delete");
    assert!(delete.contains(" scheduled "), "{text}");
    assert!(delete.contains("deadline 2026-12-30T00:00:00Z"), "{text}");
    assert!(delete.contains("due 2026-12-27T00:00:00Z"), "{text}");
    // Confirmed on 2026-11-30, after its 4-hour deadline from the last day: still listed.
    assert!(line("disable-account").contains("BREACHED"), "{text}");

    let json = repo.offboard(["--format", "json", "status"]).run().json();
    let runs = json.as_array().unwrap();
    assert_eq!(runs.len(), 1, "{json:#}");
    assert_eq!(runs[0]["run"], bob.as_str());
    assert_eq!(runs[0]["finished"], false);
    assert_eq!(runs[0]["effective_at"], "2026-11-27T00:00:00Z");
    let steps = runs[0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 12);
    let states: Vec<&str> = steps.iter().map(|s| s["state"].as_str().unwrap()).collect();
    for machine in [
        "step.confirmed",
        "step.waiting",
        "not_started",
        "step.scheduled",
    ] {
        assert!(states.contains(&machine), "{machine}: {states:?}");
    }
    let pending: Vec<&str> = steps
        .iter()
        .filter(|s| s["confirmed_at"] == Value::Null)
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        pending,
        [
            "hand-over-mailbox",
            "record-asset-return",
            "mark-complete",
            "hard-delete"
        ]
    );

    let finished = repo.offboard(["status", "mallory"]).run();
    assert!(
        finished
            .stdout
            .starts_with(&format!("{mallory} E1007 (involuntary-leaver): finished")),
        "{}",
        finished.stdout
    );
    // Listed: steps confirmed after their deadline; not listed: those confirmed in time.
    assert!(
        finished
            .stdout
            .lines()
            .any(|l| l.contains("disable-account") && l.ends_with("BREACHED")),
        "{}",
        finished.stdout
    );
    assert!(
        !finished.stdout.contains("mark-complete"),
        "{}",
        finished.stdout
    );
    let by_id = repo
        .offboard(["--format", "json", "status", "E1007"])
        .run()
        .json();
    assert_eq!(by_id.as_array().unwrap().len(), 1);
    assert_eq!(by_id[0]["finished"], true);
    assert!(
        by_id[0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["confirmed_at"].is_string()),
        "{by_id:#}"
    );

    let unknown = repo.offboard(["status", "nobody"]).status(2).run();
    assert!(
        unknown.stderr.contains("no run or employee `nobody`"),
        "{}",
        unknown.stderr
    );
    assert_eq!(unknown.stdout, "");

    // Someone HR knows who has no run: an empty answer, not an error.
    let none = repo.offboard(["status", "alice"]).run();
    assert!(
        none.stdout.contains("no run for alice (E1001)"),
        "{}",
        none.stdout
    );
    let none = repo.offboard(["--format", "json", "status", "alice"]).run();
    assert_eq!(none.stdout.trim(), "[]");
}
