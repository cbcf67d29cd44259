//! The JSON-over-HTTP HR source, through the real binary, against a scripted HRIS on loopback:
//! a copy of the Acme demo whose `hr:` is switched to `type: http`, its roster served as JSON
//! (one array, or pages linked by `next`). What the HRIS received (paths, bearer token, the
//! write-back body) is read from the server's own record of requests.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::support::acme::{Acme, MALLORY};
use crate::support::peers::script::{Reply, Request, ScriptServer};
use crate::support::{git, source_root};
use serde_json::{Map, Value, json};

const TOKEN: &str = "hr-t0ken-7f3a9c1e5b";
const LIST: &str = "/api/employees";

/// The Acme roster (`examples/acme/hr.csv`) as JSON objects, read with the csv crate: every
/// non-empty cell a string, `legal_hold` a boolean.
fn roster() -> Vec<Value> {
    let mut reader = csv::Reader::from_path(source_root().join("examples/acme/hr.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            let mut item = Map::new();
            for (key, cell) in headers.iter().zip(row.iter()) {
                if cell.is_empty() {
                    continue;
                }
                let value = match key {
                    "legal_hold" => Value::Bool(cell == "true"),
                    _ => Value::String(cell.to_owned()),
                };
                item.insert(key.to_owned(), value);
            }
            Value::Object(item)
        })
        .collect()
}

/// How the scripted HRIS answers the listing.
#[derive(Clone)]
enum Listing {
    /// One JSON array.
    Array(Vec<Value>),
    /// Pages of `size` items linked by relative `next` links (`?page=N`).
    Pages(Vec<Value>, usize),
    /// This exact answer.
    Raw(u16, String),
}

/// A scripted HRIS: serves the listing and `GET /api/employees/ID`, takes the write-back POST,
/// and refuses any request without the bearer token.
struct Hris {
    server: ScriptServer,
}

impl Hris {
    fn start(listing: Listing) -> Hris {
        Hris::with_faults(listing, Vec::new())
    }

    /// Answer the first requests with `faults`, in order, then as [`Hris::start`] does.
    fn with_faults(listing: Listing, faults: Vec<Reply>) -> Hris {
        let complete: Arc<Mutex<HashSet<String>>> = Arc::default();
        let server = ScriptServer::start(move |request, n| match faults.get(n) {
            Some(fault) => fault.clone(),
            None => answer(&listing, &complete, request),
        });
        Hris { server }
    }

    fn url(&self) -> String {
        format!("{}{LIST}", self.server.url)
    }

    fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// `METHOD target` of every request, in order.
    fn log(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect()
    }
}

fn answer(listing: &Listing, complete: &Mutex<HashSet<String>>, request: &Request) -> Reply {
    if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Reply::new(401, r#"{"error":"missing or bad token"}"#);
    }
    let path = request.path();
    if path == LIST {
        return match listing {
            Listing::Array(items) => Reply::new(200, Value::from(items.clone()).to_string()),
            Listing::Pages(items, size) => {
                let page: usize = request.query("page").map_or(1, |p| p.parse().unwrap());
                let chunks: Vec<&[Value]> = items.chunks(*size).collect();
                let next = (page < chunks.len()).then(|| format!("{LIST}?page={}", page + 1));
                Reply::new(
                    200,
                    json!({ "employees": chunks[page - 1], "next": next }).to_string(),
                )
            }
            Listing::Raw(status, body) => Reply::new(*status, body.clone()),
        };
    }
    let Some(rest) = path.strip_prefix(&format!("{LIST}/")) else {
        return Reply::new(404, "");
    };
    let items = match listing {
        Listing::Array(items) | Listing::Pages(items, _) => items.clone(),
        Listing::Raw(..) => Vec::new(),
    };
    let find = |id: &str| {
        items
            .iter()
            .find(|e| e["employee_id"] == id || e["personId"] == id)
            .cloned()
    };
    match (request.method.as_str(), rest.split_once('/')) {
        ("POST", Some((id, "it-complete"))) if find(id).is_some() => {
            complete.lock().unwrap().insert(id.to_owned());
            Reply::new(204, "")
        }
        ("GET", None) => match find(rest) {
            Some(mut employee) => {
                employee["it_offboarding_complete"] =
                    Value::Bool(complete.lock().unwrap().contains(rest));
                Reply::new(200, employee.to_string())
            }
            None => Reply::new(404, ""),
        },
        _ => Reply::new(404, ""),
    }
}

/// A committed Acme copy whose configuration reads HR from `url` with the token in `HR_TOKEN`.
fn acme_over_http(url: &str) -> Acme {
    acme_over_http_with(url, "")
}

/// As [`acme_over_http`], with `extra` lines appended to the `hr:` section.
fn acme_over_http_with(url: &str, extra: &str) -> Acme {
    let acme = Acme::new();
    let config = std::fs::read_to_string(acme.config()).unwrap();
    let csv = "hr:\n  type: csv\n  path: hr.csv\n";
    assert!(config.contains(csv), "the example's hr section changed");
    let http = format!("hr:\n  type: http\n  url: {url}\n  token_env: HR_TOKEN\n{extra}");
    std::fs::write(acme.config(), config.replace(csv, &http)).unwrap();
    // Without the CSV, nothing could be resolved from it by mistake.
    std::fs::remove_file(acme.dir().join("hr.csv")).unwrap();
    git(acme.root(), &["commit", "-qam", "HR over HTTP"]);
    acme
}

const ENV: &[(&str, &str)] = &[("HR_TOKEN", TOKEN)];

#[test]
fn run_resolves_from_pages_and_writes_back_with_the_token() {
    let hris = Hris::start(Listing::Pages(roster(), 10));
    let acme = acme_over_http(&hris.url());
    let ran = acme.run(&["mallory"], ENV).expect(0);
    let run = acme.only_run();
    assert!(
        ran.stdout.contains(&format!(
            "E1007: involuntary-leaver complete (10/10 steps confirmed, run {run})"
        )),
        "{ran}"
    );
    // The store shows Mallory disabled: the employee was resolved from the HTTP roster.
    let active: i64 = acme
        .db()
        .query_row(
            "SELECT active FROM accounts WHERE username = 'mallory'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(active, 0);

    // Every page was read, each request carried the token.
    let log = hris.log();
    for page in [
        format!("GET {LIST}"),
        format!("GET {LIST}?page=2"),
        format!("GET {LIST}?page=3"),
    ] {
        assert!(log.contains(&page), "{page} in {log:?}");
    }
    assert!(!log.iter().any(|r| r.ends_with("page=4")), "{log:?}");
    for request in hris.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            request.method,
            request.target
        );
    }

    // One write-back POST with the run and its time, then the read-back GET.
    let requests = hris.requests();
    let posts: Vec<&Request> = requests.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 1, "{log:?}");
    assert_eq!(posts[0].target, format!("{LIST}/{MALLORY}/it-complete"));
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["run"], run.as_str());
    let at = body["completed_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
        "{at}"
    );
    let post_at = log.iter().position(|r| r.starts_with("POST ")).unwrap();
    assert_eq!(
        log.last().unwrap(),
        &format!("GET {LIST}/{MALLORY}"),
        "read back after the POST: {log:?}"
    );
    assert!(post_at < log.len() - 1);
    assert!(
        !acme.writeback().exists(),
        "no CSV write-back for an HTTP source"
    );

    // The token is nowhere in what the run printed or recorded.
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "{ran}"
    );
    let journal = std::fs::read_to_string(acme.run_file(&run)).unwrap();
    assert!(!journal.contains(TOKEN));
    assert!(
        journal.contains("mallory.hartmann@acme.example"),
        "the HR record is journaled"
    );
}

#[test]
fn plan_reads_an_array_and_asks_hr_whether_it_is_complete() {
    let hris = Hris::start(Listing::Array(roster()));
    let acme = acme_over_http(&hris.url());
    // By username and by id, the same person.
    for key in ["bob", "E1002"] {
        let ran = acme.run(&["--format", "json", "plan", key], ENV).expect(0);
        let plan: Value = serde_json::from_str(&ran.stdout).unwrap();
        assert_eq!(plan["employee"], "E1002", "{ran}");
        assert_eq!(plan["playbook"], "voluntary-leaver", "{ran}");
    }
    let ran = acme
        .run(&["--format", "json", "plan", "mallory"], ENV)
        .expect(0);
    let plan: Value = serde_json::from_str(&ran.stdout).unwrap();
    let mark = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "mark-complete")
        .unwrap();
    assert_eq!(mark["state"], "planned", "{mark}");
    assert!(hris.log().contains(&format!("GET {LIST}/{MALLORY}")));
    assert!(
        hris.requests().iter().all(|r| r.method == "GET"),
        "a plan never writes: {:?}",
        hris.log()
    );

    let ran = acme.run(&["plan", "nobody"], ENV).expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "unknown employee `nobody`: no employee id or username in {} matches",
            hris.url()
        )),
        "{ran}"
    );
}

#[test]
fn columns_rename_the_json_keys() {
    let renamed: Vec<Value> = roster()
        .into_iter()
        .map(|mut item| {
            let item = item.as_object_mut().unwrap();
            let id = item.remove("employee_id").unwrap();
            let status = item.remove("status").unwrap();
            item.insert("personId".into(), id);
            item.insert("hrStatus".into(), status);
            Value::Object(item.clone())
        })
        .collect();
    let hris = Hris::start(Listing::Array(renamed));
    let acme = acme_over_http_with(
        &hris.url(),
        "  columns: { id: personId, status: hrStatus }\n",
    );
    let ran = acme
        .run(&["--format", "json", "plan", "E1002"], ENV)
        .expect(0);
    let plan: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(plan["employee"], "E1002", "{ran}");
    assert_eq!(
        plan["playbook"], "voluntary-leaver",
        "the renamed status: {ran}"
    );
}

#[test]
fn a_transient_outage_is_retried() {
    let hris = Hris::with_faults(
        Listing::Array(roster()),
        vec![
            Reply::new(503, "maintenance"),
            Reply::new(429, "").header("Retry-After", "0"),
        ],
    );
    let acme = acme_over_http(&hris.url());
    let ran = acme
        .run(&["--format", "json", "plan", "bob"], ENV)
        .expect(0);
    let plan: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(plan["employee"], "E1002");
    let log = hris.log();
    assert_eq!(
        log[..3],
        [
            format!("GET {LIST}"),
            format!("GET {LIST}"),
            format!("GET {LIST}")
        ],
        "two retries: {log:?}"
    );
}

#[test]
fn bad_answers_are_clear_errors_with_exit_2_and_no_token() {
    let mut duplicate = roster();
    let mut copy = duplicate[6].clone();
    copy["username"] = json!("mallory2");
    duplicate.push(copy);
    let mut bad_id = roster();
    bad_id[3]["employee_id"] = json!("E 1004");
    let mut no_status = roster();
    no_status[2].as_object_mut().unwrap().remove("status");
    let mut long_name = roster();
    long_name[0]["display_name"] = json!("n".repeat(70 * 1024));
    let cases = [
        (
            Listing::Pages(duplicate, 10),
            format!("{LIST}?page=3#/employees/4: duplicate employee id `E1007` (first at http://"),
        ),
        (
            Listing::Array(bad_id),
            format!("{LIST}#/3: `employee_id`: `E 1004` contains ` `"),
        ),
        (
            Listing::Array(no_status),
            format!("{LIST}#/2 (employee `E1003`): `status` is empty"),
        ),
        (
            Listing::Raw(200, "<html>Service moved</html>".to_owned()),
            format!("{LIST}: the body is not JSON"),
        ),
        (
            Listing::Raw(200, r#"{"people":[]}"#.to_owned()),
            "expected a JSON array of employees, or an object whose `employees` is one".to_owned(),
        ),
        (
            Listing::Raw(
                403,
                format!(r#"{{"error":"token {TOKEN} lacks scope hr.read"}}"#),
            ),
            format!(
                "{LIST}: 403 Forbidden: {{\"error\":\"token [redacted] lacks scope hr.read\"}} (check the bearer token in environment variable HR_TOKEN)"
            ),
        ),
        (
            Listing::Raw(200, format!(r#"{{"employees":[],"next":"{LIST}"}}"#)),
            format!("{LIST}: `next` leads back to http://"),
        ),
        (
            Listing::Raw(200, r#"{"employees":[],"next":"https://elsewhere.test/x"}"#.to_owned()),
            "`next` leads to another origin (https://elsewhere.test); the token is only sent to http://127.0.0.1:".to_owned(),
        ),
        (
            Listing::Raw(404, String::new()),
            format!("{LIST}: 404 Not Found (check hr.url)"),
        ),
        (
            Listing::Array(long_name),
            format!(
                "{LIST}#/0 (employee `E1001`): `display_name` is 71680 bytes long, over the 64 KiB limit for a field"
            ),
        ),
        (
            Listing::Raw(200, " ".repeat(65 << 20)),
            format!("{LIST}: the answer is larger than the 64 MiB limit for an HR HTTP answer"),
        ),
    ];
    for (listing, expected) in cases {
        let hris = Hris::start(listing);
        let acme = acme_over_http(&hris.url());
        let ran = acme.run(&["mallory"], ENV).expect(2);
        assert!(ran.stderr.contains(&expected), "expected {expected}\n{ran}");
        assert!(
            !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
            "{ran}"
        );
        assert!(acme.runs().is_empty(), "nothing ran: {ran}");
        assert!(
            hris.requests().iter().all(|r| r.method == "GET"),
            "nothing written: {:?}",
            hris.log()
        );
    }
}

#[test]
fn two_items_sharing_a_username_are_an_error_naming_both_items() {
    let mut roster = roster();
    let mut second = roster[6].clone();
    second["employee_id"] = json!("E1099");
    second["email"] = json!("mallory.two@acme.example");
    roster.push(second);
    let hris = Hris::start(Listing::Array(roster));
    let acme = acme_over_http(&hris.url());
    // reconcile judges everyone, so it refuses the listing outright, in the same words.
    for args in [
        &["plan", "mallory"][..],
        &["run", "mallory"],
        &["reconcile"],
    ] {
        let ran = acme.run(args, ENV).expect(2);
        assert!(
            ran.stderr.contains(&format!(
                "`mallory` is the username of two HR rows: {url}#/6 (employee E1007) and \
                 {url}#/24 (employee E1099)",
                url = hris.url()
            )),
            "{args:?}: {ran}"
        );
        assert!(ran.stdout.is_empty(), "{args:?}: {ran}");
        assert!(acme.runs().is_empty(), "nothing ran: {ran}");
        assert!(
            !acme.journal().join("reconcile.json").exists(),
            "nothing saved: {ran}"
        );
    }
    assert!(
        hris.requests().iter().all(|r| r.method == "GET"),
        "nothing written: {:?}",
        hris.log()
    );
}

#[test]
fn a_wrong_or_missing_token_is_refused_before_anything_runs() {
    let hris = Hris::start(Listing::Array(roster()));
    let acme = acme_over_http(&hris.url());
    let ran = acme
        .run(&["mallory"], &[("HR_TOKEN", "not-the-token")])
        .expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "HR GET {}: 401 Unauthorized: {{\"error\":\"missing or bad token\"}} (check the bearer token in environment variable HR_TOKEN)",
            hris.url()
        )),
        "{ran}"
    );
    assert!(!ran.stderr.contains("not-the-token"), "{ran}");
    assert_eq!(hris.requests().len(), 1, "a 401 is not retried");

    let ran = acme.run(&["mallory"], &[]).expect(2);
    assert!(
        ran.stderr.contains(
            "environment variable HR_TOKEN (hr.token_env, the HR bearer token) is not set or empty"
        ),
        "{ran}"
    );
    assert_eq!(hris.requests().len(), 1, "no request without a token");
    assert!(acme.runs().is_empty());
}

#[test]
fn reconcile_reads_the_http_roster_like_the_csv_one() {
    let args = ["--format", "csv", "reconcile"];
    let now = ("OFFBOARD_NOW", "2026-11-19T12:00:00Z");
    let from_csv = Acme::new().run(&args, &[now]).expect(1);
    let hris = Hris::start(Listing::Pages(roster(), 7));
    let acme = acme_over_http(&hris.url());
    let from_http = acme.run(&args, &[now, ENV[0]]).expect(1);
    assert!(from_csv.stdout.lines().count() > 10, "{from_csv}");
    assert_eq!(from_http.stdout, from_csv.stdout);
    assert!(hris.log().contains(&format!("GET {LIST}?page=4")));

    let mut unknown = roster();
    unknown[1]["status"] = json!("SACKED");
    let hris = Hris::start(Listing::Array(unknown));
    let acme = acme_over_http(&hris.url());
    let ran = acme.run(&args, &[now, ENV[0]]).expect(2);
    assert!(
        ran.stderr.contains(&format!(
            "{}: employee `E1002`: status `SACKED` is not in the glossary",
            hris.url()
        )),
        "{ran}"
    );
}
