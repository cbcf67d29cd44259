//! `offboard prune`: remove finished runs older than the cut-off behind a signed ledger
//! checkpoint ([`crate::app::prune`]), and print each run removed (or, with `--dry-run`, that
//! would be), the files of an interrupted prune removed now, and the checkpoint written.

use super::args::PruneArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::prune::{PruneRequest, prune};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::human::timestamp;

/// Prune the journal and print what went.
pub fn run(global: &GlobalArgs, args: &PruneArgs) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let request = PruneRequest {
        before: args.before.clone(),
        dry_run: args.dry_run,
    };
    let outcome = prune(&workspace, &request)?;
    if global.format == Format::Json {
        super::print_json(&outcome)?;
        return Ok(Exit::Done);
    }
    let verb = if outcome.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for run in &outcome.runs {
        println!(
            "{verb} {} (employee {}, finished {}, {} records)",
            run.run,
            run.employee,
            timestamp(&run.finished),
            run.records
        );
    }
    for run in &outcome.leftovers {
        println!("{verb} {run} (pruned by an earlier, interrupted prune)");
    }
    for run in &outcome.unfinished_kept {
        eprintln!("kept {run}: not finished and sealed (unfinished runs are never pruned)");
    }
    let cutoff = timestamp(&outcome.before);
    match (outcome.checkpoint, outcome.dry_run) {
        (_, true) => println!(
            "dry run: {} run(s) finished before {cutoff} would be removed; nothing was written",
            outcome.runs.len() + outcome.leftovers.len()
        ),
        (Some(seq), false) => println!(
            "checkpoint: ledger record {seq} lists the {} run(s) removed (finished before {cutoff}) \
             with the hash of each one's last record; `offboard verify` checks what remains",
            outcome.runs.len()
        ),
        (None, false) if outcome.leftovers.is_empty() => {
            println!("nothing to prune: no finished run ended before {cutoff}")
        }
        (None, false) => println!("finished an interrupted prune; no new checkpoint was needed"),
    }
    Ok(Exit::Done)
}
