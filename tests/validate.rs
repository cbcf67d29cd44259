//! `offboard validate` and `offboard schema`, driven through the real binary.

mod common;

use common::{Test, fixtures};

/// Where an invalid fixture goes in a copy of the valid repository.
fn destination(name: &str) -> String {
    if name.starts_with("glossary-") {
        "glossary.yaml".into()
    } else if name.starts_with("roles-") {
        "roles.yaml".into()
    } else if name.starts_with("config-") {
        "offboard.yaml".into()
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
            "::error file=playbooks/five-problems.yaml,line=16,col=5,title=OB002::unknown key `afer` in step\n",
            "::error file=playbooks/five-problems.yaml,line=21,col=13,title=OB014::step `notify-manager` runs after `confirm-hr-recrod`, which is not a step of this playbook\n",
            "::error file=playbooks/five-problems.yaml,line=23,col=59,title=OB017::undefined template variable `employee.emial`\n",
            "::error file=playbooks/five-problems.yaml,line=28,col=13,title=OB015::dependency cycle: revoke-sessions -> remove-groups -> revoke-sessions\n",
            "::error file=playbooks/five-problems.yaml,line=35,col=11,title=OB022::step `hard-delete` hard-deletes on `directory` without a prior disable on `directory`\n",
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
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
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
