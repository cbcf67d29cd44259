//! Reading an HTTP answer's body within a limit, so a wrong URL or a hostile server serving a
//! huge body cannot exhaust memory: a body over the limit (by its `Content-Length`, or as it
//! streams in) is a permanent error naming the call and the limit.

use std::io::Read;

use crate::connector::ConnectorError;
use crate::fsio::Limit;

/// The body of `response` (for the call `what`), refused when it exceeds `limit`. A read that
/// breaks off is transient, as a dropped connection is.
pub fn read_limited(
    what: &str,
    response: reqwest::blocking::Response,
    limit: Limit,
) -> Result<Vec<u8>, ConnectorError> {
    let too_large = || ConnectorError::Permanent {
        message: format!("{what}: the answer is larger than {limit}"),
    };
    if response.content_length().is_some_and(|n| n > limit.bytes) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    response
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ConnectorError::Transient {
            message: format!("{what}: reading the answer failed: {e}"),
            retry_after: None,
        })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large());
    }
    Ok(bytes)
}
