//! Starting a test peer as a child process: under a shell that kills it as soon as its standard
//! input closes (when the handle holding the child is dropped, or when the test process ends
//! however it ends), then waiting for the line that says it serves.

use std::io::{BufRead, BufReader, Lines, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
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

/// An example's `start-peers` script, running with its standard output read line by line; sent
/// SIGTERM (which stops the fakes it started) when dropped, should an assertion fail first.
pub struct PeersScript {
    child: Child,
    term: Term,
    lines: Lines<BufReader<ChildStdout>>,
}

impl PeersScript {
    /// Start `script` (`bash start-peers` with its environment), stdout piped.
    pub fn start(mut script: Command) -> PeersScript {
        let mut child = script
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let term = Term(Some(child.id()));
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        PeersScript { child, term, lines }
    }

    /// The lines printed up to the one starting with `until` (included), and the value of the
    /// `{export}'VALUE'` line among them (e.g. `export FABRIKAM_OKTA_TOKEN=`).
    pub fn read_until(&mut self, export: &str, until: &str) -> (Vec<String>, Option<String>) {
        let prefix = format!("{export}'");
        let mut printed = Vec::new();
        let mut value = None;
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            printed.push(line.clone());
            if let Some(rest) = line.strip_prefix(&prefix) {
                value = rest.strip_suffix('\'').map(str::to_owned);
            }
            if line.starts_with(until) {
                break;
            }
        }
        (printed, value)
    }

    /// Send SIGTERM, as a terminal's close would; what the script printed after, and how it
    /// ended.
    pub fn stop(mut self) -> (Vec<String>, ExitStatus) {
        assert!(self.term.send(), "SIGTERM not sent");
        let rest = self.lines.by_ref().map(Result::unwrap).collect();
        (rest, self.child.wait().unwrap())
    }
}
