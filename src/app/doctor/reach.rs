//! Reaching a system over the network: a TCP connection to the host and port its URL names,
//! the TLS handshake (`https://`, `ldaps://`) with the roots this machine trusts, and the skew
//! between this machine's clock and the server's `Date` header (HTTP only). No credentials are
//! sent: the `Date` comes from a plain `GET` of the configured URL.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConnection;
use rustls::pki_types::ServerName;
use time::OffsetDateTime;
use time::macros::format_description;

use super::{Check, CheckKind, MAX_SKEW_SECONDS};

/// How the protocol on top of the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Security {
    /// Nothing: credentials and data cross the network in clear.
    Plain,
    /// Upgraded after connecting (LDAP StartTLS): checked by the bind, not here.
    StartTls,
    /// TLS from the first byte (`https://`, `ldaps://`).
    Tls,
}

/// A network endpoint to check.
pub(super) struct Endpoint<'a> {
    /// The system's name in the output.
    pub system: &'a str,
    /// Where the URL is configured, for the fixes (`connectors.idp.base_url`).
    pub key: String,
    /// The URL.
    pub url: &'a str,
    /// How the connection is secured.
    pub security: Security,
    /// Where to read a `Date` header from with a plain `GET` (HTTP systems only): the URL, or
    /// for a vendor API a path of that API, answered (401) without credentials.
    pub date_url: Option<String>,
    /// How long to wait for each step.
    pub timeout: Duration,
}

/// The connection, TLS and clock checks of `endpoint`, and whether the connection opened.
pub(super) fn reach(endpoint: &Endpoint<'_>) -> (Vec<Check>, bool) {
    let system = endpoint.system;
    let (host, stream) = match connect(endpoint) {
        Ok(connected) => connected,
        Err(why) => {
            let fix = format!(
                "start the service, open the network path to it, or correct `{}`",
                endpoint.key
            );
            let skipped = "the connection failed";
            let mut checks = vec![
                Check::fail(system, CheckKind::Connection, why, fix),
                Check::skip(system, CheckKind::Tls, skipped),
            ];
            if endpoint.date_url.is_some() {
                checks.push(Check::skip(system, CheckKind::Clock, skipped));
            }
            return (checks, false);
        }
    };
    let peer = stream
        .peer_addr()
        .map_or_else(|_| host.clone(), |a| a.to_string());
    let mut checks = vec![Check::ok(
        system,
        CheckKind::Connection,
        format!("connected to {peer}"),
    )];
    checks.push(tls(endpoint, &host, stream));
    if let Some(url) = &endpoint.date_url {
        checks.push(clock(endpoint, url));
    }
    (checks, true)
}

/// Open a TCP connection to the host and port of the endpoint's URL.
fn connect(endpoint: &Endpoint<'_>) -> Result<(String, TcpStream), String> {
    let url = url::Url::parse(endpoint.url).map_err(|e| format!("not a URL: {e}"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the URL names no host")?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .or(match url.scheme() {
            "ldap" => Some(389),
            "ldaps" => Some(636),
            _ => None,
        })
        .ok_or_else(|| format!("no port for scheme `{}`", url.scheme()))?;
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} resolves to no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, endpoint.timeout) {
            Ok(stream) => return Ok((host, stream)),
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

/// The TLS check: a full handshake where the URL asks for TLS.
fn tls(endpoint: &Endpoint<'_>, host: &str, stream: TcpStream) -> Check {
    let system = endpoint.system;
    match endpoint.security {
        Security::Plain => Check::warn(
            system,
            CheckKind::Tls,
            "not encrypted: credentials and data cross the network in clear",
            format!("use an https:// or ldaps:// URL in `{}`", endpoint.key),
        ),
        Security::StartTls => Check::skip(
            system,
            CheckKind::Tls,
            "StartTLS is negotiated when binding: the credentials check covers it",
        ),
        Security::Tls => match handshake(host, stream, endpoint.timeout) {
            Ok(version) => Check::ok(
                system,
                CheckKind::Tls,
                format!("handshake with {host} completed ({version}); certificate trusted"),
            ),
            Err(why) => Check::fail(
                system,
                CheckKind::Tls,
                format!("TLS handshake with {host} failed: {why}"),
                "renew the server's certificate, or add its CA to this machine's trusted roots \
                 (SSL_CERT_FILE)"
                    .to_owned(),
            ),
        },
    }
}

/// Complete a TLS handshake over `stream`, verifying the certificate against the system's
/// roots; the protocol version agreed.
fn handshake(host: &str, mut stream: TcpStream, timeout: Duration) -> Result<String, String> {
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let config = crate::connector::ldap::tls::client_config(None).map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
    let mut tls = ClientConnection::new(Arc::clone(&config), name).map_err(|e| e.to_string())?;
    while tls.is_handshaking() {
        tls.complete_io(&mut stream).map_err(|e| e.to_string())?;
    }
    Ok(tls
        .protocol_version()
        .map_or_else(|| "TLS".to_owned(), |v| format!("{v:?}")))
}

/// The clock check: this machine's clock (the one journal records are stamped with) against
/// the `Date` header of a plain `GET` of `url`.
fn clock(endpoint: &Endpoint<'_>, url: &str) -> Check {
    let system = endpoint.system;
    let date = match server_date(url, endpoint.timeout) {
        Ok(Some(date)) => date,
        Ok(None) => return Check::skip(system, CheckKind::Clock, "the server sent no Date header"),
        Err(why) => return Check::skip(system, CheckKind::Clock, why),
    };
    let now = match crate::clock::now() {
        Ok(now) => now,
        Err(why) => return Check::skip(system, CheckKind::Clock, why),
    };
    let skew = (now - date).whole_seconds();
    let detail = format!(
        "this machine's clock is {} s {} the server's",
        skew.abs(),
        if skew >= 0 { "ahead of" } else { "behind" }
    );
    if skew.abs() > MAX_SKEW_SECONDS {
        Check::warn(
            system,
            CheckKind::Clock,
            format!("{detail} (more than {MAX_SKEW_SECONDS} s)"),
            "synchronise this machine's clock (NTP): journal times and deadlines depend on it"
                .to_owned(),
        )
    } else {
        Check::ok(system, CheckKind::Clock, detail)
    }
}

/// The `Date` header of a `GET` of `url` sent without credentials, following no redirect.
fn server_date(url: &str, timeout: Duration) -> Result<Option<OffsetDateTime>, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let response = client
        .get(url)
        .send()
        .map_err(|e| format!("no HTTP answer: {e}"))?;
    let Some(value) = response.headers().get(reqwest::header::DATE) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| "the Date header is not text")?;
    parse_http_date(text)
        .map(Some)
        .ok_or_else(|| format!("the Date header `{text}` is not an HTTP date"))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7).
fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_and_other_text_does_not() {
        let date = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(date.unix_timestamp(), 784_111_777);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("1994-11-06T08:49:37Z"), None);
    }

    #[test]
    fn a_closed_port_fails_the_connection_and_skips_the_rest() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = format!("http://127.0.0.1:{port}/v2");
        let (checks, connected) = reach(&Endpoint {
            system: "idp",
            key: "connectors.idp.base_url".to_owned(),
            url: &url,
            security: Security::Plain,
            date_url: Some(url.clone()),
            timeout: Duration::from_secs(2),
        });
        assert!(!connected);
        let statuses: Vec<_> = checks.iter().map(|c| (c.check, c.status)).collect();
        assert_eq!(
            statuses,
            [
                (CheckKind::Connection, super::super::Status::Fail),
                (CheckKind::Tls, super::super::Status::Skip),
                (CheckKind::Clock, super::super::Status::Skip),
            ]
        );
        assert!(checks[0].detail.contains(&port.to_string()), "{checks:?}");
        assert!(
            checks[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("connectors.idp.base_url")
        );
    }
}
