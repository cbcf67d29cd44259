//! Building request URLs under a connector's base URL.

use reqwest::Url;

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
