//! The command-line front end: turns parsed arguments into calls on the library and maps each
//! outcome to an [`Exit`]. It owns printing; it never decides policy.

pub mod args;
mod batch;
mod confirm;
mod due;
mod generate;
mod init;
pub(crate) mod plan;
mod progress;
mod reconcile;
mod report;
mod run;
mod session;
pub(crate) mod status;
mod validate;
mod verify;
mod workspace;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use args::{Cli, Command, Format, GlobalArgs};

use crate::error::Result;
use crate::exit::Exit;

/// Run the command `cli` asks for and return how it ended.
pub fn run(cli: Cli) -> Result<Exit> {
    let Cli { global, command } = cli;
    match command {
        Command::Validate(args) => validate::run(&global, &args),
        Command::Schema => generate::schema(),
        Command::Completions(args) => generate::completions(args.shell),
        Command::Man => generate::man(),
        Command::Run(args) => run::run(&global, &args, &interrupt_flag()),
        Command::Plan(args) => plan::run(&global, &args),
        Command::Confirm(args) => confirm::run(&global, &args),
        Command::Status(args) => status::run(&global, &args),
        Command::Due(args) => due::run(&global, &args, &interrupt_flag()),
        Command::Verify(args) => verify::run(&global, &args),
        Command::Reconcile(args) => reconcile::run(&global, &args),
        Command::Report(args) => report::run(&global, &args),
        Command::Init(args) => init::run(&global, &args),
    }
}

/// A flag Ctrl-C sets: the engine finishes the step in hand, records it, and stops (exit 130).
/// A second Ctrl-C exits at once; the journal is consistent either way, since every record is
/// durable before the next side effect.
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&flag);
    let _ = ctrlc::set_handler(move || {
        if handler_flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("interrupted: finishing the current step, then stopping");
    });
    flag
}

/// Send `tracing` output to stderr at the level `-q`/`-v` ask for (`RUST_LOG` overrides).
pub fn init_logging(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .try_init();
}
