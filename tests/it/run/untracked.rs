//! A playbook repository in no git repository: `plan` and `run` say so on stderr (one JSON
//! object with `--format json`), and the journal's `run.started` records `"vcs": "none"`, no
//! commit, and the blob id of the content that ran.

use serde_json::Value;

use crate::support::acme::{Acme, MALLORY};

/// `git hash-object` of `file`, computed by git itself.
fn hash_object(file: &std::path::Path) -> String {
    let dir = file.parent().unwrap();
    let name = file.file_name().unwrap().to_str().unwrap();
    crate::support::git(dir, &["hash-object", name])
        .trim()
        .to_owned()
}

/// The lines of `stderr` that warn about version control.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("not under version control"))
        .collect()
}

#[test]
fn a_playbook_outside_git_is_flagged_in_the_plan_the_warning_and_the_journal() {
    let acme = Acme::untracked();
    let (ceiling, dir) = acme.outside_git();
    let env = [(ceiling, dir.as_str())];
    let playbook = acme.root().join("playbooks/involuntary-leaver.yaml");

    let plan = acme.run(&["plan", "mallory"], &env).expect(0);
    let warned = warnings(&plan.stderr);
    assert_eq!(warned.len(), 1, "{plan}");
    assert!(
        warned[0].starts_with("warning: playbook ")
            && warned[0].contains("involuntary-leaver.yaml")
            && warned[0].contains("\"vcs\": \"none\""),
        "{plan}"
    );
    let plan = acme
        .run(&["--format", "json", "plan", "mallory"], &env)
        .expect(0);
    let saved: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(saved["playbook_file"]["vcs"], "none", "{plan}");
    assert_eq!(saved["playbook_file"]["commit"], Value::Null, "{plan}");
    let warned = warnings(&plan.stderr);
    assert_eq!(warned.len(), 1, "{plan}");
    let warning: Value = serde_json::from_str(warned[0]).unwrap();
    assert_eq!(warning["warning"], "playbook_not_under_version_control");
    assert!(
        warning["playbook"]
            .as_str()
            .unwrap()
            .ends_with("involuntary-leaver.yaml")
    );

    let ran = acme
        .run(&["--format", "json", "run", "mallory"], &env)
        .expect(0);
    let warned = warnings(&ran.stderr);
    assert_eq!(warned.len(), 1, "{ran}");
    let warning: Value = serde_json::from_str(warned[0]).unwrap();
    assert_eq!(warning["warning"], "playbook_not_under_version_control");

    let run = acme.only_run();
    let started = &acme.payloads(&run)[0];
    assert_eq!(started["event"], "run.started");
    assert_eq!(started["employee"], MALLORY);
    let recorded = &started["playbook"];
    assert_eq!(recorded["vcs"], "none", "{recorded}");
    assert_eq!(recorded.get("commit"), None, "no commit: {recorded}");
    assert_eq!(recorded["dirty"], false, "{recorded}");
    assert_eq!(recorded["blob"], hash_object(&playbook), "{recorded}");
    assert!(
        recorded["path"]
            .as_str()
            .unwrap()
            .ends_with("playbooks/involuntary-leaver.yaml")
    );
    acme.run(&["verify"], &env).expect(0);

    // In git, nothing is said and the record names the repository.
    let tracked = Acme::new();
    let ran = tracked.run(&["run", "mallory"], &[]).expect(0);
    assert_eq!(warnings(&ran.stderr), Vec::<&str>::new(), "{ran}");
    let started = &tracked.payloads(&tracked.only_run())[0];
    assert_eq!(started["playbook"]["vcs"], "git");
    assert_eq!(started["playbook"]["commit"].as_str().unwrap().len(), 40);
}
