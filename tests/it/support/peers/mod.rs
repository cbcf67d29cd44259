//! Test peers: the real scim2-server, a fake Microsoft Graph, a fake Google Workspace and a fake
//! Okta checked against their vendors' published descriptions, a scripted HTTP server for faults
//! and as a webhook receiver, and a fault-injecting proxy to put in front of a real server. Each
//! is started on a free loopback port and stopped when dropped.

#![allow(dead_code)]

pub mod fake;
pub mod google;
pub mod graph;
pub mod ldap;
pub mod okta;
pub mod process;
pub mod proxy;
pub mod scim;
pub mod script;

/// A free loopback port (bound then released; the peer binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A random hex string of `n` bytes, for tokens and secrets.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// A program of the Python test peers' virtual environment (`.peers/venv/bin/NAME`), which
/// `./scripts/install-peers` creates.
pub fn venv_bin(name: &str) -> String {
    format!("{}/.peers/venv/bin/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Run the contract checker's self-check of the fake `fake` (`tests/peers/FAKE/selfcheck.py`):
/// it must exit 0 and report no failed case.
pub fn assert_selfcheck_passes(fake: &str) {
    let script = format!(
        "{}/tests/peers/{fake}/selfcheck.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = std::process::Command::new(venv_bin("python"))
        .arg(script)
        .output()
        .expect("the Python test peers are installed (./scripts/install-peers)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" 0 failed"), "{text}");
}

/// The findings of a `reconcile --format json` document on the connector `system`.
pub fn findings_on<'d>(
    doc: &'d serde_json::Value,
    system: &'d str,
) -> impl Iterator<Item = &'d serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |f| f["system"] == system)
}

/// `kind account entitlement cost days` of the findings on `system`, but the generated users'
/// (accounts named `gen-...`); days are those orphaned or dormant, `-` when none.
pub fn named_findings(doc: &serde_json::Value, system: &str) -> Vec<String> {
    findings_on(doc, system)
        .filter(|f| !f["account"].as_str().unwrap().starts_with("gen-"))
        .map(|f| {
            let days = f["days_orphaned"]
                .as_i64()
                .or(f["days_dormant"].as_i64())
                .map_or("-".to_owned(), |d| d.to_string());
            format!(
                "{} {} {} {} {days}",
                f["kind"].as_str().unwrap(),
                f["account"].as_str().unwrap(),
                f["entitlement"].as_str().unwrap(),
                f["monthly_cost_cents"]
            )
        })
        .collect()
}
