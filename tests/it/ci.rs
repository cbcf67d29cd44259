//! The CI glue a playbook repository adopts: `--changed-since` on shallow clones, the GitHub
//! Actions workflow `offboard init --ci github` writes (its steps run as the runner would run
//! them, on a real depth-1 clone), and the pre-commit hook run by the real `pre-commit` tool.

use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use crate::support::json_schema::schema_errors;
use crate::support::peers::venv_bin;
use crate::support::{Test, fork, git, source_root};

/// A playbook repository scaffolded by `offboard init`, committed on `main`.
fn playbook_repo(ci: bool) -> TempDir {
    let repo = tempfile::tempdir().unwrap();
    let mut test = Test::at(repo.path()).args(["init", "."]);
    if ci {
        test = test.args(["--ci", "github"]);
    }
    test.run();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "scaffold"]);
    repo
}

/// A playbook that fails validation (a step of a kind that does not exist), triggered by no
/// status so it conflicts with nothing.
fn break_playbook(repo: &Path, name: &str) {
    let text = std::fs::read_to_string(repo.join("playbooks/involuntary-leaver.yaml"))
        .unwrap()
        .replacen("name: involuntary-leaver", &format!("name: {name}"), 1)
        .replacen("triggers: [terminated]\n", "", 1)
        .replacen("kind: iam.deactivate", "kind: iam.deactivat", 1);
    std::fs::write(repo.join(format!("playbooks/{name}.yaml")), text).unwrap();
}

/// Branch `change` off `main` with one broken playbook, committed.
fn branch_with_broken_playbook(repo: &Path) {
    git(repo, &["checkout", "-qb", "change"]);
    break_playbook(repo, "broken");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "a broken playbook"]);
}

/// `git clone --depth 1 --branch BRANCH file://ORIGIN` into a new directory.
fn shallow_clone(origin: &TempDir, branch: &str) -> TempDir {
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "1", "--branch", branch, &url, "."],
    );
    clone
}

#[test]
fn shallow_clone_says_what_history_to_fetch() {
    let origin = playbook_repo(false);
    branch_with_broken_playbook(origin.path());
    let clone = shallow_clone(&origin, "change");

    let out = Test::at(clone.path())
        .args(["validate", "--changed-since", "HEAD~1"])
        .status(2)
        .run();
    assert!(
        out.stderr.contains("`HEAD~1` is not in this clone"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("shallow"), "{}", out.stderr);
    assert!(
        out.stderr.contains("git fetch --deepen=1"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("fetch-depth: 2"), "{}", out.stderr);

    // Doing what it says makes the same command work.
    git(clone.path(), &["fetch", "-q", "--deepen=1"]);
    let out = Test::at(clone.path())
        .args(["validate", "--format", "json", "--changed-since", "HEAD~1"])
        .status(1)
        .run();
    assert_eq!(diagnosed_files(&out.stdout), ["playbooks/broken.yaml"]);
}

#[test]
fn pull_request_compares_with_the_fetched_base_branch() {
    let origin = playbook_repo(false);
    branch_with_broken_playbook(origin.path());
    let clone = shallow_clone(&origin, "change");
    git(
        clone.path(),
        &[
            "fetch",
            "-q",
            "--no-tags",
            "--depth=1",
            "origin",
            "+refs/heads/main:refs/remotes/origin/main",
        ],
    );
    let out = Test::at(clone.path())
        .args([
            "validate",
            "--format",
            "json",
            "--changed-since",
            "origin/main",
        ])
        .status(1)
        .run();
    assert_eq!(diagnosed_files(&out.stdout), ["playbooks/broken.yaml"]);
    assert_eq!(out.json()["files_checked"], 1, "{}", out.stdout);
}

/// The files named by `validate --format json` diagnostics, each once.
fn diagnosed_files(stdout: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(stdout).unwrap();
    let mut files: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_owned())
        .collect();
    files.dedup();
    files
}

/// The `run` script of the workflow step with id `id`.
fn workflow_step(workflow: &serde_json::Value, id: &str) -> String {
    workflow["jobs"]["validate"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == id)
        .and_then(|step| step["run"].as_str())
        .unwrap_or_else(|| panic!("no step `{id}` with a run script"))
        .to_owned()
}

/// `PATH` with the binary under test first.
fn path_with_offboard() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_offboard")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Run a workflow step's script as the runner does (`bash -e`), with the runner's variables.
fn run_step(dir: &Path, script: &str, event: &str) -> std::process::Output {
    let output = fork::output(
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(dir)
            .env("PATH", path_with_offboard())
            .env("GITHUB_EVENT_NAME", event)
            .env(
                "GITHUB_BASE_REF",
                if event == "pull_request" { "main" } else { "" },
            )
            .env_remove("OFFBOARD_CONFIG")
            .stdin(Stdio::null()),
    )
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
fn github_workflow_validates_what_a_pull_request_changes() {
    let origin = playbook_repo(true);
    let text =
        std::fs::read_to_string(origin.path().join(".github/workflows/offboard.yml")).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert!(workflow["on"].get("pull_request").is_some(), "{text}");
    let fetch = workflow_step(&workflow, "fetch-base");
    let validate = workflow_step(&workflow, "validate");

    // The main branch itself is clean: the push build passes.
    let clean = shallow_clone(&origin, "main");
    assert!(run_step(clean.path(), &validate, "push").status.success());

    // A pull request adding a broken playbook: annotated and failed, naming only that file.
    break_playbook(origin.path(), "also-broken-on-main");
    git(origin.path(), &["add", "."]);
    git(origin.path(), &["commit", "-qm", "an old mistake on main"]);
    branch_with_broken_playbook(origin.path());
    let clone = shallow_clone(&origin, "change");
    assert!(
        run_step(clone.path(), &fetch, "pull_request")
            .status
            .success()
    );
    let out = run_step(clone.path(), &validate, "pull_request");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=playbooks/broken.yaml"),
        "{stdout}"
    );
    assert!(!stdout.contains("also-broken-on-main"), "{stdout}");

    // `init --ci github` in an existing repository adds the workflow alone, once.
    let existing = playbook_repo(false);
    Test::at(existing.path())
        .args(["init", "--ci", "github"])
        .run();
    assert_eq!(
        std::fs::read_to_string(existing.path().join(".github/workflows/offboard.yml")).unwrap(),
        text
    );
    Test::at(existing.path())
        .args(["init", "--ci", "github"])
        .status(2)
        .run();
}

/// Run `pre-commit ARGS` (the real tool, from the test peers' environment) in `dir`.
fn pre_commit(dir: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    let output = fork::output(
        Command::new(venv_bin("pre-commit"))
            .args(args)
            .current_dir(dir)
            .env("PATH", path_with_offboard())
            .env("PRE_COMMIT_HOME", home)
            .env_remove("OFFBOARD_CONFIG")
            .stdin(Stdio::null()),
    )
    .unwrap();
    eprintln!(
        "$ pre-commit {}\nstatus {}\nstdout {}\nstderr {}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn pre_commit_hook_stops_a_broken_playbook() {
    // The hook definition as shipped, in a repository of its own at a commit, as pre-commit
    // fetches hooks.
    let hooks_dir = tempfile::tempdir().unwrap();
    let hooks = hooks_dir.path();
    std::fs::copy(
        source_root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(hooks, &["init", "-q"]);
    git(hooks, &["add", "."]);
    git(hooks, &["commit", "-qm", "hooks"]);
    let rev = git(hooks, &["rev-parse", "HEAD"]).trim().to_owned();

    let repo_dir = playbook_repo(false);
    let repo = repo_dir.path();
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: offboard-validate\n",
            hooks.display()
        ),
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "pre-commit"]);
    let home = tempfile::tempdir().unwrap();

    let clean = pre_commit(repo, home.path(), &["run", "--all-files"]);
    assert!(clean.status.success());

    break_playbook(repo, "broken");
    git(repo, &["add", "."]);
    let broken = pre_commit(repo, home.path(), &["run"]);
    assert_eq!(broken.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&broken.stdout);
    assert!(stdout.contains("offboard validate"), "{stdout}");
    assert!(stdout.contains("playbooks/broken.yaml"), "{stdout}");
    assert!(stdout.contains("iam.deactivat"), "{stdout}");
}

#[test]
fn sarif_output_passes_the_sarif_schema() {
    let schema = source_root().join(".peers/sarif/sarif-2.1.0.json");
    let repo = playbook_repo(false);
    break_playbook(repo.path(), "broken");
    let text = std::fs::read_to_string(repo.path().join("playbooks/broken.yaml")).unwrap();
    std::fs::write(
        repo.path().join("playbooks/broken.yaml"),
        text.replacen("risk: critical", "risk: urgent", 1),
    )
    .unwrap();

    let json = Test::at(repo.path())
        .args(["validate", "--format", "json"])
        .status(1)
        .run();
    let sarif = Test::at(repo.path())
        .args(["validate", "--format", "sarif"])
        .status(1)
        .run();
    assert_eq!(schema_errors(&schema, &sarif.stdout), Vec::<String>::new());

    // The same diagnostics as the JSON document, located in the work tree.
    let log = sarif.json();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "offboard");
    let results = run["results"].as_array().unwrap();
    let diagnostics = json.json()["diagnostics"].as_array().unwrap().clone();
    assert!(diagnostics.len() >= 2, "{}", json.stdout);
    assert_eq!(results.len(), diagnostics.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for (result, diagnostic) in results.iter().zip(&diagnostics) {
        assert_eq!(result["ruleId"], diagnostic["code"]);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], diagnostic["code"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "playbooks/broken.yaml");
        assert_eq!(location["region"]["startLine"], diagnostic["line"]);
        assert_eq!(location["region"]["startColumn"], diagnostic["column"]);
        let message = result["message"]["text"].as_str().unwrap();
        assert!(message.starts_with(diagnostic["message"].as_str().unwrap()));
    }

    // The check can fail: a log without its version is refused by the schema.
    let mut planted = log.clone();
    planted.as_object_mut().unwrap().remove("version");
    assert!(!schema_errors(&schema, &planted.to_string()).is_empty());

    // A clean repository is an empty run, still a valid log.
    let clean = playbook_repo(false);
    let out = Test::at(clean.path())
        .args(["validate", "--format", "sarif"])
        .run();
    assert_eq!(schema_errors(&schema, &out.stdout), Vec::<String>::new());
    assert_eq!(out.json()["runs"][0]["results"], serde_json::json!([]));
}
