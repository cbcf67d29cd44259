//! The command-line front end: turns parsed arguments into calls on the library and maps each
//! outcome to an [`Exit`]. It owns printing; it never decides policy.

pub mod args;
mod generate;
mod progress;
mod reconcile;
mod run;
mod validate;
mod verify;
mod workspace;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use args::{Cli, Command, Format, GlobalArgs};

use crate::error::{Error, Result};
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
        Command::Plan(_) => Err(Error::NotImplemented("plan")),
        Command::Confirm(_) => Err(Error::NotImplemented("confirm")),
        Command::Status(_) => Err(Error::NotImplemented("status")),
        Command::Due(_) => Err(Error::NotImplemented("due")),
        Command::Verify(args) => verify::run(&global, &args),
        Command::Reconcile(args) => reconcile::run(&global, &args),
        Command::Report(_) => Err(Error::NotImplemented("report")),
        Command::Init(_) => Err(Error::NotImplemented("init")),
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
