//! The `offboard` binary: parse arguments, call the library, print the error once with its
//! causes, exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Like other Unix filters: a closed pipe (`offboard status | head`) ends the process quietly
    // instead of failing on the next write.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match offboard::cli::parse() {
        Ok(cli) => cli,
        Err(exit) => return ExitCode::from(exit.code()),
    };
    offboard::cli::init_logging(&cli.global);
    let format = cli.global.format;
    match offboard::cli::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(error) => {
            let exit = error.exit_code();
            let report = anyhow::Error::new(error);
            offboard::cli::print_error(format, &format!("{report:#}"), exit);
            ExitCode::from(exit.code())
        }
    }
}
