//! `offboard confirm RUN STEP --note TEXT`: a person of the step's owner role signs off a manual
//! step, or approves a step the policy gates, with their own key ([`crate::app::confirm`]).
//! Prints what was recorded.

use super::args::ConfirmArgs;
use super::{Format, GlobalArgs};
use crate::app::Result;
use crate::app::confirm::{ConfirmRequest, confirm};
use crate::app::workspace::load_workspace;
use crate::exit::Exit;
use crate::journal::Event;

/// Sign off one manual step of a run, or approve one of its gated automatic steps.
pub fn run(global: &GlobalArgs, args: &ConfirmArgs) -> Result<Exit> {
    let workspace = load_workspace(global.config.as_deref())?;
    let request = ConfirmRequest {
        run: args.run.clone(),
        step: args.step.clone(),
        note: args.note.clone(),
        key: args.key.clone(),
        principal: args.principal.clone(),
    };
    let outcome = confirm(&workspace, &request)?;
    let verb = match outcome.event {
        Event::StepApproved => "approved",
        _ => "confirmed",
    };
    if global.format == Format::Json {
        super::print_json(&outcome)?;
    } else if outcome.already {
        println!("{} {}: already {verb}", outcome.run, outcome.step);
    } else if !global.quiet {
        println!(
            "{} {}: {verb} by {} ({}); run `{}` to continue",
            outcome.run,
            outcome.step,
            outcome.signed_off_by.as_deref().unwrap_or_default(),
            outcome.role,
            outcome.next
        );
    }
    Ok(Exit::Done)
}
