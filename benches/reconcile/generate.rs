//! Write a generated repository for `offboard reconcile` with planted answers (see
//! `dataset.rs`):
//! `cargo run --release --example reconcile-generate -- DIR PEOPLE ENTITLEMENTS [random|sorted]`
//! (inventory rows in a random order unless `sorted`; both orders hold the same rows).

#[path = "dataset.rs"]
mod dataset;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, people, entitlements, order) = match args.as_slice() {
        [dir, people, entitlements] => (dir, people, entitlements, "random"),
        [dir, people, entitlements, order] => (dir, people, entitlements, order.as_str()),
        _ => {
            return Err("usage: reconcile-generate DIR PEOPLE ENTITLEMENTS [random|sorted]".into());
        }
    };
    let order = dataset::Order::from_name(order)
        .ok_or_else(|| format!("order `{order}` must be `random` or `sorted`"))?;
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let spec = dataset::Spec {
        people: people.parse()?,
        entitlements: entitlements.parse()?,
        seed: 2026,
        order,
    };
    let summary = dataset::generate(&dir, spec)?;
    println!(
        "people={} entitlements={} order={order:?} expected_findings={} expected_monthly_cost_cents={} now={}",
        summary.people,
        summary.entitlements,
        summary.findings,
        summary.monthly_cost_cents,
        dataset::NOW
    );
    Ok(())
}
