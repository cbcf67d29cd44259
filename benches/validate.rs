//! How much `offboard validate` costs over merely parsing the YAML.
//!
//! Generates 2,000 valid playbooks of 25 steps in a temp repository (a status triggers at most
//! one playbook, so only the first is triggered by `terminated`; the others list no trigger and
//! are run by name), then measures, best of 5:
//! (a) the floor: read every file and parse it with serde-saphyr into `serde_json::Value`;
//! (b) the release binary `offboard validate DIR`, wall time. Prints both and the ratio.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PLAYBOOKS: usize = 2_000;
const STEPS: usize = 25;
const RUNS: usize = 5;

fn playbook(n: usize) -> String {
    let triggers = if n == 0 { "[terminated]" } else { "[]" };
    let mut s = format!(
        "version: 1\nname: generated-{n}\ndescription: Generated playbook {n}.\nowners:\n  hr: people-ops@acme.example\n  iam: it-ops@acme.example\n  finance: finance-ops@acme.example\ntriggers: {triggers}\nsteps:\n  - id: step-0\n    kind: hr.require_leaver_status\n    owner: hr\n    risk: critical\n"
    );
    for i in 1..STEPS - 1 {
        let body = match i % 4 {
            1 => "    kind: iam.deactivate\n    connector: directory\n    owner: iam\n    risk: critical\n".to_owned(),
            2 => "    kind: manual\n    owner: iam\n    preserves_data: true\n    with:\n      task: \"Hand the mailbox of {{ employee.email }} to {{ employee.manager_email }}\"\n".to_owned(),
            3 => "    kind: notify.manager\n    connector: finance\n    owner: finance\n    risk: low\n    on_error: continue\n    with:\n      subject: \"{{ employee.display_name }} left on {{ employee.effective_at }}\"\n".to_owned(),
            _ => "    kind: iam.remove_groups\n    connector: directory\n    owner: iam\n    risk: high\n    confirm: readback\n".to_owned(),
        };
        s.push_str(&format!(
            "  - id: step-{i}\n{body}    after: [step-{}]\n",
            i - 1
        ));
    }
    s.push_str(&format!(
        "  - id: step-{}\n    kind: iam.delete\n    connector: directory\n    owner: iam\n    risk: low\n    at: +30d\n    destructive: true\n    after: [step-{}]\n",
        STEPS - 1,
        STEPS - 2
    ));
    s
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    for file in ["offboard.yaml", "glossary.yaml", "roles.yaml", "hr.csv"] {
        std::fs::copy(fixture.join(file), dir.path().join(file)).expect("copy fixture");
    }
    let playbooks = dir.path().join("playbooks");
    std::fs::create_dir_all(&playbooks).expect("mkdir");
    for n in 0..PLAYBOOKS {
        std::fs::write(playbooks.join(format!("p{n:05}.yaml")), playbook(n)).expect("write");
    }
    (dir, playbooks)
}

fn best(mut f: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn floor(dir: &Path) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("read");
        let value: serde_json::Value = serde_saphyr::from_str(&text).expect("parse");
        std::hint::black_box(value);
    }
}

fn binary() -> PathBuf {
    option_env!("CARGO_BIN_EXE_offboard")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/offboard"))
}

fn main() {
    let (dir, playbooks) = setup();
    let bin = binary();
    let check = std::process::Command::new(&bin)
        .args(["validate", "--format", "json"])
        .arg(&playbooks)
        .current_dir(dir.path())
        .output()
        .expect("run offboard");
    assert!(
        check.status.success(),
        "generated playbooks must be valid: {}",
        String::from_utf8_lossy(&check.stdout)
    );

    let floor_time = best(|| floor(&playbooks));
    let validate_time = best(|| {
        let status = std::process::Command::new(&bin)
            .args(["validate", "-q"])
            .arg(&playbooks)
            .current_dir(dir.path())
            .status()
            .expect("run offboard");
        assert!(status.success());
    });
    println!("{PLAYBOOKS} playbooks x {STEPS} steps, best of {RUNS}");
    println!("floor (read + serde-saphyr -> serde_json::Value): {floor_time:?}");
    println!("offboard validate (release binary, wall):        {validate_time:?}");
    println!(
        "ratio: {:.2}",
        validate_time.as_secs_f64() / floor_time.as_secs_f64()
    );
}
