//! The command-line front end: turns parsed arguments into calls on the library and maps each
//! outcome to an [`Exit`]. It owns printing; it never decides policy.

pub mod args;
mod generate;
mod validate;

use clap::CommandFactory;

pub use args::{Cli, Command, Format, GlobalArgs};

use crate::error::{Error, Result};
use crate::exit::Exit;

/// Run the command `cli` asks for and return how it ended.
pub fn run(cli: Cli) -> Result<Exit> {
    let Cli {
        global,
        command,
        employee,
    } = cli;
    let command = match (command, employee) {
        (Some(command), _) => command,
        (None, Some(employee)) => Command::Run(args::RunArgs {
            employees: vec![employee],
            from: None,
            playbook: None,
            plan: None,
            allow_dirty: false,
            max: None,
            yes: false,
        }),
        (None, None) => {
            Cli::command()
                .print_help()
                .map_err(|e| Error::io("cannot write", "stdout", e))?;
            return Ok(Exit::Usage);
        }
    };
    match command {
        Command::Validate(args) => validate::run(&global, &args),
        Command::Schema => generate::schema(),
        Command::Completions(args) => generate::completions(args.shell),
        Command::Man => generate::man(),
        Command::Run(_) => Err(Error::NotImplemented("run")),
        Command::Plan(_) => Err(Error::NotImplemented("plan")),
        Command::Confirm(_) => Err(Error::NotImplemented("confirm")),
        Command::Status(_) => Err(Error::NotImplemented("status")),
        Command::Due(_) => Err(Error::NotImplemented("due")),
        Command::Verify(_) => Err(Error::NotImplemented("verify")),
        Command::Reconcile(_) => Err(Error::NotImplemented("reconcile")),
        Command::Report(_) => Err(Error::NotImplemented("report")),
        Command::Init(_) => Err(Error::NotImplemented("init")),
    }
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
