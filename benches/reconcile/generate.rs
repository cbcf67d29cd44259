//! Write a generated repository for `offboard reconcile` with planted answers (see
//! `dataset.rs`): `cargo run --release --example reconcile-generate -- DIR PEOPLE ENTITLEMENTS`.

#[path = "dataset.rs"]
mod dataset;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, people, entitlements] = args.as_slice() else {
        return Err("usage: reconcile-generate DIR PEOPLE ENTITLEMENTS".into());
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let spec = dataset::Spec {
        people: people.parse()?,
        entitlements: entitlements.parse()?,
        seed: 2026,
    };
    let summary = dataset::generate(&dir, spec)?;
    println!(
        "people={} entitlements={} expected_findings={} expected_monthly_cost_cents={} now={}",
        summary.people,
        summary.entitlements,
        summary.findings,
        summary.monthly_cost_cents,
        dataset::NOW
    );
    Ok(())
}
