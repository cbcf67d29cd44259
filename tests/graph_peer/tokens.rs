//! Tokens: by client secret, by certificate assertion (every rule that can fail), lifetime.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::peers::graph::{Answer, CLIENT_ID, GraphServer, SCOPE};
use super::{PAT, assert_no_violations, error_code, seed};

/// A throwaway RSA key and self-signed certificate, made with `openssl`.
struct Certificate {
    _dir: tempfile::TempDir,
    key: PathBuf,
    cert: PathBuf,
}

impl Certificate {
    fn new() -> Certificate {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("app-key.pem");
        let cert = dir.path().join("app-cert.pem");
        let status = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=offboard-graph-test", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(status.success());
        Certificate {
            _dir: dir,
            key,
            cert,
        }
    }

    /// Base64url SHA-256 of the certificate's DER form: the `x5t#S256` header.
    fn thumbprint(&self) -> String {
        let der = Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&self.cert)
            .output()
            .unwrap();
        assert!(der.status.success());
        Base64UrlUnpadded::encode_string(&Sha256::digest(&der.stdout))
    }

    /// An RS256 JWT with these header and claims, signed with this certificate's key.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        sign_with(&self.key, header, claims)
    }
}

fn sign_with(key: &Path, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("input");
    std::fs::write(&data, &input).unwrap();
    let signature = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg(&data)
        .output()
        .unwrap();
    assert!(signature.status.success());
    format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&signature.stdout)
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assertion_form(assertion: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", CLIENT_ID.into()),
        ("scope", SCOPE.into()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
        ),
        ("client_assertion", assertion.into()),
    ]
}

fn post_assertion(graph: &GraphServer, assertion: &str) -> Answer {
    let form = assertion_form(assertion);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    graph.request_token(&form)
}

#[test]
fn tokens_by_secret_and_by_certificate_assertion() {
    let certificate = Certificate::new();
    let graph = GraphServer::start_with_cert(Some(&certificate.cert));
    graph.seed(&seed());

    // By secret: a token that Graph takes.
    let token = graph.token();
    let users = graph.get("/users", &[], &token);
    assert_eq!(users.status, 200, "{:?}", users.body);
    assert_eq!(users.body["value"].as_array().unwrap().len(), 3);

    // A wrong secret: 401 invalid_client, and neither secret is echoed.
    let wrong = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", "wrongSECRETvalue"),
        ("scope", SCOPE),
    ]);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "invalid_client");
    let text = wrong.body.to_string();
    assert!(!text.contains("wrongSECRETvalue") && !text.contains(&graph.secret));
    // Another client id, another scope.
    let stranger = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", "00000000-0000-0000-0000-000000000000"),
        ("client_secret", &graph.secret),
        ("scope", SCOPE),
    ]);
    assert_eq!(
        (stranger.status, stranger.body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let scope = graph.request_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", &graph.secret),
        ("scope", "User.Read.All"),
    ]);
    assert_eq!(
        (scope.status, scope.body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // By certificate: a signed assertion naming the certificate.
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t#S256": certificate.thumbprint()});
    let claims = |jti: &str, aud: &str, exp: u64| {
        json!({"aud": aud, "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": jti,
               "nbf": now() - 5, "iat": now() - 5, "exp": exp})
    };
    let good = certificate.sign(&header, &claims("jti-1", &graph.token_url(), now() + 600));
    let issued = post_assertion(&graph, &good);
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_eq!(issued.body["token_type"], "Bearer");
    assert!(issued.body["expires_in"].as_i64().unwrap() > 0);
    let by_cert = issued.body["access_token"].as_str().unwrap();
    assert_eq!(
        graph.get(&format!("/users/{PAT}"), &[], by_cert).status,
        200
    );

    // Each broken rule: 401 invalid_client, naming the rule, never quoting the assertion.
    let other_key = Certificate::new();
    let cases = [
        ("replayed", good.clone(), "used before"),
        (
            "wrong audience",
            certificate.sign(
                &header,
                &claims("jti-2", "https://elsewhere/token", now() + 600),
            ),
            "aud",
        ),
        (
            "expired",
            certificate.sign(&header, &claims("jti-3", &graph.token_url(), now() - 60)),
            "expired",
        ),
        (
            "signed by another key",
            other_key.sign(&header, &claims("jti-4", &graph.token_url(), now() + 600)),
            "signature",
        ),
        (
            "another certificate named",
            certificate.sign(
                &json!({"alg": "RS256", "typ": "JWT", "x5t#S256": other_key.thumbprint()}),
                &claims("jti-5", &graph.token_url(), now() + 600),
            ),
            "x5t#S256",
        ),
        (
            "no jti",
            certificate.sign(
                &header,
                &json!({"aud": graph.token_url(), "iss": CLIENT_ID, "sub": CLIENT_ID,
                        "exp": now() + 600}),
            ),
            "jti",
        ),
    ];
    for (case, assertion, rule) in cases {
        let refused = post_assertion(&graph, &assertion);
        assert_eq!(refused.status, 401, "{case}: {:?}", refused.body);
        assert_eq!(refused.body["error"], "invalid_client", "{case}");
        let description = refused.body["error_description"].as_str().unwrap();
        assert!(description.contains(rule), "{case}: {description}");
        assert!(!refused.body.to_string().contains(&assertion), "{case}");
    }

    // Tokens expire: with a one-second lifetime, a token stops working; a fresh one works.
    graph.control(Method::POST, "tokens", Some(&json!({"lifetime": 1})));
    let short = graph.token();
    std::thread::sleep(Duration::from_millis(1500));
    let expired = graph.get(&format!("/users/{PAT}"), &[], &short);
    assert_eq!(
        (expired.status, error_code(&expired)),
        (401, "InvalidAuthenticationToken")
    );
    graph.control(Method::POST, "tokens", Some(&json!({"lifetime": 3600})));
    assert_eq!(
        graph
            .get(&format!("/users/{PAT}"), &[], &graph.token())
            .status,
        200
    );
    // No token at all.
    let anonymous = graph.get("/users", &[], "");
    assert_eq!(
        (anonymous.status, error_code(&anonymous)),
        (401, "InvalidAuthenticationToken")
    );
    assert_no_violations(&graph);
}
