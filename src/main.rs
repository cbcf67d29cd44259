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
    let cli = offboard::cli::Cli::parse_with_shorthand();
    offboard::cli::init_logging(&cli.global);
    match offboard::cli::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(error) => {
            let report = anyhow::Error::new(error);
            eprintln!("error: {report:#}");
            let code = report
                .downcast_ref::<offboard::Error>()
                .map_or(2, |e| e.exit().code());
            ExitCode::from(code)
        }
    }
}
