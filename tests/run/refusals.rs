//! What `offboard run` refuses before it touches anything: a second run of the same employee,
//! unknown employees and playbooks, statuses no playbook triggers, uncommitted playbooks.

use offboard::journal::EmployeeLock;

use crate::common::acme::{Acme, MALLORY};

/// Nothing was written: no store, no journal run.
#[track_caller]
fn untouched(acme: &Acme) {
    assert!(!acme.db_path().exists(), "the store was created");
    assert!(acme.runs().is_empty(), "runs: {:?}", acme.runs());
    assert!(!acme.writeback().exists());
}

#[test]
fn a_run_is_refused_while_another_holds_the_employee_lock() {
    let acme = Acme::new();
    std::fs::create_dir_all(acme.journal()).unwrap();
    let lock = EmployeeLock::acquire(&acme.journal(), MALLORY).unwrap();
    let refused = acme.run(&["mallory"], &[]).expect(2);
    assert!(
        refused.stderr.contains(&format!(
            "employee E1007 already has a run in progress (process {})",
            std::process::id()
        )),
        "{refused}"
    );
    untouched(&acme);
    // Another employee is not held up.
    acme.run(&["frank"], &[]).expect(0);
    drop(lock);
    acme.run(&["mallory"], &[]).expect(0);
    assert_eq!(acme.runs().len(), 2);
}

#[test]
fn unknown_employees_and_playbooks_and_untriggered_statuses_are_usage_errors() {
    let acme = Acme::new();
    let unknown = acme.run(&["nobody"], &[]).expect(2);
    assert!(
        unknown.stderr.contains("unknown employee `nobody`"),
        "{unknown}"
    );
    assert!(!unknown.stderr.contains("did you mean"), "{unknown}");
    // A mistyped command is not taken for an employee by the shorthand: name the command.
    let typo = acme.run(&["valdate"], &[]).expect(2);
    assert!(
        typo.stderr.contains("`valdate` is not a command")
            && typo.stderr.contains("did you mean `offboard validate`?"),
        "{typo}"
    );
    // Named as an employee explicitly, it is looked up, and the hint still given.
    let typo = acme.run(&["run", "valdate"], &[]).expect(2);
    assert!(
        typo.stderr.contains("unknown employee `valdate`")
            && typo.stderr.contains("did you mean `offboard validate`?"),
        "{typo}"
    );
    let by_id = acme.run(&["E9999"], &[]).expect(2);
    assert!(by_id.stderr.contains("unknown employee `E9999`"), "{by_id}");
    let active = acme.run(&["alice"], &[]).expect(2);
    assert!(
        active
            .stderr
            .contains("no playbook is triggered by status `active` of E1001"),
        "{active}"
    );
    let missing = acme
        .run(&["run", "mallory", "--playbook", "nonexistent"], &[])
        .expect(2);
    assert!(
        missing.stderr.contains("unknown playbook `nonexistent`")
            && missing.stderr.contains("involuntary-leaver"),
        "{missing}"
    );
    untouched(&acme);
}

#[test]
fn run_refuses_a_format_it_cannot_print_before_changing_anything() {
    let acme = Acme::new();
    for format in ["csv", "md", "html", "github"] {
        let refused = acme
            .run(&["--format", format, "run", "mallory"], &[])
            .expect(2);
        assert!(
            refused.stderr.contains(&format!(
                "`offboard run` prints human or json, not {format}"
            )),
            "{refused}"
        );
    }
    untouched(&acme);
}

#[test]
fn a_playbook_error_quoted_by_run_cannot_drive_the_terminal() {
    let acme = Acme::new();
    let playbook = acme.root().join("playbooks/involuntary-leaver.yaml");
    let text = std::fs::read_to_string(&playbook).unwrap();
    let text = text.replacen("risk: critical", "risk: \"crit\\e[31mical\\a\"", 1);
    std::fs::write(&playbook, text).unwrap();
    let refused = acme.run(&["mallory"], &[]).expect(2);
    assert!(refused.stderr.contains("crit"), "{refused}");
    assert!(
        !refused.stderr.contains('\u{1b}') && !refused.stderr.contains('\u{7}'),
        "{refused}"
    );
    untouched(&acme);
}

#[test]
fn an_uncommitted_playbook_is_refused_unless_allowed_and_recorded() {
    let acme = Acme::new();
    let playbook = acme.root().join("playbooks/involuntary-leaver.yaml");
    let mut text = std::fs::read_to_string(&playbook).unwrap();
    text.push_str("# an uncommitted edit\n");
    std::fs::write(&playbook, text).unwrap();

    let refused = acme.run(&["mallory"], &[]).expect(2);
    assert!(
        refused.stderr.contains("has uncommitted changes")
            && refused.stderr.contains("involuntary-leaver.yaml")
            && refused.stderr.contains("--allow-dirty"),
        "{refused}"
    );
    untouched(&acme);

    acme.run(&["run", "mallory", "--allow-dirty"], &[])
        .expect(0);
    let started = &acme.payloads(&acme.only_run())[0];
    assert_eq!(started["event"], "run.started");
    assert_eq!(started["playbook"]["dirty"], true);
    assert_eq!(started["evidence"]["allow_dirty"], true);
    // The blob recorded is that of the edited content that ran, as git would name it.
    let hashed = std::process::Command::new("git")
        .arg("hash-object")
        .arg(&playbook)
        .output()
        .unwrap();
    assert!(hashed.status.success());
    assert_eq!(
        started["playbook"]["blob"],
        String::from_utf8(hashed.stdout).unwrap().trim()
    );
    acme.run(&["verify"], &[]).expect(0);
}

/// Two HR rows sharing a username (or an email) make every lookup of either person an error
/// naming both rows by file and line, for `run`, the shorthand, a batch, `plan` and `status`
/// alike; nothing is written.
#[test]
fn an_employee_hr_lists_twice_under_one_username_or_email_is_ambiguous() {
    let acme = Acme::new();
    let hr = acme.dir().join("hr.csv");
    let roster = std::fs::read_to_string(&hr).unwrap();
    let second_mallory = "E1099,mallory,mallory.two@acme.example,Mallory Two,E1010,\
        ivan.petrov@acme.example,R&D,CC-100,engineer,,ACT,2024-01-01,employee,false\n";
    std::fs::write(&hr, format!("{roster}{second_mallory}")).unwrap();
    let rows = "hr.csv:8 (employee E1007) and ";
    let second = "hr.csv:26 (employee E1099)";
    for args in [
        &["mallory"][..],
        &["run", "mallory"],
        &["run", "E1007"],
        &["run", "bob", "mallory", "--yes"],
        &["plan", "mallory"],
        &["status", "mallory"],
    ] {
        let refused = acme.run(args, &[]).expect(2);
        assert!(
            refused
                .stderr
                .contains("`mallory` is the username of two HR rows: ")
                && refused.stderr.contains(rows)
                && refused.stderr.contains(second),
            "{args:?}: {refused}"
        );
        assert!(refused.stdout.is_empty(), "{args:?}: {refused}");
        untouched(&acme);
    }

    // An email shared (case aside) by two rows: the person cannot be told from the other in
    // the systems that find accounts by email.
    let other = "E1098,mhartmann,MALLORY.Hartmann@acme.example,M. Hartmann,E1010,\
        ivan.petrov@acme.example,R&D,CC-100,engineer,,ACT,2024-01-01,employee,false\n";
    std::fs::write(&hr, format!("{roster}{other}")).unwrap();
    let refused = acme.run(&["run", "mallory"], &[]).expect(2);
    assert!(
        refused
            .stderr
            .contains("`mallory.hartmann@acme.example` is the email of two HR rows: ")
            && refused.stderr.contains(rows)
            && refused.stderr.contains("hr.csv:26 (employee E1098)"),
        "{refused}"
    );
    untouched(&acme);
    // Someone else is found as before.
    acme.run(&["--format", "json", "plan", "frank"], &[])
        .expect(0);
}

#[test]
fn a_signer_without_an_operator_role_cannot_run_a_playbook() {
    let acme = Acme::new();
    let config = acme.config();
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace("key: keys/it-ops", "key: keys/procurement")
        .replace(
            "principal: it-ops@acme.example",
            "principal: procurement@acme.example",
        );
    std::fs::write(&config, text).unwrap();
    for args in [&["grace"][..], &["run", "grace", "mallory"][..]] {
        let refused = acme.run(args, &[]).expect(2);
        assert!(
            refused.stderr.contains(
                "signer procurement@acme.example may not run playbooks: it holds roles procurement"
            ) && refused
                .stderr
                .contains("only a holder of an operator role (iam; policy.operator_roles")
                && refused.stderr.contains("Nothing was written"),
            "{args:?}: {refused}"
        );
        untouched(&acme);
        assert!(
            !acme.journal().exists(),
            "{args:?}: the journal was created"
        );
    }

    // With `procurement` made the operator role, its holder may run (holding the roles of the
    // playbook's automatic steps, as before), and the run verifies.
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace(
            "procurement@acme.example: [procurement]",
            "procurement@acme.example: [procurement, iam]",
        )
        .replace("operator_roles: [iam]", "operator_roles: [procurement]");
    std::fs::write(&config, text).unwrap();
    acme.run(&["grace"], &[]).expect(0);
    assert_eq!(crate::mallory::account(&acme, "grace").0, 0);
    acme.run(&["verify"], &[]).expect(0);
}

#[test]
fn paths_in_messages_are_normalised_without_resolving_links() {
    // The configuration names its playbooks `../../playbooks`, relative to examples/acme.
    let acme = Acme::new();
    let playbooks = acme.root().join("playbooks");
    let playbook = playbooks.join("involuntary-leaver.yaml");
    let text = std::fs::read_to_string(&playbook).unwrap();
    std::fs::write(&playbook, format!("{text}# an uncommitted edit\n")).unwrap();
    let refused = acme.run(&["mallory"], &[]).expect(2);
    assert!(
        refused.stderr.contains(&format!(
            "playbook {} has uncommitted changes",
            playbook.display()
        )),
        "{refused}"
    );
    assert!(!refused.stderr.contains(".."), "{refused}");
    untouched(&acme);

    // A run whose playbook is gone: status names the directory it looked in.
    acme.run(&["run", "mallory", "--allow-dirty"], &[])
        .expect(0);
    std::fs::remove_file(&playbook).unwrap();
    let status = acme.run(&["status", "mallory"], &[]).expect(2);
    assert!(
        status.stderr.contains(&format!(
            "executes playbook `involuntary-leaver`, which is not in {}\n",
            playbooks.display()
        )),
        "{status}"
    );
    assert!(!status.stderr.contains(".."), "{status}");
}
