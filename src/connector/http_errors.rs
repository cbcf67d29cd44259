//! What went wrong with an HTTP request, as a [`ConnectorError`], for the connectors that speak
//! HTTP (SCIM, webhooks): no answer, a 5xx, a 408 or a 429 is transient (with the server's
//! `Retry-After`), any other status permanent. Messages never carry the request URL's secrets:
//! callers pass redacted details.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::connector::ConnectorError;

/// The longest server `detail` quoted in an error message.
const MAX_DETAIL: usize = 500;

/// The error for a request that got no (complete) answer: always worth retrying.
pub(crate) fn transport_error(
    what: &str,
    timeout: Duration,
    error: reqwest::Error,
) -> ConnectorError {
    let error = error.without_url();
    let message = if error.is_timeout() {
        format!("{what}: no answer within {}", humanize(timeout))
    } else if error.is_connect() {
        format!("{what}: cannot connect: {}", chain(&error))
    } else {
        format!("{what}: {}", chain(&error))
    };
    ConnectorError::Transient {
        message,
        retry_after: None,
    }
}

/// The error for a non-success `status`: transient for 408, 429 and 5xx (with the wait the
/// server asked for in `Retry-After`), permanent otherwise. `detail` is the server's reason,
/// already redacted.
pub(crate) fn status_error(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    detail: Option<&str>,
) -> ConnectorError {
    let mut message = format!("{what}: {status}");
    if let Some(detail) = detail.map(str::trim).filter(|d| !d.is_empty()) {
        message.push_str(": ");
        message.push_str(&truncate(detail, MAX_DETAIL));
    }
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        ConnectorError::Transient {
            message,
            retry_after,
        }
    } else {
        ConnectorError::Permanent { message }
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delay seconds, or an HTTP-date (a date already
/// past means "now"). `None` when it is neither.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let now = OffsetDateTime::from(now);
    Some(Duration::try_from(date - now).unwrap_or(Duration::ZERO))
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// `10s`, `1.5s`, `250ms`.
pub(crate) fn humanize(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else if duration < Duration::from_secs(1) {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_767); // Sun, 06 Nov 1994 08:49:27 GMT
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-3", now), None);
    }

    #[test]
    fn statuses_map_to_transient_or_permanent() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        for status in [429, 500, 502, 503, 504, 408] {
            let status = StatusCode::from_u16(status).unwrap();
            match status_error("GET /x", status, &headers, None) {
                ConnectorError::Transient { retry_after, .. } => {
                    assert_eq!(retry_after, Some(Duration::from_secs(3)), "{status}")
                }
                other => panic!("{status}: {other:?}"),
            }
        }
        for status in [400, 401, 403, 404, 409, 412] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(
                matches!(
                    status_error("GET /x", status, &headers, Some("why")),
                    ConnectorError::Permanent { .. }
                ),
                "{status}"
            );
        }
        let long = "x".repeat(2000);
        let message =
            status_error("GET /x", StatusCode::FORBIDDEN, &headers, Some(&long)).to_string();
        assert!(message.starts_with("GET /x: 403 Forbidden: xxx"));
        assert!(message.len() < 600);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(humanize(Duration::from_secs(10)), "10s");
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize(Duration::from_millis(1500)), "1.5s");
    }
}
