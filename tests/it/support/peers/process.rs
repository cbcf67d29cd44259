//! Starting a test peer as a child process: under a shell that kills it as soon as its standard
//! input closes (when the handle holding the child is dropped, or when the test process ends
//! however it ends), then waiting for the line that says it serves.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `program ARGS...` (arguments added by the caller) run under the guarding shell, with its
/// standard streams piped.
pub fn guarded(program: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            r#""$0" "$@" & pid=$!; read -r _ || true; kill "$pid"; wait "$pid""#,
            program,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Wait until `child` prints a line holding `marker` (on stdout or stderr) and return what
/// follows the marker on that line, trimmed. When a minute passes first, stop the child and
/// panic with what `who` printed.
pub fn wait_for(child: &mut Child, marker: &str, who: &str) -> String {
    let (lines, seen) = mpsc::channel();
    let streams = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ];
    for stream in streams.into_iter().flatten() {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    let mut output = Vec::new();
    loop {
        match seen.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => match line.find(marker) {
                Some(at) => return line[at + marker.len()..].trim().to_owned(),
                None => output.push(line),
            },
            Err(_) => {
                drop(child.stdin.take());
                let _ = child.wait();
                panic!(
                    "{who} did not start (installed? ./scripts/install-peers):\n{}",
                    output.join("\n")
                );
            }
        }
    }
}

/// Sends SIGTERM to a process this test started, once: on `send`, or when dropped unsent.
pub struct Term(pub Option<u32>);

impl Term {
    /// Send it now; false when it was sent already or `kill` failed.
    pub fn send(&mut self) -> bool {
        self.0.take().is_some_and(|pid| {
            std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        })
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        self.send();
    }
}
