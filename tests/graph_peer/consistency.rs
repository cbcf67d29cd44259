//! Eventual consistency: reads after a write are stale for a number of reads or a time.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::peers::graph::GraphServer;
use super::{PAT, PAT_MAIL, assert_no_violations, seeded, user_in_state};

#[test]
fn reads_after_a_write_are_stale_for_a_while_then_fresh() {
    let (graph, token) = seeded();
    let enabled = |graph: &GraphServer| {
        let got = graph.get(
            &format!("/users/{PAT}"),
            &[("$select", "accountEnabled")],
            &token,
        );
        assert_eq!(got.status, 200, "{:?}", got.body);
        got.body["accountEnabled"].as_bool().unwrap()
    };
    let disable = |graph: &GraphServer, value: bool| {
        let patched = graph.call(
            Method::PATCH,
            &format!("/users/{PAT}"),
            &[],
            &token,
            Some(&json!({"accountEnabled": value})),
        );
        assert_eq!(patched.status, 204);
    };

    // The next two reads see the old state, the third the new one.
    graph.control(Method::POST, "lag", Some(&json!({"reads": 2})));
    disable(&graph, false);
    assert_eq!(
        [enabled(&graph), enabled(&graph), enabled(&graph)],
        [true, true, false]
    );
    // The write itself is done at once.
    assert_eq!(user_in_state(&graph.state(), PAT)["accountEnabled"], false);

    // By time: stale at first, fresh after the lag; a lookup by filter lags the same way.
    graph.control(Method::POST, "lag", Some(&json!({"ms": 600})));
    disable(&graph, true);
    let started = Instant::now();
    assert!(!enabled(&graph), "first read after the write is stale");
    let filter = format!("mail eq '{}'", PAT_MAIL.replace('\'', "''"));
    let listed = graph.get(
        "/users",
        &[("$filter", &filter), ("$select", "accountEnabled")],
        &token,
    );
    if started.elapsed() < Duration::from_millis(500) {
        assert_eq!(listed.body["value"][0]["accountEnabled"], false);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !enabled(&graph) {
        assert!(Instant::now() < deadline, "never became fresh");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_no_violations(&graph);
}
