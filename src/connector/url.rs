//! Building request URLs under a connector's base URL, and following the next-page links a
//! server sends only where the token may go.

use reqwest::Url;

use super::ConnectorError;

/// `base` with `segments` appended, each percent-encoded as one path segment, and the query
/// pairs encoded.
pub fn join(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

/// The next-page `link` a server sent, as a URL on `base`'s origin: the token must not go
/// elsewhere. `sent` says who sent what, e.g. `"Okta sent a next link"`; `invalid` how a link
/// that does not parse is named, e.g. `"Okta sent an invalid next link"`.
pub fn next_on_origin(
    base: &Url,
    link: &str,
    sent: &str,
    invalid: &str,
) -> Result<Url, ConnectorError> {
    let url = Url::parse(link).map_err(|e| ConnectorError::Permanent {
        message: format!("{invalid}: {e}"),
    })?;
    if url.origin() != base.origin() {
        return Err(ConnectorError::Permanent {
            message: format!(
                "{sent} to another origin ({}); not followed",
                url.origin().ascii_serialization()
            ),
        });
    }
    Ok(url)
}
