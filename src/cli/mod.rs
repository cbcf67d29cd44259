//! The command-line front end: turns parsed arguments into requests to the use cases of
//! [`crate::app`], renders what they return, and maps each outcome to an [`Exit`]. It owns
//! printing, progress bars and prompts ([`terminal::Terminal`]); it never decides policy.

pub mod args;
mod colour;
mod confirm;
mod doctor;
mod due;
mod environment;
mod generate;
mod init;
mod log_lines;
mod plan;
mod progress;
mod prune;
mod reconcile;
mod report;
mod run;
mod status;
mod terminal;
mod validate;
mod verify;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use args::{Cli, Command, Format, GlobalArgs};

use crate::app::Result;
use crate::exit::Exit;

/// Parse the process arguments, reading `offboard EMPLOYEE ...` as `offboard run EMPLOYEE ...`.
///
/// On a command line clap refuses, the message is printed here (a JSON error object on stderr
/// when `--format json` was given) and the outcome returned for `main` to exit with; `--help` and
/// `--version` print to stdout and return [`Exit::Done`]. A first word that mistypes a
/// subcommand is refused the same way ([`args::with_shorthand`]).
pub fn parse() -> std::result::Result<Cli, Exit> {
    use clap::{CommandFactory, FromArgMatches};
    let given: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let args = args::with_shorthand(given.clone()).map_err(|message| {
        let format = match asks_for_json(&given) {
            true => Format::Json,
            false => Format::Human,
        };
        print_error(format, &message, Exit::Usage);
        Exit::Usage
    })?;
    let long_help = format!("{}\n\n{}", args::EXIT_CODES_HELP, environment::help());
    Cli::command()
        .after_long_help(long_help)
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches))
        .map_err(|error| {
            let exit = if error.exit_code() == 0 {
                Exit::Done
            } else {
                Exit::Usage
            };
            if exit == Exit::Usage && asks_for_json(&args) {
                let text = error.render().to_string();
                let message = text.trim().trim_start_matches("error: ");
                print_error(Format::Json, message, exit);
            } else {
                let _ = error.print();
            }
            exit
        })
}

/// Whether a command line clap could not parse still says `--format json` (before any `--`).
fn asks_for_json(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&str> = args
        .iter()
        .map(|a| a.to_str().unwrap_or_default())
        .take_while(|a| *a != "--")
        .collect();
    args.contains(&"--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}

/// Run the command `cli` asks for and return how it ended.
pub fn run(cli: Cli) -> Result<Exit> {
    let Cli { global, command } = cli;
    let human_or_json = [Format::Human, Format::Json];
    let hj = "human or json";
    match command {
        Command::Validate(args) => {
            let formats = [Format::Human, Format::Json, Format::Github, Format::Sarif];
            accept_format(
                "validate",
                global.format,
                &formats,
                "human, json, github or sarif",
            )?;
            Ok(validate::run(&global, &args)?)
        }
        Command::Schema(args) => {
            accept_format("schema", global.format, &human_or_json, "json only")?;
            Ok(generate::schema(&global, &args)?)
        }
        Command::Completions(args) => {
            accept_format(
                "completions",
                global.format,
                &[Format::Human],
                "a shell script only",
            )?;
            Ok(generate::completions(args.shell)?)
        }
        Command::Man(args) => {
            accept_format("man", global.format, &[Format::Human], "roff only")?;
            Ok(generate::man(&global, &args)?)
        }
        Command::Run(args) => {
            accept_format("run", global.format, &human_or_json, hj)?;
            run::run(&global, &args, &interrupt_flag())
        }
        Command::Plan(args) => {
            accept_format("plan", global.format, &human_or_json, hj)?;
            plan::run(&global, &args)
        }
        Command::Confirm(args) => {
            accept_format("confirm", global.format, &human_or_json, hj)?;
            confirm::run(&global, &args)
        }
        Command::Status(args) => {
            accept_format("status", global.format, &human_or_json, hj)?;
            status::run(&global, &args)
        }
        Command::Due(args) => {
            accept_format("due", global.format, &human_or_json, hj)?;
            due::run(&global, &args, &interrupt_flag())
        }
        Command::Verify(args) => {
            accept_format("verify", global.format, &human_or_json, hj)?;
            verify::run(&global, &args)
        }
        Command::Prune(args) => {
            accept_format("prune", global.format, &human_or_json, hj)?;
            prune::run(&global, &args)
        }
        Command::Doctor(args) => {
            accept_format("doctor", global.format, &human_or_json, hj)?;
            doctor::run(&global, &args)
        }
        Command::Reconcile(args) => reconcile::run(&global, &args),
        Command::Report(args) => {
            let formats = [Format::Human, Format::Json, Format::Md, Format::Html];
            accept_format("report", global.format, &formats, "human, json, md or html")?;
            report::run(&global, &args)
        }
        Command::Init(args) => {
            accept_format("init", global.format, &human_or_json, hj)?;
            Ok(init::run(&global, &args)?)
        }
    }
}

/// Refuse a `--format` that `offboard COMMAND` cannot print, naming what it prints (`prints`) and
/// the value as typed: "`offboard schema` prints json only, not csv".
fn accept_format(
    command: &str,
    format: Format,
    allowed: &[Format],
    prints: &str,
) -> crate::Result<()> {
    if allowed.contains(&format) {
        return Ok(());
    }
    Err(crate::error::Error::Usage(format!(
        "`offboard {command}` prints {prints}, not {format}"
    )))
}

/// Print `value` on stdout as the command's pretty-printed `--format json` document.
fn print_json(value: &impl serde::Serialize) -> crate::Result<()> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| crate::Error::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// The error that ends a command, as one line of stderr with `--format json` (README, "Output
/// formats").
#[derive(Debug, serde::Serialize)]
pub struct ErrorReport<'a> {
    /// The message and its causes, joined by `: `.
    pub error: &'a str,
    /// The exit status the process ends with.
    pub exit: u8,
}

/// Print the error that ends the command on stderr: `error: MESSAGE` for people, an
/// [`ErrorReport`] object with `--format json`.
pub fn print_error(format: Format, message: &str, exit: Exit) {
    if format == Format::Json {
        let report = ErrorReport {
            error: message,
            exit: exit.code(),
        };
        match serde_json::to_string(&report) {
            Ok(line) => eprintln!("{line}"),
            Err(_) => eprintln!("error: {message}"),
        }
    } else {
        // Messages quote data (HR fields, file contents): nothing in them may drive the terminal.
        eprintln!("error: {}", crate::human::printable_lines(message));
    }
}

/// A warning, as one line of stderr with `--format json` (README, "Output formats").
#[derive(Debug, serde::Serialize)]
pub struct WarningReport<'a> {
    /// The message.
    pub warning: &'a str,
    /// The employees (as named on the command line or in the CSV) it concerns.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub employees: &'a [String],
}

/// Print a warning on stderr: `warning: MESSAGE` for people, a [`WarningReport`] with
/// `--format json`.
pub fn print_warning(format: Format, message: &str, employees: &[String]) {
    if format == Format::Json {
        let report = WarningReport {
            warning: message,
            employees,
        };
        if let Ok(line) = serde_json::to_string(&report) {
            eprintln!("{line}");
            return;
        }
    }
    eprintln!("warning: {message}");
}

/// A flag Ctrl-C sets: the engine finishes the step in hand, records it, and stops (exit 130).
/// A second Ctrl-C exits at once; every record is durable before the next side effect.
pub(crate) fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&flag);
    let _ = ctrlc::set_handler(move || {
        if handler_flag.swap(true, Ordering::SeqCst) {
            Exit::Interrupted.terminate();
        }
        eprintln!("interrupted: finishing the current step, then stopping");
    });
    flag
}

/// Send `tracing` output to stderr at the level `-q`/`-v` ask for (`RUST_LOG` overrides): see
/// [`log_filter`]. With `--format json`, each event is a JSON line (`log_lines.rs`).
pub fn init_logging(global: &GlobalArgs) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter(global)));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if global.format == Format::Json {
        logs.event_format(log_lines::JsonLines).try_init()
    } else {
        logs.with_ansi(colour::wanted(std::io::IsTerminal::is_terminal(
            &std::io::stderr(),
        )))
        .try_init()
    };
}

/// What each verbosity shows (README, "Logging"). Even `-vvv` keeps off reqwest's connection
/// dump, the one library trace that could carry an `Authorization` header.
pub fn log_filter(global: &GlobalArgs) -> &'static str {
    match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,offboard=info",
        (false, 2) => "warn,offboard=debug",
        (false, _) => "trace,reqwest::connect::verbose=off",
    }
}
