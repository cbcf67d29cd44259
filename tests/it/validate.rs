//! `offboard validate` and `offboard schema`, driven through the real binary.

use crate::support::{Test, fixtures, git};

/// Where an invalid fixture goes in a copy of the valid repository.
fn destination(name: &str) -> String {
    if name.starts_with("glossary-") {
        "glossary.yaml".into()
    } else if name.starts_with("roles-") {
        "roles.yaml".into()
    } else if name.starts_with("config-") {
        "offboard.yaml".into()
    } else if name.starts_with("service-accounts-") {
        "service-accounts.yaml".into()
    } else {
        format!("playbooks/{name}")
    }
}

#[test]
fn valid_repository_is_clean() {
    let out = Test::new()
        .fixture("valid", ".")
        .args(["validate"])
        .stdout("")
        .run();
    assert_eq!(out.stderr, "checked 4 files: 0 errors\n");
}

#[test]
fn valid_repository_as_json_and_from_outside() {
    let out = Test::new()
        .fixture("valid", "repo")
        .args(["validate", "--format", "json", "repo"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["files_checked"], 4);
    assert_eq!(json["errors"], 0);
    assert_eq!(json["diagnostics"], serde_json::json!([]));
}

#[test]
fn every_invalid_fixture_has_its_exact_diagnostics() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let target = destination(&name);
        let out = Test::new()
            .fixture("valid", ".")
            .fixture(&format!("invalid/{name}"), &target)
            .args(["validate", "--format", "json", target.as_str()])
            .status(1)
            .run();
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let codes: Vec<&str> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        // The file name says which codes the fixture is about; nothing else may be reported.
        for code in &codes {
            let code = code.to_lowercase();
            assert!(
                name.contains(&code) || name == "five-problems.yaml",
                "{name} reports {code}: {}",
                out.stdout
            );
        }
        let temp = out.dir.path().display().to_string();
        assert!(!out.stdout.contains(&temp), "temp paths never in output");
        let stem = name.trim_end_matches(".yaml");
        insta::assert_snapshot!(format!("invalid-{stem}"), out.stdout);
    }
}

const FIVE: &str = "playbooks/five-problems.yaml";

fn five_problems() -> Test {
    Test::new()
        .fixture("valid", ".")
        .fixture("invalid/five-problems.yaml", FIVE)
        .status(1)
}

#[test]
fn five_problems_as_json() {
    let out = five_problems()
        .args(["validate", "--format", "json", FIVE])
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(String, u64, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["file"], FIVE);
            assert_eq!(d["severity"], "error");
            assert!(!d["hint"].as_str().unwrap().is_empty());
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("OB002", 16, 5),
        ("OB014", 21, 13),
        ("OB017", 23, 59),
        ("OB015", 28, 13),
        ("OB022", 35, 11),
    ];
    let expected: Vec<(String, u64, u64)> = expected
        .iter()
        .map(|(c, l, k)| (c.to_string(), *l, *k))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(json["errors"], 5);
    assert_eq!(json["files_checked"], 4);
}

#[test]
fn five_problems_as_github_annotations() {
    five_problems()
        .args(["validate", "--format", "github", FIVE])
        .stdout(concat!(
            "::error file=playbooks/five-problems.yaml,line=16,col=5,title=OB002::unknown key `afer` in step%0Ahint: did you mean `after`?\n",
            "::error file=playbooks/five-problems.yaml,line=21,col=13,title=OB014::step `notify-manager` runs after `confirm-hr-recrod`, which is not a step of this playbook%0Ahint: did you mean `confirm-hr-record`?\n",
            "::error file=playbooks/five-problems.yaml,line=23,col=59,title=OB017::undefined template variable `employee.emial`%0Ahint: did you mean `employee.email`?\n",
            "::error file=playbooks/five-problems.yaml,line=28,col=13,title=OB015::dependency cycle: revoke-sessions -> remove-groups -> revoke-sessions%0Ahint: remove one of the `after` entries so the steps can run in order\n",
            "::error file=playbooks/five-problems.yaml,line=35,col=11,title=OB022::step `hard-delete` hard-deletes on `directory` without a prior disable on `directory`%0Ahint: add an `iam.deactivate` step on the same connector to its `after`\n",
        ))
        .run();
}

#[test]
fn five_problems_as_human_report() {
    let out = five_problems().args(["validate", FIVE]).run();
    assert_eq!(out.stderr, "checked 4 files: 5 errors\n");
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
    for (code, location) in [
        ("OB002", "five-problems.yaml:16:5]"),
        ("OB014", "five-problems.yaml:21:13]"),
        ("OB017", "five-problems.yaml:23:59]"),
        ("OB015", "five-problems.yaml:28:13]"),
        ("OB022", "five-problems.yaml:35:11]"),
    ] {
        assert!(out.stdout.contains(code), "{code}\n{}", out.stdout);
        assert!(out.stdout.contains(location), "{location}\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains("    afer: [confirm-hr-record]"),
        "source snippet"
    );
    assert!(out.stdout.contains("did you mean `after`?"), "hint");
    insta::assert_snapshot!("five-problems-human", out.stdout);
}

#[test]
fn playbooks_without_context_still_get_structural_checks() {
    let out = Test::new()
        .fixture("invalid/five-problems.yaml", "five.yaml")
        .args(["validate", "--format", "json", "five.yaml"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["errors"], 5, "{}", out.stdout);
}

#[test]
fn missing_path_is_a_usage_error() {
    let out = Test::new()
        .args(["validate", "nowhere.yaml"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("nowhere.yaml does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn formats_validate_does_not_print_are_usage_errors() {
    for format in ["csv", "md", "html"] {
        let out = Test::new()
            .fixture("valid", ".")
            .args(["validate", "--format", format])
            .status(2)
            .run();
        assert!(out.stderr.contains(format), "{}", out.stderr);
    }
}

#[test]
fn default_path_is_playbooks_and_missing_default_is_usage() {
    Test::new().args(["validate"]).status(2).run();
    Test::new()
        .fixture("valid/playbooks", "playbooks")
        .args(["validate"])
        .run();
}

#[test]
fn changed_since_checks_only_changed_playbooks() {
    let test = Test::new().fixture("valid", ".");
    let dir = test.path().to_path_buf();
    let git = |args: &[&str]| {
        git(&dir, args);
    };
    let broken = |name: &str| {
        std::fs::read_to_string(fixtures().join("invalid/ob021-data-not-preserved.yaml"))
            .unwrap()
            .replace("ob021-data-not-preserved", name)
    };
    git(&["init", "-q"]);
    std::fs::write(dir.join("playbooks/old-broken.yaml"), broken("old-broken")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "first"]);
    std::fs::write(dir.join("playbooks/committed.yaml"), broken("committed")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "second"]);
    // An uncommitted edit and an untracked file count as changes too.
    std::fs::write(dir.join("playbooks/untracked.yaml"), broken("untracked")).unwrap();
    let edited = std::fs::read_to_string(dir.join("playbooks/voluntary-leaver.yaml"))
        .unwrap()
        .replace("risk: low\n    at: +30d", "risk: low\n    at: +30days");
    std::fs::write(dir.join("playbooks/voluntary-leaver.yaml"), edited).unwrap();

    let out = Test::in_dir(test.into_dir())
        .args(["validate", "--format", "json", "--changed-since", "HEAD~1"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut files: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    files.dedup();
    assert_eq!(
        files,
        [
            "playbooks/committed.yaml",
            "playbooks/untracked.yaml",
            "playbooks/voluntary-leaver.yaml"
        ],
        "{}",
        out.stdout
    );
    assert_eq!(json["files_checked"], 3);

    // Without the filter the old broken playbook is reported as well.
    let out = Test::in_dir(out.dir)
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    assert!(out.stdout.contains("playbooks/old-broken.yaml"));

    Test::in_dir(out.dir)
        .args(["validate", "--changed-since", "no-such-rev"])
        .status(2)
        .run();
}

#[test]
fn committed_schema_is_current() {
    let out = Test::new().args(["schema"]).run();
    let committed =
        std::fs::read_to_string(fixtures().join("../../schema/playbook.schema.json")).unwrap();
    assert_eq!(out.stdout, committed);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

/// Run git in `dir` with a fixed identity.
fn codes_and_messages(stdout: &str) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_broken_glossary_does_not_hide_playbook_errors() {
    let out = Test::new()
        .fixture("valid", ".")
        .file(
            "glossary.yaml",
            "version: 1\nstatuses:\n  terminated: { codes: [TERM, X] }\n  resigned: { codes: [X] }\n",
        )
        .file(
            "playbooks/leave.yaml",
            &std::fs::read_to_string(fixtures().join("valid/playbooks/voluntary-leaver.yaml"))
                .unwrap()
                .replace("name: voluntary-leaver", "name: leave")
                .replace("triggers: [resigned]", "triggers: [terminated, on_leave, active]"),
        )
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    assert_eq!(
        codes_and_messages(&out.stdout),
        [
            (
                "OB030".to_owned(),
                "raw code `X` is already mapped to `terminated`".to_owned()
            ),
            (
                "OB018".to_owned(),
                "trigger `on_leave` is not a status of the glossary".to_owned()
            ),
            (
                "OB018".to_owned(),
                "trigger `active` is not a status of the glossary".to_owned()
            ),
        ],
        "both statuses of the duplicate code stay defined: {}",
        out.stdout
    );
}

#[test]
fn a_broken_config_does_not_hide_playbook_errors() {
    let config = std::fs::read_to_string(fixtures().join("valid/offboard.yaml"))
        .unwrap()
        .replace("  path: hr.csv", "  path: nope.csv");
    let playbook =
        std::fs::read_to_string(fixtures().join("valid/playbooks/voluntary-leaver.yaml"))
            .unwrap()
            .replacen("connector: finance", "connector: nowhere", 1);
    let out = Test::new()
        .fixture("valid", ".")
        .file("offboard.yaml", &config)
        .file("playbooks/voluntary-leaver.yaml", &playbook)
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    let found: Vec<String> = codes_and_messages(&out.stdout)
        .into_iter()
        .map(|(c, m)| format!("{c} {m}"))
        .collect();
    assert_eq!(
        found,
        [
            "OB050 invalid configuration: `path` names `nope.csv`, which does not exist",
            "OB011 unknown connector `nowhere` (not defined in offboard.yaml)",
        ],
        "{}",
        out.stdout
    );

    // A connector whose own settings are invalid is still defined: no OB011 for using it.
    let config = std::fs::read_to_string(fixtures().join("valid/offboard.yaml"))
        .unwrap()
        .replace("    path: state/acme.db\n", "    path: [state/acme.db]\n");
    let out = Test::new()
        .fixture("valid", ".")
        .file("offboard.yaml", &config)
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    let codes: Vec<String> = codes_and_messages(&out.stdout)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(codes, ["OB005"], "{}", out.stdout);
}

#[test]
fn changed_since_checks_every_playbook_when_a_dependency_changed() {
    let test = Test::new().fixture("valid", ".").file(
        "playbooks/leave.yaml",
        &std::fs::read_to_string(fixtures().join("valid/playbooks/voluntary-leaver.yaml"))
            .unwrap()
            .replace("name: voluntary-leaver", "name: leave")
            .replace("triggers: [resigned]", "triggers: [on_leave]"),
    );
    let dir = test.path().to_path_buf();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    let glossary = std::fs::read_to_string(dir.join("glossary.yaml")).unwrap();
    let without: String = glossary
        .lines()
        .filter(|l| !l.contains("on_leave"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("glossary.yaml"), without).unwrap();

    let out = Test::in_dir(test.into_dir())
        .args(["validate", "--format", "json", "--changed-since", "HEAD"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["code"], "OB018", "{}", out.stdout);
    assert_eq!(json["diagnostics"][0]["file"], "playbooks/leave.yaml");
    assert_eq!(json["files_checked"], 5);
    assert_eq!(
        json["changed_since"],
        serde_json::json!({
            "revision": "HEAD",
            "all_checked": true,
            "dependencies_changed": ["glossary.yaml"]
        })
    );
    let out = Test::in_dir(out.dir)
        .args(["validate", "--changed-since", "HEAD"])
        .status(1)
        .run();
    assert_eq!(
        out.stderr,
        "checked 5 files: 1 error (every file checked: glossary.yaml changed since HEAD)\n"
    );

    // Deleting a dependency counts as changing it.
    git(out.dir.path(), &["checkout", "-q", "--", "glossary.yaml"]);
    std::fs::remove_file(out.dir.path().join("roles.yaml")).unwrap();
    let out = Test::in_dir(out.dir)
        .args(["validate", "--format", "json", "--changed-since", "HEAD"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["changed_since"]["dependencies_changed"],
        serde_json::json!(["roles.yaml"]),
        "{}",
        out.stdout
    );

    // Nothing changed: nothing checked, clean.
    git(out.dir.path(), &["checkout", "-q", "--", "roles.yaml"]);
    let out = Test::in_dir(out.dir)
        .args(["validate", "--changed-since", "HEAD"])
        .run();
    assert_eq!(
        out.stderr,
        "checked 0 files: 0 errors (nothing changed since HEAD)\n"
    );
}

#[test]
fn playbooks_sharing_a_trigger_or_a_name_are_reported_at_the_second() {
    let base =
        std::fs::read_to_string(fixtures().join("valid/playbooks/voluntary-leaver.yaml")).unwrap();
    let out = Test::new()
        .fixture("valid", ".")
        .file(
            "playbooks/zz-second.yaml",
            &base.replace("name: voluntary-leaver", "name: zz-second"),
        )
        .file(
            "playbooks/zz-third.yaml",
            &base.replace("[resigned]", "[terminated]"),
        )
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(String, String, u64, u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["hint"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "playbooks/zz-second.yaml".to_owned(),
                "OB025".to_owned(),
                9,
                12,
                "`run` needs one playbook per status: remove this trigger or the one of `voluntary-leaver` at playbooks/voluntary-leaver.yaml:9:12".to_owned()
            ),
            (
                "playbooks/zz-third.yaml".to_owned(),
                "OB026".to_owned(),
                3,
                7,
                "give every playbook its own name (the other is at playbooks/voluntary-leaver.yaml:3:7)".to_owned()
            ),
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn human_columns_count_characters_like_json() {
    let playbook =
        std::fs::read_to_string(fixtures().join("valid/playbooks/voluntary-leaver.yaml"))
            .unwrap()
            .replace(
                "cost_centre: \"{{ employee.cost_centre }}\"",
                "cost_centre: \"Adiós — {{ employee.nope }}\"",
            );
    let test = || {
        Test::new()
            .fixture("valid", ".")
            .file("playbooks/voluntary-leaver.yaml", &playbook)
            .status(1)
    };
    let json = test().args(["validate", "--format", "json"]).run();
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let column = json["diagnostics"][0]["column"].as_u64().unwrap();
    assert_eq!(
        (json["diagnostics"][0]["line"].as_u64(), column),
        (Some(42), 32)
    );
    let human = test().args(["validate"]).run();
    assert!(
        human.stdout.contains("voluntary-leaver.yaml:42:32]"),
        "{}",
        human.stdout
    );
}

#[test]
fn control_bytes_are_not_echoed_raw() {
    let out = Test::new()
        .file(
            "p.yaml",
            "version: 1\nname: \"a\u{1b}[31mred\u{7}\"\nfoo: 1\n",
        )
        .args(["validate", "p.yaml"])
        .status(1)
        .run();
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{7}'), "{}", out.stdout);
    assert!(
        out.stdout.contains("\u{241b}[31mred\u{2407}"),
        "{}",
        out.stdout
    );
}

#[test]
fn github_paths_are_relative_to_the_repository_root() {
    let test = Test::new().fixture("invalid/five-problems.yaml", "playbooks/five.yaml");
    git(test.path(), &["init", "-q"]);
    let dir = test.into_dir();
    let out = Test::at(dir.path().join("playbooks"))
        .args(["validate", "--format", "github", "five.yaml"])
        .output();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    for line in stdout.lines() {
        assert!(
            line.starts_with("::error file=playbooks/five.yaml,line="),
            "{line}"
        );
    }
}

#[test]
fn colour_follows_no_color_only_when_it_is_set_to_something() {
    // Not a terminal: never colour, whatever NO_COLOR says.
    let out = five_problems()
        .env("NO_COLOR", "")
        .args(["validate", FIVE])
        .run();
    assert!(!out.stdout.contains('\u{1b}'));
}

#[test]
fn usage_errors_name_the_problem() {
    let out = Test::new()
        .fixture("valid", ".")
        .args(["--config", "playbooks", "validate"])
        .status(2)
        .run();
    // Worded as every other command words it.
    assert!(
        out.stderr.contains(
            "error: configuration playbooks is a directory; pass the offboard.yaml file in it"
        ),
        "{}",
        out.stderr
    );
    let out = Test::new()
        .file("empty/.keep", "")
        .args(["validate", "empty"])
        .status(2)
        .run();
    assert!(
        out.stderr
            .contains("no playbook found in empty: it holds no .yaml or .yml file"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_document_over_budget_is_worded_for_people() {
    let mut text = String::from("version: 1\nname: x\nsteps:\n");
    for _ in 0..6000 {
        text.push_str("  - [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]\n");
    }
    let out = Test::new()
        .file("big.yaml", &text)
        .args(["validate", "--format", "json", "big.yaml"])
        .status(1)
        .run();
    assert_eq!(
        codes_and_messages(&out.stdout),
        [(
            "OB001".to_owned(),
            "YAML syntax error: the document has more than 100000 nodes".to_owned()
        )]
    );
}

/// The shipped layout in a temp directory: `examples/acme` (whose configuration names
/// `playbooks: ../../playbooks`) and the repository's `playbooks`, each file passed through
/// `edit` (path relative to the temp directory, text) on the way.
fn acme_layout(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["examples/acme", "playbooks"] {
        crate::support::copy_dir(&root.join(folder), &dir.path().join(folder));
    }
    for file in [
        "examples/acme/offboard.yaml",
        "playbooks/leave-of-absence.yaml",
        "playbooks/mover.yaml",
    ] {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(file, text)).unwrap();
    }
    dir
}

/// Run the binary in `dir` with `args`: exit code, stdout, stderr.
fn offboard_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Test::at(dir).args(args).output();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Code, file, line, column and hint of each diagnostic of a JSON report.
fn located(stdout: &str) -> Vec<(String, String, u64, u64, String)> {
    let json: serde_json::Value = serde_json::from_str(stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["hint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_misspelled_parameter_of_a_shipped_playbook_is_an_error() {
    // `relase: none` would leave the default, `release: all`: every seat released.
    let dir = acme_layout(|file, text| match file {
        "playbooks/leave-of-absence.yaml" => text.replace("release: none", "relase: none"),
        "playbooks/mover.yaml" => text.replacen("subject:", "subjct:", 1),
        _ => text,
    });
    let acme = dir.path().join("examples/acme");
    let (code, stdout, stderr) = offboard_in(&acme, &["validate", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        located(&stdout),
        [
            (
                "OB002".to_owned(),
                "../../playbooks/leave-of-absence.yaml".to_owned(),
                50,
                7,
                "did you mean `release`?".to_owned()
            ),
            (
                "OB002".to_owned(),
                "../../playbooks/mover.yaml".to_owned(),
                69,
                7,
                "did you mean `subject`?".to_owned()
            ),
        ]
    );
    // The engine loads through the same analyzer: the run refuses before touching anything.
    let (code, stdout, stderr) = offboard_in(&acme, &["plan", "dave"]);
    assert_ne!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("OB002 unknown key `relase`"), "{stderr}");
}

#[test]
fn the_service_account_list_is_checked_with_the_repository_and_refused_by_reconcile() {
    let dir = acme_layout(|_, text| text);
    let acme = dir.path().join("examples/acme");
    std::fs::write(
        acme.join("service-accounts.yaml"),
        "version: 1\nservice_accounts:\n  - account: svc-backup\n    owner: it-ops\n  - acount: svc-ci\n    owner: it-ops\n",
    )
    .unwrap();
    let (code, stdout, stderr) = offboard_in(&acme, &["validate", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        located(&stdout),
        [
            (
                "OB002".to_owned(),
                "service-accounts.yaml".to_owned(),
                5,
                5,
                "did you mean `account`?".to_owned()
            ),
            (
                "OB004".to_owned(),
                "service-accounts.yaml".to_owned(),
                5,
                5,
                "add `account:`".to_owned()
            ),
        ]
    );
    // Reconcile reads the list by the same rules, and stops rather than use half of it.
    let (code, stdout, stderr) = offboard_in(&acme, &["reconcile", "--no-save"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.contains("service-accounts.yaml: 2 problem(s)")
            && stderr.contains(
                "service-accounts.yaml:5:5: OB002 unknown key `acount` in service account"
            ),
        "{stderr}"
    );
}

#[test]
fn the_examples_validate_from_their_own_directory() {
    let dir = acme_layout(|_, text| text);
    let (code, stdout, stderr) = offboard_in(&dir.path().join("examples/acme"), &["validate"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    // offboard.yaml, glossary, roles, holds, service accounts and the five playbooks.
    assert_eq!(stderr, "checked 10 files: 0 errors\n");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let northwind = dir.path().join("northwind");
    crate::support::copy_dir(&root.join("examples/northwind"), &northwind);
    let (code, stdout, stderr) = offboard_in(&northwind, &["validate"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert!(stderr.ends_with(" 0 errors\n"), "{stderr}");
}

#[test]
fn a_config_that_does_not_parse_is_reported_whatever_its_playbooks_folder() {
    // examples/acme keeps its playbooks in `../../playbooks`: with the configuration unreadable
    // that folder is unknown, which must not hide the syntax error behind a usage error.
    let dir = acme_layout(|file, text| match file {
        "examples/acme/offboard.yaml" => {
            text.replace("\nroles: roles.yaml", "\nroles: [roles.yaml")
        }
        _ => text,
    });
    let acme = dir.path().join("examples/acme");
    let (code, stdout, stderr) = offboard_in(&acme, &["validate", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        located(&stdout),
        [(
            "OB001".to_owned(),
            "offboard.yaml".to_owned(),
            10,
            10,
            "fix the YAML syntax at this position (check indentation, quotes and brackets)"
                .to_owned()
        )]
    );
    // What else could be checked was: the glossary and role matrix beside it (their defaults)
    // and the service-account list.
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["files_checked"], 4, "{stdout}");
    let (code, stdout, stderr) = offboard_in(&acme, &["validate"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("offboard.yaml:10:10]"), "{stdout}");
    assert_eq!(stderr, "checked 4 files: 1 error\n");
}

#[test]
fn a_path_outside_the_configured_repository_is_checked_against_the_current_one() {
    let dir = acme_layout(|file, text| match file {
        "playbooks/mover.yaml" => text.replacen("connector: inventory", "connector: inventroy", 1),
        _ => text,
    });
    let acme = dir.path().join("examples/acme");
    // No offboard.yaml above ../../playbooks: the one of the current directory is the context.
    let (code, stdout, stderr) =
        offboard_in(&acme, &["validate", "--format", "json", "../../playbooks"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let found = located(&stdout);
    assert_eq!(found.len(), 1, "{stdout}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str(), found[0].2),
        ("OB011", "../../playbooks/mover.yaml", 44)
    );
}

#[test]
fn the_configuration_above_path_wins_over_the_current_directorys() {
    // `here` defines no `directory` connector, `there` (holding PATH) does.
    let test = Test::new()
        .fixture("valid", "there")
        .fixture("valid", "here");
    let config = test.path().join("here/offboard.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\n  directory:\n", "\n  directory2:\n"),
    )
    .unwrap();
    let dir = test.into_dir();
    let here = dir.path().join("here");
    let (code, stdout, stderr) = offboard_in(&here, &["validate", "../there/playbooks"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(stderr, "checked 4 files: 0 errors\n");
    let (code, stdout, _) = offboard_in(&here, &["validate", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(
        located(&stdout).iter().all(|d| d.0 == "OB011"),
        "the current directory's own configuration lacks `directory`: {stdout}"
    );
}

/// A step the approval policy gates needs a second holder of its owner role: the run's own signer
/// cannot approve it, so with one holder the run could never get past it.
#[test]
fn a_gated_step_needs_a_second_holder_of_its_role() {
    let require_high = |file: &str, text: String| {
        if file == "examples/acme/offboard.yaml" {
            text.replace("approval_required: []", "approval_required: [high]")
        } else {
            text
        }
    };
    // Two holders of `iam` (it-ops and it-lead): clean.
    let dir = acme_layout(require_high);
    let acme = dir.path().join("examples/acme");
    let (code, stdout, stderr) = offboard_in(&acme, &["--format", "json", "validate"]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // it-lead gone: every gated iam step of every playbook is OB027, at its `owner`.
    let dir = acme_layout(|file, text| {
        require_high(file, text).replace(
            "  it-lead@acme.example: [iam]",
            "  # it-lead@acme.example: [iam]",
        )
    });
    let acme = dir.path().join("examples/acme");
    let (code, stdout, _) = offboard_in(&acme, &["--format", "json", "validate"]);
    assert_eq!(code, 1, "{stdout}");
    let found = located(&stdout);
    assert!(
        !found.is_empty() && found.iter().all(|d| d.0 == "OB027"),
        "{found:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let disable = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["file"]
                .as_str()
                .unwrap()
                .ends_with("involuntary-leaver.yaml")
                && d["message"].as_str().unwrap().contains("`disable-account`")
        })
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        disable["message"]
            .as_str()
            .unwrap()
            .contains("only 1 principal(s) hold its role `iam`"),
        "{disable}"
    );
    // The HR check only reads: never gated, never reported.
    assert!(!stdout.contains("`confirm-termination`"), "{stdout}");
}

/// `policy.operator_roles` names the roles whose holders may run playbooks: each must be held by
/// a signer, and the list must not be empty (nobody could run anything).
#[test]
fn operator_roles_must_be_held_by_someone() {
    let with = |roles: &'static str| {
        acme_layout(move |file, text| {
            if file == "examples/acme/offboard.yaml" {
                text.replace(
                    "  operator_roles: [iam] ",
                    &format!("  operator_roles: {roles} "),
                )
            } else {
                text
            }
        })
    };
    let dir = with("[iam, security]");
    let acme = dir.path().join("examples/acme");
    let (code, stdout, stderr) = offboard_in(&acme, &["--format", "json", "validate"]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    let dir = with("[iam, it-admins]");
    let acme = dir.path().join("examples/acme");
    let (code, stdout, _) = offboard_in(&acme, &["--format", "json", "validate"]);
    assert_eq!(code, 1, "{stdout}");
    let found = located(&stdout);
    assert_eq!(found.len(), 1, "{stdout}");
    let (code, file, line, column, hint) = &found[0];
    assert_eq!(
        (code.as_str(), file.as_str(), *line, *column),
        ("OB050", "offboard.yaml", 46, 25),
        "{stdout}"
    );
    assert!(hint.contains("`it-admins` under `signers:`"), "{hint}");
    assert!(
        stdout.contains(
            "operator role `it-admins` (policy.operator_roles) is held by no signer in the configuration"
        ),
        "{stdout}"
    );

    let dir = with("[]");
    let acme = dir.path().join("examples/acme");
    let (code, stdout, _) = offboard_in(&acme, &["--format", "json", "validate"]);
    assert_eq!(code, 1, "{stdout}");
    let found = located(&stdout);
    assert_eq!(found.len(), 1, "{stdout}");
    assert_eq!(found[0].0, "OB006", "{stdout}");
    assert!(
        stdout.contains("`policy.operator_roles` is empty"),
        "{stdout}"
    );
}
