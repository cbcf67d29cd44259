//! A fault-injecting HTTP/1.1 proxy in front of a real server (the scim2-server of the
//! run-level tests). On a seeded share of the requests it answers for the server: 503, 429 with
//! `Retry-After: 0` or `1`, or it forwards the request and answers only after a delay longer than
//! the client's timeout (the change lands, the answer comes too late). Kinds take turns, so a
//! handful of faults covers all of them, and never more than [`MAX_IN_A_ROW`] requests in a row
//! are faulted, so the engine's retries always get through. A refusal (say 403 on one PATCH)
//! can be set and lifted to play a permanent failure. Every injected answer echoes the
//! `Authorization` header it received, as careless servers do, so a test can check the client
//! keeps the credential out of what it prints and records. Every exchange is logged.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::script::{Reply, Request, read_request, reason, write_reply};

/// Faulted requests in a row at most.
pub const MAX_IN_A_ROW: u32 = 2;

/// What the proxy did with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Forwarded; the server answered with this status.
    Forwarded(u16),
    /// Answered 503 without forwarding.
    Unavailable,
    /// Answered 429 with this `Retry-After` (seconds) without forwarding.
    RateLimited(u32),
    /// Forwarded; the server's answer (this status) was held back past the client's timeout.
    Slow(u16),
    /// Refused by the configured refusal, with this status, without forwarding.
    Refused(u16),
    /// The server could not be reached; answered 502.
    BadGateway,
}

/// One request and what happened to it.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// `GET`, `PATCH`...
    pub method: String,
    /// Path and query.
    pub target: String,
    /// What the proxy did.
    pub outcome: Outcome,
}

struct Refusal {
    method: String,
    path: String,
    status: u16,
}

struct State {
    rng: fastrand::Rng,
    rate: f64,
    next_kind: usize,
    in_a_row: u32,
    refusal: Option<Refusal>,
    log: Vec<Exchange>,
}

/// The injected faults, in the order they take turns.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Unavailable,
    RateLimited(u32),
    Slow,
}

const KINDS: [Kind; 4] = [
    Kind::Unavailable,
    Kind::RateLimited(0),
    Kind::Slow,
    Kind::RateLimited(1),
];

/// What to do with a request, decided under the lock.
enum Plan {
    Forward,
    Answer(Kind),
    Refuse(u16),
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`: use it in place of the server's origin.
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl FaultProxy {
    /// Proxy to the server at `upstream` (`http://HOST:PORT[/...]`; only the authority is used),
    /// faulting a `rate` share of requests (0.0 to 1.0) chosen by an RNG seeded with `seed`;
    /// a slow answer is held back `slow`.
    pub fn start(upstream: &str, seed: u64, rate: f64, slow: Duration) -> FaultProxy {
        let upstream = reqwest::Url::parse(upstream).expect("upstream URL");
        let upstream = format!(
            "{}:{}",
            upstream.host_str().expect("upstream host"),
            upstream.port_or_known_default().expect("upstream port")
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            rng: fastrand::Rng::with_seed(seed),
            rate,
            next_kind: 0,
            in_a_row: 0,
            refusal: None,
            log: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    let upstream = upstream.clone();
                    std::thread::spawn(move || handle(stream, &upstream, &state, slow));
                }
            });
        }
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            state,
            stop,
            port,
        }
    }

    /// Answer `status` to every `method` request on exactly `path`, without forwarding, until
    /// [`FaultProxy::lift_refusal`]. Refusals are not counted as injected faults.
    pub fn refuse(&self, method: &str, path: &str, status: u16) {
        self.state.lock().unwrap().refusal = Some(Refusal {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
        });
    }

    /// Forward what the refusal refused.
    pub fn lift_refusal(&self) {
        self.state.lock().unwrap().refusal = None;
    }

    /// Change the share of requests faulted.
    pub fn set_rate(&self, rate: f64) {
        self.state.lock().unwrap().rate = rate;
    }

    /// Every exchange so far, in the order the requests arrived.
    pub fn log(&self) -> Vec<Exchange> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn plan(state: &Mutex<State>, request: &Request) -> Plan {
    let mut state = state.lock().unwrap();
    if let Some(refusal) = &state.refusal
        && refusal.method == request.method
        && refusal.path == request.path()
    {
        return Plan::Refuse(refusal.status);
    }
    let draw = state.rng.f64();
    if draw < state.rate && state.in_a_row < MAX_IN_A_ROW {
        state.in_a_row += 1;
        let kind = KINDS[state.next_kind % KINDS.len()];
        state.next_kind += 1;
        Plan::Answer(kind)
    } else {
        state.in_a_row = 0;
        Plan::Forward
    }
}

fn handle(stream: TcpStream, upstream: &str, state: &Mutex<State>, slow: Duration) {
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let mut client = reader.into_inner();
    let echo = request.header("authorization").unwrap_or("").to_owned();
    let body = |what: &str| {
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "detail": format!("{what} (request carried Authorization: {echo})"),
        })
        .to_string()
    };
    let outcome = match plan(state, &request) {
        Plan::Refuse(status) => {
            write_reply(
                &mut client,
                &Reply::new(status, body(&format!("{} by policy", reason(status)))),
            );
            Outcome::Refused(status)
        }
        Plan::Answer(Kind::Unavailable) => {
            write_reply(&mut client, &Reply::new(503, body("maintenance")));
            Outcome::Unavailable
        }
        Plan::Answer(Kind::RateLimited(after)) => {
            let reply = Reply::new(429, body("too many requests"))
                .header("Retry-After", &after.to_string());
            write_reply(&mut client, &reply);
            Outcome::RateLimited(after)
        }
        Plan::Answer(Kind::Slow) => match forward(&request, upstream) {
            Some((status, answer)) => {
                std::thread::sleep(slow);
                let _ = client.write_all(&answer);
                Outcome::Slow(status)
            }
            None => bad_gateway(&mut client),
        },
        Plan::Forward => match forward(&request, upstream) {
            Some((status, answer)) => {
                let _ = client.write_all(&answer);
                Outcome::Forwarded(status)
            }
            None => bad_gateway(&mut client),
        },
    };
    let _ = client.flush();
    state.lock().unwrap().log.push(Exchange {
        method: request.method,
        target: request.target,
        outcome,
    });
}

fn bad_gateway(client: &mut TcpStream) -> Outcome {
    write_reply(client, &Reply::new(502, ""));
    Outcome::BadGateway
}

/// Send `request` to `upstream` on a fresh connection and read the whole answer; returns its
/// status and the answer rewritten to close the client's connection.
fn forward(request: &Request, upstream: &str) -> Option<(u16, Vec<u8>)> {
    let mut server = TcpStream::connect(upstream).ok()?;
    server
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "proxy-connection"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    server.write_all(head.as_bytes()).ok()?;
    server.write_all(&request.body).ok()?;
    server.flush().ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).ok()?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())?;
    let mut rewritten = String::new();
    for line in head.split("\r\n") {
        let name = line.split(':').next().unwrap_or("").trim();
        if !name.eq_ignore_ascii_case("connection") && !name.eq_ignore_ascii_case("keep-alive") {
            rewritten.push_str(line);
            rewritten.push_str("\r\n");
        }
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut out = rewritten.into_bytes();
    out.extend_from_slice(&answer[split + 4..]);
    Some((status, out))
}
